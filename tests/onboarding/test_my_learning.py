"""My learning: the required courses first, with the deadline and "x of y required courses done"."""

from __future__ import annotations

from datetime import date

from lms.extensions import db
from tests.onboarding.test_codes import _activate
from tests.support import registry as reg


def test_required_courses_come_first(app, client, make_person, issue):
    from lms.catalog import services as catalog
    from lms.coverage import services as coverage
    from lms.registry.models import Person

    pid = make_person(phone="0912000001")
    with app.app_context():
        for slug in ("ghi-nhan", "an-toan", "tu-chon"):
            course = reg.course(slug)
            course.published = True
        coverage.set_requirement("household_head", ["an-toan", "ghi-nhan", "chua-co"], deadline=date(2026, 12, 31))
        reg.complete(db.session.get(Person, pid), "ghi-nhan", date(2026, 2, 1))
        db.session.commit()
    assert _activate(client, issue(pid), "0912000001").status_code == 302
    with app.app_context():
        from lms.auth.models import User

        user = db.session.scalar(db.select(User).where(User.person_id == pid))
        catalog.enrol(user, reg.course("tu-chon"))
        db.session.commit()
    page = client.get("/my-learning").get_data(as_text=True)
    required = page.split('data-testid="required-courses"', 1)[1].split("</section>", 1)[0]
    assert "Đã hoàn thành 1/3 khóa học bắt buộc" in required and "31/12/2026" in required
    assert required.index("An-Toan") < required.index("Ghi-Nhan")
    assert "Tu-Chon" not in required and "Tu-Chon" in page.split("</section>", 1)[1]


def test_no_requirement_no_section(app, client, make_person, issue):
    pid = make_person(phone="0912000001", group="household_head")
    assert _activate(client, issue(pid), "0912000001").status_code == 302
    assert 'data-testid="required-courses"' not in client.get("/my-learning").get_data(as_text=True)

"""Requests to correct, restrict or delete: the queue, the deadlines, each settlement and
its audit entry; anonymisation keeps past coverage totals and silences certificates."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from lms.extensions import db
from tests.support.client import login, post_form


def _send(client, kind="correct", message="Năm sinh đúng là 1971"):
    login(client, "learner@example.vn")
    return post_form(client, "/account/data/requests", {"kind": kind, "message": message},
                     token_from="/account/data")


def _request_id(app) -> int:
    from lms.privacy.models import DataRequest

    with app.app_context():
        return db.session.scalar(select(DataRequest.id).order_by(DataRequest.id.desc()))


def _audit(app, action: str) -> list[dict]:
    from lms.core.audit import AuditLog

    with app.app_context():
        return [{"object": (a.object_type, a.object_id), **a.details}
                for a in db.session.scalars(select(AuditLog).where(AuditLog.action == action))]


@pytest.fixture
def sent(app, client, filled):
    assert _send(client).status_code == 302
    return _request_id(app)


def test_request_is_listed_with_deadlines_for_area_managers_and_admins(app, client, filled, sent, make_user):
    html = client.get("/account/data").get_data(as_text=True)
    assert "Sửa dữ liệu của tôi" in html and "Đang chờ" in html
    assert _audit(app, "privacy.request")[0]["object"] == ("person", str(filled["person"]))
    for role in ("manager", "admin"):
        staff = app.test_client()
        login(staff, f"{role}@example.vn")
        queue = staff.get("/privacy/requests").get_data(as_text=True)
        assert "Nguyễn Thị Hoa" in queue, role
        detail = staff.get(f"/privacy/requests/{sent}").get_data(as_text=True)
        assert "Năm sinh đúng là 1971" in detail and "Giải quyết trước" in detail
        # Identifiers masked on the queue's pages.
        assert "0912•••678" in detail and "•••••••••789" in detail and "044123456789" not in detail
    make_user(("manager",), email="other-manager@example.vn")  # no area: sees nothing
    other = app.test_client()
    login(other, "other-manager@example.vn")
    assert "Nguyễn Thị Hoa" not in other.get("/privacy/requests").get_data(as_text=True)
    assert other.get(f"/privacy/requests/{sent}").status_code == 404
    trainer = app.test_client()
    login(trainer, "trainer@example.vn")
    assert trainer.get("/privacy/requests").status_code == 403


def test_working_days_skip_the_weekend():
    from lms.privacy.services import add_working_days

    assert add_working_days(date(2026, 12, 4), 2) == date(2026, 12, 8)  # Friday → Tuesday


def test_a_correction_needs_details(client, filled):
    response = _send(client, message="")
    assert response.status_code == 400


def test_admin_corrects_and_the_change_is_audited(app, sent, filled):
    from lms.registry.models import Person

    admin = app.test_client()
    login(admin, "admin@example.vn")
    manager = app.test_client()
    login(manager, "manager@example.vn")
    data = {"full_name": "Nguyễn Thị Hoa", "birth_year": "1971", "phone": "0987654321", "gender": "female",
            "ethnicity": "Kinh"}
    assert post_form(manager, f"/privacy/requests/{sent}/correct", data,
                     token_from=f"/privacy/requests/{sent}").status_code == 403
    response = post_form(admin, f"/privacy/requests/{sent}/correct", data, token_from=f"/privacy/requests/{sent}")
    assert response.status_code == 302
    with app.app_context():
        person = db.session.get(Person, filled["person"])
        assert (person.birth_year, person.phone, person.gender) == (1971, "0987654321", "female")
        assert person.national_id == "044123456789"  # left empty: kept
    entry = _audit(app, "privacy.correct")[0]
    assert sorted(entry["fields"]) == ["birth_year", "gender", "phone"]
    assert "0987654321" not in str(entry)  # field names only, never values
    assert "Đã giải quyết" in admin.get(f"/privacy/requests/{sent}").get_data(as_text=True)
    again = post_form(admin, f"/privacy/requests/{sent}/correct", data, token_from=f"/privacy/requests/{sent}")
    assert again.status_code == 400


def test_restriction_hides_the_person_but_keeps_the_data(app, client, filled, world):
    from lms.registry.models import Person

    with app.app_context():
        db.session.get(Person, filled["person"]).organisation_id = world["org"]
        db.session.commit()
    admin_view = app.test_client()
    login(admin_view, "admin@example.vn")
    assert "Nguyễn Thị Hoa" in admin_view.get(f"/registry/organisations/{world['org']}").get_data(as_text=True)
    assert _send(client, "restrict", "").status_code == 302
    rid = _request_id(app)
    admin = app.test_client()
    login(admin, "admin@example.vn")
    assert "Nguyễn Thị Hoa" in admin.get("/registry/people").get_data(as_text=True)
    assert post_form(admin, f"/privacy/requests/{rid}/restrict", {}, token_from=f"/privacy/requests/{rid}").status_code == 302
    assert "Nguyễn Thị Hoa" not in admin.get("/registry/people").get_data(as_text=True)
    assert admin.get(f"/registry/people/{filled['person']}").status_code == 404
    assert "Nguyễn Thị Hoa" not in admin.get(f"/registry/organisations/{world['org']}").get_data(as_text=True)
    verify = app.test_client().get(f"/verify/{filled['certificate']}").get_data(as_text=True)
    assert "Nguyễn Thị Hoa" not in verify and "Không thể xác minh" in verify
    with app.app_context():
        assert db.session.get(Person, filled["person"]).national_id == "044123456789"
    assert _audit(app, "privacy.restrict")[0]["object"] == ("person", str(filled["person"]))


def _totals(app, as_of):
    from lms.auth.models import User
    from lms.coverage.queries import Area, figures

    with app.app_context():
        admin = db.session.scalar(select(User).where(User.email == "admin@example.vn"))
        return figures(admin, Area(None, "2025"), as_of)["total"]


def test_anonymisation_keeps_past_coverage_and_silences_certificates(app, client, filled, world):
    from lms.auth.models import User
    from lms.catalog.models import Course
    from lms.coverage.services import set_requirement
    from lms.messages.models import Message
    from lms.registry.models import Person

    with app.app_context():
        slug = db.session.get(Course, world["course"]).slug
        set_requirement("household_head", [slug])
        db.session.commit()
    before = _totals(app, date(2026, 6, 30))
    assert before["trained"] >= 1
    assert _send(client, "delete", "").status_code == 302
    rid = _request_id(app)
    admin = app.test_client()
    login(admin, "admin@example.vn")
    response = post_form(admin, f"/privacy/requests/{rid}/anonymise", {}, token_from=f"/privacy/requests/{rid}")
    assert response.status_code == 302
    assert _totals(app, date(2026, 6, 30)) == before
    with app.app_context():
        person = db.session.get(Person, filled["person"])
        assert person.anonymised_at is not None
        assert (person.full_name, person.phone, person.national_id, person.ethnicity, person.birth_year) == \
            ("—", None, None, None, None)
        user = db.session.scalar(select(User).where(User.person_id == person.id))
        assert not user.active and user.phone is None and "Hoa" not in user.display_name
        assert all(m.body == "" and m.address is None
                   for m in db.session.scalars(select(Message).where(Message.person_id == person.id)))
    verify = app.test_client().get(f"/verify/{filled['certificate']}").get_data(as_text=True)
    assert "Nguyễn Thị Hoa" not in verify and "Không thể xác minh" in verify
    entry = _audit(app, "privacy.anonymise")[0]
    assert entry["object"] == ("person", str(filled["person"])) and entry["certificates"] == 1
    # The learner can no longer log in.
    assert login(app.test_client(), "learner@example.vn").status_code == 200


def test_refusal_needs_a_reason(app, sent):
    admin = app.test_client()
    login(admin, "admin@example.vn")
    url = f"/privacy/requests/{sent}/reject"
    assert post_form(admin, url, {"note": ""}, token_from=f"/privacy/requests/{sent}").status_code == 400
    assert post_form(admin, url, {"note": "Thông tin đã đúng"}, token_from=f"/privacy/requests/{sent}").status_code == 302
    assert _audit(app, "privacy.reject")


def test_a_restricted_person_gets_no_reminder(app, filled):
    from lms.catalog.models import Course
    from lms.coverage.reminders import untrained_with_account
    from lms.coverage.services import set_requirement
    from lms.registry.models import Person

    with app.app_context():
        db.session.add(Course(slug="khoa-khac", title="Khóa khác", hours=4))
        set_requirement("household_head", ["khoa-khac"])
        db.session.commit()
        as_of = date(2026, 6, 30)
        assert filled["person"] in [r.id for r in db.session.execute(untrained_with_account(as_of))]
        db.session.get(Person, filled["person"]).restricted_at = datetime(2026, 5, 1, tzinfo=UTC)
        db.session.commit()
        assert filled["person"] not in [r.id for r in db.session.execute(untrained_with_account(as_of))]

"""Decision number and date on certificates: per course and per class (issue 17)."""

from __future__ import annotations

from sqlalchemy import select

from lms.extensions import db
from tests.support.classes import build_world, make_class
from tests.support.client import login, post_form


def test_course_and_class_decisions_reach_the_certificates(app, client, users):
    from lms.catalog.models import Course
    from lms.catalog.services import record_completion
    from lms.certification.models import Certificate
    from lms.classes import services
    from lms.classes.models import TrainingClass

    world = build_world(app, users)
    class_id = make_class(app, world, trainers=[users["trainer"].id])
    login(client, "admin@example.vn")
    course_id = world["course"]
    page = client.get(f"/certificates/courses/{course_id}").get_data(as_text=True)
    assert 'id="decision"' in page
    response = post_form(client, f"/certificates/courses/{course_id}/decision",
                         {"number": "12/QĐ-SNN", "decided_on": "2026-03-01"},
                         token_from=f"/certificates/courses/{course_id}")
    assert response.status_code == 302
    # The class has its own decision, set by an administrator on its edit page.
    edit = client.get(f"/classes/{class_id}/edit").get_data(as_text=True)
    assert 'name="decision_number"' in edit
    form = {"course": course_id, "title": "Lớp xã A", "unit": world["a"], "capacity": 30, "threshold_percent": 80,
            "pass_mark": "70", "days": "10/03/2026 07:30-11:30\n11/03/2026 07:30-11:30",
            "decision_number": "45/QĐ-SNN", "decision_date": "2026-02-20",
            "trainers": [str(users["trainer"].id)]}
    assert post_form(client, f"/classes/{class_id}/edit", form).status_code == 302
    with app.app_context():
        training_class = db.session.get(TrainingClass, class_id)
        services.add_people(training_class, [world["people"][0]], actor=None)
        for day in training_class.days:
            services.mark(day, world["people"][0], "present", actor=None)
        services.finish_class(training_class, actor=None)
        record_completion(world["people"][1], db.session.get(Course, course_id), via="online")
        db.session.commit()
        certs = {c.person_id: c for c in db.session.scalars(select(Certificate))}
        assert certs[world["people"][0]].decision_number == "45/QĐ-SNN"
        assert str(certs[world["people"][0]].decision_date) == "2026-02-20"
        assert certs[world["people"][1]].decision_number == "12/QĐ-SNN"
        assert str(certs[world["people"][1]].decision_date) == "2026-03-01"
    # A trainer does not see (nor change) the decision fields.
    trainer = app.test_client()
    login(trainer, "trainer@example.vn")
    assert 'name="decision_number"' not in trainer.get(f"/classes/{class_id}/edit").get_data(as_text=True)


def test_verify_with_a_mistyped_code_says_no_such_certificate(client):
    for code in ("ABCD-EFGH-JKLM", "not a code!"):
        response = client.get(f"/verify/{code}")
        text = response.get_data(as_text=True)
        assert response.status_code == 404
        assert "Không có chứng nhận nào mang mã này" in text and 'name="code"' in text

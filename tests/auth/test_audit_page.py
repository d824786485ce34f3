"""The audit log page (/admin/audit) with filters and CSV, and each object's own history
on its page (issue 17)."""

from __future__ import annotations

from lms.extensions import db
from tests.support.classes import build_world, make_class
from tests.support.client import login


def _world(app, users):
    from lms.auth.models import User
    from lms.classes import services
    from lms.classes.models import TrainingClass

    world = build_world(app, users)
    class_id = make_class(app, world, trainers=[users["trainer"].id], posttest=True)
    with app.app_context():
        trainer = db.session.get(User, users["trainer"].id)
        training_class = db.session.get(TrainingClass, class_id)
        services.add_people(training_class, world["people"][:2], actor=trainer)
        services.mark(training_class.days[0], world["people"][0], "present", actor=trainer)
        services.mark(training_class.days[0], world["people"][0], "absent", actor=trainer)  # a correction (day over)
        services.set_paper_score(training_class, world["people"][1], 55.5, actor=trainer)
        db.session.commit()
    return world, class_id


def test_audit_page_filters_and_csv(app, client, users):
    world, class_id = _world(app, users)
    login(client, "admin@example.vn")
    page = client.get("/admin/audit").get_data(as_text=True)
    assert "class.attendance_correct" in page and "present → absent" in page
    assert "Giảng viên" in page or users["trainer"].display_name in page
    by_kind = client.get("/admin/audit?kind=class.posttest_score").get_data(as_text=True)
    table = by_kind.split('data-testid="audit"')[1]
    assert "class.posttest_score" in table and "class.attendance_correct" not in table
    by_actor = client.get("/admin/audit?actor=admin@example.vn").get_data(as_text=True)
    assert "class.posttest_score" not in by_actor.split('data-testid="audit"')[1]
    by_object = client.get(f"/admin/audit?object=class%20{class_id}&kind=class").get_data(as_text=True)
    assert "class.roster_add" in by_object
    future = client.get("/admin/audit?since=01/01/2099").get_data(as_text=True)
    assert "class.roster_add" not in future.split('data-testid="audit"')[1]
    csv = client.get("/admin/audit.csv?kind=class").data.decode("utf-8-sig")
    assert "class.attendance_correct" in csv and "present → absent" in csv
    assert "/20" in csv.splitlines()[1]  # day-first dates


def test_each_object_page_shows_its_history(app, client, users):
    world, class_id = _world(app, users)
    login(client, "trainer@example.vn")
    cls_page = client.get(f"/classes/{class_id}").get_data(as_text=True)
    history = cls_page.split('data-testid="class-history"')[1].split("</table>")[0]
    assert "class.attendance_correct" in history and "class.create" in history
    admin = app.test_client()
    login(admin, "admin@example.vn")
    person = admin.get(f"/registry/people/{world['people'][1]}").get_data(as_text=True)
    assert "class.posttest_score" in person.split('data-testid="person-history"')[1].split("</table>")[0]

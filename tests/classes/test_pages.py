"""Class pages end to end: create, roster from search and the gap list, capacity, scores,
printable roster, report exports (formula-safe), finishing from the page."""

from __future__ import annotations

import io

from sqlalchemy import select

from lms.extensions import db
from tests.support.classes import make_class
from tests.support.client import login, post_form


def test_trainer_creates_a_class_and_is_its_trainer(app, client, world, users):
    from lms.classes.models import TrainingClass

    login(client, "trainer@example.vn")
    form = {"course": world["course"], "title": "Lớp xã A", "unit": world["a"], "venue": "Nhà văn hóa",
            "capacity": 30, "threshold_percent": 80, "pass_mark": "70"}
    bad = post_form(client, "/classes/new", {**form, "days": "10/03/2026 sáng\n2026-03-11 11:00-08:00"})
    assert bad.status_code == 200
    text = bad.get_data(as_text=True)
    assert "Line 1" in text or "Dòng 1" in text
    assert "Line 2" in text or "Dòng 2" in text
    response = post_form(client, "/classes/new", {**form, "days": "2026-03-10 07:30-11:30\n2026-03-11 7:30 - 11:30"})
    assert response.status_code == 302
    with app.app_context():
        training_class = db.session.scalar(select(TrainingClass))
        assert [r.user_id for r in training_class.trainer_rows] == [users["trainer"].id]
        assert len(training_class.days) == 2 and len({d.checkin_code for d in training_class.days}) == 2
        class_id = training_class.id
    page = client.get(f"/classes/{class_id}").get_data(as_text=True)
    assert "Lớp xã A" in page and "Nhà văn hóa" in page
    # Editing keeps days; a day with attendance cannot be removed.
    from lms.classes import services

    with app.app_context():
        training_class = db.session.get(TrainingClass, class_id)
        services.add_people(training_class, [world["people"][0]], actor=None)
        services.mark(training_class.days[1], world["people"][0], "present", actor=None)
        db.session.commit()
    edit = post_form(client, f"/classes/{class_id}/edit", {**form, "days": "2026-03-10 07:30-11:30"})
    assert edit.status_code == 200 and "11/03/2026" in edit.get_data(as_text=True)
    with app.app_context():
        assert len(db.session.get(TrainingClass, class_id).days) == 2


def test_roster_capacity_is_enforced_with_a_message(app, client, world, users):
    class_id = make_class(app, world, trainers=[users["trainer"].id], capacity=2)
    login(client, "trainer@example.vn")
    response = post_form(client, f"/classes/{class_id}/people", {"person_ids": world["people"][:3]},
                         follow_redirects=True)
    text = response.get_data(as_text=True)
    assert "capacity 2" in text or "sức chứa 2" in text
    from lms.classes.models import RosterEntry

    with app.app_context():
        assert db.session.scalars(select(RosterEntry)).all() == []
    assert post_form(client, f"/classes/{class_id}/people", {"person_ids": world["people"][:2]}).status_code == 302


def test_gap_list_adds_everyone_not_yet_trained_in_the_commune(app, client, world, users):
    from lms.catalog.models import Course
    from lms.catalog.services import record_completion
    from lms.classes.models import RosterEntry
    from lms.coverage.services import set_requirement

    with app.app_context():
        set_requirement("cooperative_leader", ["lop-ocop"])
        record_completion(world["people"][0], db.session.get(Course, world["course"]), via="online")
        db.session.commit()
    class_id = make_class(app, world, trainers=[users["trainer"].id])
    login(client, "manager@example.vn")
    response = post_form(client, f"/classes/{class_id}/people/gap", {}, token_from=f"/classes/{class_id}/people")
    assert response.status_code == 302
    with app.app_context():
        roster = sorted(db.session.scalars(select(RosterEntry.person_id)))
    # Six cooperative leaders in commune A, one already trained; commune B and C people are not in the gap list.
    assert roster == sorted(world["people"][1:])


def test_scores_printable_roster_report_and_finish(app, client, world, users):
    from lms.classes import services
    from lms.classes.models import TrainingClass

    class_id = make_class(app, world, trainers=[users["trainer"].id], posttest=True, pass_mark=60)
    with app.app_context():
        from lms.registry.models import Person

        db.session.get(Person, world["people"][1]).full_name = "=HYPERLINK(\"http://x\")"
        training_class = db.session.get(TrainingClass, class_id)
        services.add_people(training_class, world["people"][:2], actor=None)
        for day in training_class.days:
            services.mark(day, world["people"][0], "present", actor=None)
            services.mark(day, world["people"][1], "late", actor=None)
        db.session.commit()
    p0, p1 = world["people"][:2]
    login(client, "trainer@example.vn")
    bad = post_form(client, f"/classes/{class_id}/scores", {f"score-{p0}": "120", "scale": "100"})
    assert bad.status_code == 400
    assert post_form(client, f"/classes/{class_id}/scores",
                     {f"score-{p0}": "75,5", f"score-{p1}": "40", "scale": "100"}).status_code == 302
    sheet = client.get(f"/classes/{class_id}/print").get_data(as_text=True)
    assert "Học viên 0" in sheet and 'class="sign"' in sheet
    csv = client.get(f"/classes/{class_id}/report.csv").get_data(as_text=True)
    assert "'=HYPERLINK" in csv and "75,5" in csv
    xlsx = client.get(f"/classes/{class_id}/report.xlsx")
    from openpyxl import load_workbook

    values = [c.value for row in load_workbook(io.BytesIO(xlsx.data)).active.iter_rows() for c in row]
    assert "'=HYPERLINK(\"http://x\")" in values
    response = post_form(client, f"/classes/{class_id}/finish", {}, token_from=f"/classes/{class_id}",
                         follow_redirects=True)
    assert response.status_code == 200
    from lms.catalog.models import CourseCompletion

    with app.app_context():
        assert db.session.scalars(select(CourseCompletion.person_id)).all() == [p0]
    # Certificates of the class, in one PDF.
    pdf = client.get(f"/classes/{class_id}/certificates.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")


def test_concurrent_additions_never_exceed_capacity(app, world, users):
    import threading

    from lms.classes import services
    from lms.classes.models import RosterEntry, TrainingClass
    from lms.core.errors import ServiceError

    class_id = make_class(app, world, capacity=3)
    groups = [world["people"][0:2], world["people"][2:4], world["people"][4:6]]
    barrier = threading.Barrier(len(groups))
    outcomes, errors = [], []

    def run(ids):
        try:
            with app.app_context():
                barrier.wait(timeout=10)
                try:
                    services.add_people(db.session.get(TrainingClass, class_id), ids, actor=None)
                    db.session.commit()
                    outcomes.append("added")
                except ServiceError:
                    db.session.rollback()
                    outcomes.append("refused")
                db.session.remove()
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(ids,)) for ids in groups]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert sorted(outcomes) == ["added", "refused", "refused"]
    with app.app_context():
        assert len(db.session.scalars(select(RosterEntry)).all()) == 2

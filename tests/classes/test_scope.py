"""A manager never sees another unit's classes or people; trainers see their classes;
learners their own classes only."""

from __future__ import annotations

from lms.extensions import db
from tests.support.classes import make_class
from tests.support.client import login, post_form


def _assign(app, user_id, unit_id):
    from lms.registry.models import UnitAssignment

    with app.app_context():
        db.session.add(UnitAssignment(user_id=user_id, unit_id=unit_id))
        db.session.commit()


def test_manager_sees_only_classes_and_people_of_their_units(app, client, world, users, make_user):
    from lms.classes import services
    from lms.classes.models import TrainingClass

    other = make_user(("manager",), email="other-manager@example.vn")
    _assign(app, other.id, world["c"])
    mine = make_class(app, world, unit="a")
    theirs = make_class(app, world, unit="c")
    with app.app_context():
        services.add_people(db.session.get(TrainingClass, theirs), [world["outsider"]], actor=None)
        db.session.commit()

    login(client, "manager@example.vn")
    listing = client.get("/classes/").get_data(as_text=True)
    assert f"/classes/{mine}" in listing and f"/classes/{theirs}" not in listing
    for path in ("", "/report", "/report.csv", "/people", "/print", "/scores", "/edit"):
        assert client.get(f"/classes/{theirs}{path}").status_code == 403, path
    day = _first_day(app, theirs)
    assert client.get(f"/classes/{theirs}/days/{day}/marks.json").status_code == 403
    assert post_form(client, f"/classes/{theirs}/finish", {}, token_from="/classes/").status_code == 403
    # Adding people from another area to one's own class: silently not theirs to add.
    response = post_form(client, f"/classes/{mine}/people", {"person_ids": [world["outsider"], world["people"][0]]})
    assert response.status_code == 302
    with app.app_context():
        from lms.classes import queries

        roster = {e.person_id for e in queries.roster(db.session.get(TrainingClass, mine))}
    assert roster == {world["people"][0]}
    # The search page lists only people of the manager's area.
    page = client.get(f"/classes/{mine}/people").get_data(as_text=True)
    assert "Người Tỉnh Khác" not in page and "Học viên 1" in page
    # The new-class form offers only units of the manager's area.
    form = client.get("/classes/new").get_data(as_text=True)
    assert "Xã A" in form and "Xã C" not in form


def test_manager_cannot_create_a_class_in_another_unit(app, client, world, users):
    login(client, "manager@example.vn")
    response = post_form(client, "/classes/new", {
        "course": world["course"], "title": "Lớp lạ", "unit": world["c"], "days": "2026-04-01 08:00-11:00",
        "capacity": 10, "threshold_percent": 80, "pass_mark": 70,
    })
    assert response.status_code == 200  # "Not a valid choice" beside the field
    from sqlalchemy import select

    from lms.classes.models import TrainingClass

    with app.app_context():
        assert db.session.scalars(select(TrainingClass)).all() == []


def test_trainer_sees_only_classes_they_teach(app, client, world, users):
    taught = make_class(app, world, trainers=[users["trainer"].id])
    other = make_class(app, world)
    login(client, "trainer@example.vn")
    listing = client.get("/classes/").get_data(as_text=True)
    assert f"/classes/{taught}" in listing and f"/classes/{other}\"" not in listing
    assert client.get(f"/classes/{other}").status_code == 403


def test_learner_sees_own_classes_and_attendance(app, client, world, users, make_user):
    from lms.classes import services
    from lms.classes.models import TrainingClass

    mine = make_class(app, world)
    make_class(app, world, unit="c")
    with app.app_context():
        training_class = db.session.get(TrainingClass, mine)
        services.add_people(training_class, [world["learner_person"]], actor=None)
        services.mark(training_class.days[0], world["learner_person"], "late", actor=None)
        db.session.commit()
    login(client, "learner@example.vn")
    page = client.get("/my/classes").get_data(as_text=True)
    assert page.count("Lớp tập huấn xã A") == 1
    assert client.get(f"/classes/{mine}").status_code == 403
    other = make_user(("learner",), email="l2@example.vn")
    client2 = app.test_client()
    login(client2, other.email)
    assert "Lớp tập huấn xã A" not in client2.get("/my/classes").get_data(as_text=True)


def _first_day(app, class_id):
    from lms.classes.models import TrainingClass

    with app.app_context():
        return db.session.get(TrainingClass, class_id).days[0].id

"""seed-demo adds classes in the demo province once; running it again changes nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from lms.extensions import db


def _counts(app):
    from lms.catalog.models import CourseCompletion
    from lms.classes.models import Attendance, RosterEntry, TrainingClass

    with app.app_context():
        return tuple(db.session.scalar(select(func.count()).select_from(m))
                     for m in (TrainingClass, RosterEntry, Attendance, CourseCompletion))


def test_seed_demo_classes_idempotent(app, runner):
    from lms.auth.services import find_user_by_login
    from lms.catalog.models import Course
    from lms.classes.models import TrainingClass

    with app.app_context():
        for slug in ("quan-tri-san-xuat-kinh-doanh", "tieu-chi-ocop-ho-so", "lam-quen-ocop"):
            db.session.add(Course(slug=slug, title=slug, summary=""))
        db.session.commit()
    assert runner.invoke(args=["lms", "seed-demo"]).exit_code == 0
    first = _counts(app)
    assert first[0] == 5 and first[1] >= 20 and first[2] >= 20 and first[3] > 0
    result = runner.invoke(args=["lms", "seed-demo"])
    assert result.exit_code == 0, result.output
    assert _counts(app) == first
    with app.app_context():
        statuses = sorted(db.session.scalars(select(TrainingClass.status)))
        assert statuses == ["finished", "finished", "planned", "planned", "planned"]
        learner = find_user_by_login("0912345678")
        trainer = find_user_by_login("trainer@demo.ocop.vn")
        from lms.classes import queries

        assert len(queries.my_classes(learner)) == 2
        assert db.session.scalar(select(func.count()).select_from(TrainingClass)
                                 .where(queries.class_scope(trainer))) == 5
        # The demo trainer has an area (creating a class works at once) ...
        from lms.registry.queries import assigned_units

        assert [u.code for u in assigned_units(trainer)] == ["44"]
        # ... and one class day is open for check-in now.
        from lms.classes import services
        from lms.classes.demo import TODAY_TITLE  # noqa: I001

        today = db.session.scalar(select(TrainingClass).where(TrainingClass.title == TODAY_TITLE))
        day = today.days[0]
        assert day.day == services.local_today()
        assert (day.starts_at.hour, day.ends_at.hour, day.ends_at.minute) == (0, 23, 59)
        assert all(c.unit.new_province_id == c.unit.parent_id for c in db.session.scalars(select(TrainingClass)))

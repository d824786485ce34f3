"""A small world for the class tests: two provinces, communes, people, a course, staff.

Province 44 (commune A "4401", commune B "4402") and province 45 (commune C "4501").
The manager and the trainer are assigned to commune A; the other manager to commune C.
"""

from __future__ import annotations

from datetime import date, time

from lms.extensions import db


def build_world(app, users: dict, *, assign: bool = True) -> dict:
    from lms.auth.models import User
    from lms.catalog.models import Course
    from lms.registry.models import AdminUnit, Organisation, Person, UnitAssignment

    with app.app_context():
        def unit(code, name, level, parent=None):
            u = AdminUnit(scheme="2025", code=code, name=name, level=level, type=level,
                          parent_id=parent.id if parent else None)
            db.session.add(u)
            db.session.flush()
            prov = parent or u
            u.province_id = prov.id
            u.new_province_id = prov.id
            u.new_commune_id = u.id if level == "commune" else None
            return u

        p44 = unit("44", "Tỉnh Quảng Trị", "province")
        a = unit("4401", "Xã A", "commune", p44)
        b = unit("4402", "Xã B", "commune", p44)
        p45 = unit("45", "Tỉnh Khác", "province")
        c = unit("4501", "Xã C", "commune", p45)
        org = Organisation(code="3200000001", name="HTX Khoai Deo", org_type="cooperative", unit_id=a.id)
        db.session.add(org)
        db.session.flush()
        people = []
        for i in range(6):
            people.append(Person(full_name=f"Học viên {i}", phone=f"09120000{i:02d}", national_id=f"0440000000{i:02d}",
                                 target_group="cooperative_leader", unit_id=a.id, organisation_id=org.id))
        outsider = Person(full_name="Người Tỉnh Khác", phone="0913000001", target_group="household_head",
                          unit_id=c.id)
        people_b = Person(full_name="Người Xã B", phone="0913000002", target_group="household_head", unit_id=b.id)
        db.session.add_all([*people, outsider, people_b])
        course = Course(slug="lop-ocop", title="Tập huấn OCOP", hours=16)
        db.session.add(course)
        db.session.flush()
        learner = db.session.get(User, users["learner"].id)
        if assign:  # the access matrix keeps staff areas empty (other domains rely on it)
            for role in ("manager", "trainer"):
                db.session.add(UnitAssignment(user_id=users[role].id, unit_id=a.id))
            learner.person.unit_id = a.id
        db.session.commit()
        return {
            "province": p44.id, "a": a.id, "b": b.id, "c": c.id, "course": course.id, "org": org.id,
            "people": [p.id for p in people], "outsider": outsider.id, "person_b": people_b.id,
            "learner_person": learner.person_id,
        }


def make_class(app, world: dict, *, unit="a", days=None, capacity=40, threshold=80, posttest=False,
               pass_mark=70.0, trainers=(), actor_id=None) -> int:
    from lms.auth.models import User
    from lms.catalog.models import Course
    from lms.classes import services

    days = days or [(date(2026, 3, 10), time(7, 30), time(11, 30)), (date(2026, 3, 11), time(7, 30), time(11, 30))]
    with app.app_context():
        data = services.ClassData(
            course=db.session.get(Course, world["course"]), title="Lớp tập huấn xã A", venue="Hội trường UBND xã",
            unit_id=world[unit], capacity=capacity, threshold_percent=threshold, posttest_required=posttest,
            pass_mark=pass_mark, quiz_id=None, days=list(days), trainer_ids=list(trainers),
        )
        actor = db.session.get(User, actor_id) if actor_id else None
        training_class = services.save_class(None, data, actor=actor)
        db.session.commit()
        return training_class.id

"""A small world for the privacy tests: the class tests' units and people, plus a learner
with something recorded in every domain."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from lms.extensions import db
from tests.support.classes import build_world, make_class


def fill_learner(app, world: dict, users: dict) -> dict:
    from lms.auth.models import User
    from lms.catalog.models import CourseCompletion, Enrolment
    from lms.certification.models import Certificate
    from lms.classes.models import Attendance, ClassDay, RosterEntry
    from lms.core import audit
    from lms.messages.models import Message

    class_id = make_class(app, world)
    with app.app_context():
        learner = db.session.get(User, users["learner"].id)
        person = learner.person
        person.full_name = "Nguyễn Thị Hoa"
        person.phone = "0912345678"
        person.national_id = "044123456789"
        person.ethnicity = "Kinh"
        person.birth_year = 1972
        person.target_group = "household_head"
        db.session.add(Enrolment(user_id=learner.id, course_id=world["course"]))
        db.session.add(RosterEntry(class_id=class_id, person_id=person.id))
        day = db.session.query(ClassDay).filter_by(class_id=class_id).first()
        db.session.add(Attendance(day_id=day.id, person_id=person.id, status="present"))
        completion = CourseCompletion(person_id=person.id, course_id=world["course"],
                                      completed_at=datetime(2026, 3, 11, 4, tzinfo=UTC), via="class")
        db.session.add(completion)
        db.session.flush()
        db.session.add(Certificate(code="ABCDEFGHJKMNPQRSTVWXYZ012345", person_id=person.id, course_id=world["course"],
                                   completion_id=completion.id, template="vi", holder_name="Nguyễn Thị Hoa",
                                   course_title="Tập huấn OCOP", completed_on=date(2026, 3, 11),
                                   issued_on=date(2026, 3, 12)))
        db.session.add(Message(idempotency_key="t-1", kind="reminder", template="reminder", channel="sms",
                               person_id=person.id, address="0912345678", body="Nhắc học: Tập huấn OCOP",
                               status="sent", sent_at=datetime(2026, 3, 1, tzinfo=UTC)))
        # Someone else's data, which must never show.
        other = db.session.get(User, users["trainer"].id)
        db.session.add(Message(idempotency_key="t-2", kind="reminder", template="reminder", channel="sms",
                               person_id=other.person_id, address="0987000111", body="BÍ MẬT CỦA NGƯỜI KHÁC",
                               status="sent"))
        audit.record(users["manager"], "person.view_full", "person", person.id)
        db.session.commit()
        return {"class": class_id, "person": person.id, "certificate": "ABCDEFGHJKMNPQRSTVWXYZ012345"}


@pytest.fixture
def world(app, users):
    return build_world(app, users)


@pytest.fixture
def filled(app, world, users):
    return fill_learner(app, world, users)

"""Class notices of ``flask lms remind`` (rule ``class-notices``; classes own rosters and days).

People on the roster of a class that still has days ahead are told:

- of the class, once they are on its roster (template ``class_new``);
- of a change of its days, times or venue, or of its cancellation (``class_changed``): the
  notices carry a fingerprint of the schedule and venue in their idempotency key
  (``class:<class>:<fingerprint>:<person>``), so a new fingerprint is a new notice and an
  unchanged class queues nothing;
- the day before each class day (``class_tomorrow``, key ``classday:<day>:<person>``).

People withdrawn from the registry at ``as_of`` are not told.
"""

from __future__ import annotations

import hashlib
from datetime import date, timedelta

from sqlalchemy import exists, or_, select

from lms.auth.models import User
from lms.classes.models import CANCELLED, PLANNED, RUNNING, ClassDay, RosterEntry, TrainingClass
from lms.extensions import db
from lms.messages import services as messages
from lms.messages.hooks import Rule
from lms.registry.models import Person
from lms.registry.queries import listable


def fingerprint(training_class: TrainingClass) -> str:
    parts = [training_class.venue or "", training_class.status == CANCELLED and "cancelled" or ""]
    parts += [f"{d.day.isoformat()} {d.starts_at:%H:%M}-{d.ends_at:%H:%M}" for d in training_class.days]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:10]


def _context(training_class: TrainingClass, row, url: str) -> dict:
    return {
        "full_name": row.full_name, "title": training_class.title, "course": training_class.course.title if training_class.course else "",
        "venue": training_class.venue, "cancelled": training_class.status == CANCELLED, "url": url,
        "days": [{"day": d.day, "starts_at": d.starts_at.strftime("%H:%M"), "ends_at": d.ends_at.strftime("%H:%M")}
                 for d in training_class.days],
        "first_day": training_class.first_day,
    }


def _roster(class_id: int, as_of: date):
    return db.session.execute(
        select(Person.id, Person.full_name, Person.phone, Person.email, User.id.label("user_id"),
               User.email.label("user_email"), User.phone.label("user_phone"), User.locale)
        .join(RosterEntry, RosterEntry.person_id == Person.id)
        .outerjoin(User, (User.person_id == Person.id) & User.active.is_(True))
        .where(RosterEntry.class_id == class_id, listable(),  # not restricted (lms.privacy)
               or_(Person.active_until.is_(None), Person.active_until >= as_of))
        .order_by(Person.id)
    ).all()


def _recipient(row) -> dict:
    return {"person_id": row.id, "user_id": row.user_id, "phone": row.phone or row.user_phone,
            "email": row.email or row.user_email, "locale": row.locale}


def class_notices(batch) -> None:
    as_of = batch.as_of
    url = messages.public_url("classes.mine")
    classes = list(db.session.scalars(
        select(TrainingClass)
        .where(TrainingClass.status.in_((PLANNED, RUNNING, CANCELLED)),
               exists().where(ClassDay.class_id == TrainingClass.id, ClassDay.day >= as_of))
        .order_by(TrainingClass.id)
    ))
    counts = messages.topic_counts(f"class:{training_class.id}" for training_class in classes)
    for training_class in classes:
        fp, topic = fingerprint(training_class), f"class:{training_class.id}"
        unit = training_class.unit.name if training_class.unit else None
        for row in _roster(training_class.id, as_of):
            told = counts.get((row.id, topic), 0) > 0
            if training_class.status == CANCELLED and not told:
                continue
            batch.add("class_notice", "class_changed" if told else "class_new",
                      key=f"class:{training_class.id}:{fp}:{row.id}", unit=unit, topic=topic,
                      context=_context(training_class, row, url), **_recipient(row))
    tomorrow = as_of + timedelta(days=1)
    days = db.session.scalars(
        select(ClassDay).join(TrainingClass, TrainingClass.id == ClassDay.class_id)
        .where(ClassDay.day == tomorrow, TrainingClass.status.in_((PLANNED, RUNNING)))
        .order_by(ClassDay.id)
    ).all()
    for day in days:
        training_class = day.training_class
        for row in _roster(training_class.id, as_of):
            context = _context(training_class, row, url)
            context.update(day=day.day, starts_at=day.starts_at.strftime("%H:%M"),
                           ends_at=day.ends_at.strftime("%H:%M"))
            batch.add("class_notice", "class_tomorrow", key=f"classday:{day.id}:{row.id}",
                      unit=training_class.unit.name if training_class.unit else None, topic=f"classday:{training_class.id}",
                      context=context, **_recipient(row))


RULE = Rule("class-notices", class_notices)


def digest_classes(unit, first: date, last: date) -> list[dict]:
    """The classes of ``unit``'s area with a day between ``first`` and ``last`` (a manager's digest)."""
    from sqlalchemy import func

    from lms.registry.models import AdminUnit
    from lms.registry.queries import subtree_condition

    roster = (select(RosterEntry.class_id, func.count().label("n")).group_by(RosterEntry.class_id)
              .subquery("rc"))
    rows = db.session.execute(
        select(TrainingClass.title, TrainingClass.venue, AdminUnit.name, func.min(ClassDay.day),
               func.coalesce(roster.c.n, 0))
        .join(ClassDay, ClassDay.class_id == TrainingClass.id)
        .join(AdminUnit, AdminUnit.id == TrainingClass.unit_id)
        .outerjoin(roster, roster.c.class_id == TrainingClass.id)
        .where(subtree_condition(unit), TrainingClass.status.in_((PLANNED, RUNNING)),
               ClassDay.day >= first, ClassDay.day <= last)
        .group_by(TrainingClass.id, TrainingClass.title, TrainingClass.venue, AdminUnit.name, roster.c.n)
    ).all()
    return [{"title": t, "venue": v, "unit": u, "first_day": d, "people": n} for t, v, u, d, n in rows]

"""The "required courses not done" rule of ``flask lms remind`` (coverage owns requirements).

A person with an active account whose required courses are not all complete is reminded
``LMS_REMIND_AFTER_DAYS`` days after the requirement applied to them (their ``active_from``,
else the day they were registered, and not before their organisation joined the
programme), then every ``LMS_REMIND_EVERY_DAYS`` days, at most ``LMS_REMIND_MAX`` times.
In the last ``LMS_REMIND_URGENT_DAYS`` days before the requirement's deadline the reminders
say so, come twice as often, and have their own limit of ``LMS_REMIND_MAX``.

Idempotency key ``courses:<person>:p<period>`` (or ``u<period>`` in the urgent window):
a re-run in the same period queues nothing. People withdrawn, inactive, outside their
organisation's membership or with a disabled account are not reminded.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import aliased

from lms.auth.models import User
from lms.catalog.models import Course, CourseCompletion
from lms.core.db import utcnow
from lms.core.localtime import local_date
from lms.coverage.queries import (
    _active_at,
    _rule_tables,
    _version_condition,
    cutoff,
    group_deadlines,
    missing_for,
    rules,
)
from lms.extensions import db
from lms.messages import services as messages
from lms.messages.hooks import Rule
from lms.registry.models import AdminUnit, Organisation, Person
from lms.registry.queries import listable

REGULAR, URGENT = "courses", "courses-urgent"


def untrained_with_account(as_of: date):
    """People with an active account, active at ``as_of``, not trained at ``as_of`` (in the
    primary requirement set: completions count only while valid there)."""
    req, nreq, known = _rule_tables(rules(), as_of)
    cc = aliased(CourseCompletion)
    return (
        select(Person.id, Person.full_name, Person.phone, Person.email, Person.target_group,
               Person.active_from, Person.created_at, Organisation.joined_year,
               AdminUnit.name.label("unit_name"), User.id.label("user_id"), User.email.label("user_email"),
               User.phone.label("user_phone"), User.locale)
        .select_from(Person)
        .join(User, User.person_id == Person.id)
        .join(nreq, nreq.c.target_group == Person.target_group)
        .outerjoin(Organisation, Organisation.id == Person.organisation_id)
        .outerjoin(AdminUnit, AdminUnit.id == Person.unit_id)
        .outerjoin(req, req.c.target_group == Person.target_group)
        .outerjoin(cc, and_(cc.person_id == Person.id, cc.course_id == req.c.course_id,
                            cc.completed_at < cutoff(as_of),
                            or_(req.c.since.is_(None), cc.completed_at >= req.c.since),
                            _version_condition(req, cc, known)))
        .where(_active_at(as_of), User.active.is_(True), listable())  # not restricted (lms.privacy)
        .group_by(Person.id, Person.full_name, Person.phone, Person.email, Person.target_group,
                  Person.active_from, Person.created_at, Organisation.joined_year, AdminUnit.name,
                  User.id, User.email, User.phone, User.locale, nreq.c.n)
        .having(func.count(cc.id) < nreq.c.n)
        .order_by(Person.id)
    )


def applied_on(row) -> date:
    """The day the requirement applied to a person."""
    start = row.active_from or local_date(row.created_at)
    if row.joined_year:
        start = max(start, date(row.joined_year, 1, 1))
    return start


def period(row, as_of: date, deadline: date | None, config) -> tuple[str, str] | None:
    """(topic, period key) of the reminder due at ``as_of``, or None when none is due."""
    after, every, urgent_days = config["REMIND_AFTER_DAYS"], max(config["REMIND_EVERY_DAYS"], 1), \
        config["REMIND_URGENT_DAYS"]
    first = applied_on(row) + timedelta(days=after)
    if as_of < first:
        return None
    if deadline is not None and deadline - timedelta(days=urgent_days) <= as_of <= deadline:
        since = max(first, deadline - timedelta(days=urgent_days))
        return URGENT, f"u{(as_of - since).days // max(every // 2, 1)}"
    return REGULAR, f"p{(as_of - first).days // every}"


def remind_required_courses(batch) -> None:
    from flask import current_app

    config = current_app.config
    as_of, limit = batch.as_of, config["REMIND_MAX"]
    deadlines = group_deadlines()
    titles = dict(db.session.execute(select(Course.slug, Course.title)).all())
    titles_en = {slug: title for slug, title in db.session.execute(select(Course.slug, Course.title_en)) if title}
    counts = messages.topic_counts((REGULAR, URGENT))
    url = messages.public_url("catalog.my_learning")
    account_url = messages.public_url("auth.account")

    def emit(rows):
        missing = missing_for(rows, as_of)
        for row in rows:
            deadline = deadlines.get(row.target_group)
            due = period(row, as_of, deadline, config)
            if due is None or not missing.get(row.id):
                continue
            topic, key = due
            sent = counts.get((row.id, topic), 0)
            if sent >= limit:
                continue
            english = (row.locale or "") == "en"
            courses = [(titles_en.get(s) if english else None) or titles.get(s, s) for s in missing[row.id]]
            batch.add(
                "reminder", "reminder_courses", key=f"courses:{row.id}:{key}", unit=row.unit_name,
                context={"full_name": row.full_name, "courses": courses, "url": url, "account_url": account_url,
                         "deadline": deadline, "urgent": topic == URGENT, "number": sent + 1,
                         "days_left": (deadline - as_of).days if deadline else None},
                person_id=row.id, user_id=row.user_id, phone=row.phone or row.user_phone,
                email=row.email or row.user_email, topic=topic, locale=row.locale,
            )

    rows = db.session.execute(untrained_with_account(as_of)).all()
    for start in range(0, len(rows), 1000):
        emit(rows[start:start + 1000])


RULE = Rule("required-courses", remind_required_courses)


# --- "Remind these people" on the gap list -----------------------------------------------------

MANUAL_MAX = 5000


@dataclass
class ManualPlan:
    """What "Remind these people" would do: who gets what, and who needs a printed slip."""

    people: list = field(default_factory=list)  # (row, channel or outcome)
    by_channel: Counter = field(default_factory=Counter)
    no_channel: list = field(default_factory=list)  # rows to print slips for
    opted_out: int = 0
    recent: int = 0
    too_many: bool = False

    @property
    def total(self) -> int:
        return len(self.people)

    @property
    def to_queue(self) -> int:
        return sum(self.by_channel.values())


def plan_manual(user, area, as_of: date, group: str | None, ids: list[int] | None) -> ManualPlan:
    """The people not trained in the viewer's area (the gap list's filter, or the ticked rows
    of it), and how each would be reached. Scoped: ``gap_query`` applies the viewer's area."""
    from flask import current_app

    from lms.coverage.queries import gap_query

    stmt = gap_query(user, area, as_of, group)
    if ids:
        stmt = stmt.where(Person.id.in_(ids[:MANUAL_MAX]))
    rows = db.session.execute(stmt.limit(MANUAL_MAX + 1)).all()
    plan = ManualPlan(too_many=len(rows) > MANUAL_MAX)
    rows = rows[:MANUAL_MAX]
    accounts = {}
    person_ids = [row.Person.id for row in rows]
    for start in range(0, len(person_ids), 1000):
        for uid, pid, email, phone, locale in db.session.execute(
            select(User.id, User.person_id, User.email, User.phone, User.locale)
            .where(User.person_id.in_(person_ids[start:start + 1000]), User.active.is_(True))
        ):
            accounts[pid] = (uid, email, phone, locale)
    opted = messages.opted_out_users(a[0] for a in accounts.values())
    days = current_app.config.get("REMIND_MANUAL_EVERY_DAYS", 7)
    recent = messages.recently_reminded(person_ids, utcnow() - timedelta(days=days))
    for row in rows:
        p = row.Person
        uid, email, phone, _locale = accounts.get(p.id, (None, None, None, None))
        if p.id in recent:
            outcome = "recent"
            plan.recent += 1
        elif uid in opted:
            outcome = "opted_out"
            plan.opted_out += 1
        else:
            channels = messages.reachable_channels(phone=p.phone or phone, email=p.email or email, user_id=uid)
            outcome = channels[0] if channels else "none"
            if channels:
                plan.by_channel[outcome] += 1
            else:
                plan.no_channel.append(row)
        plan.people.append((row, outcome, accounts.get(p.id)))
    return plan


def queue_manual(plan: ManualPlan, as_of: date, *, actor) -> int:
    """Queue the planned reminders (kind ``manual``), once per person and day; audited."""
    from lms.core import audit
    from lms.core.localtime import local_today

    rows = [row for row, outcome, _a in plan.people if outcome not in ("recent", "opted_out", "none")]
    missing = missing_for([row.Person for row in rows], as_of)
    titles = dict(db.session.execute(select(Course.slug, Course.title)).all())
    url, account_url = messages.public_url("catalog.my_learning"), messages.public_url("auth.account")
    deadlines = group_deadlines()
    today = local_today().isoformat()
    prepared = []
    for row, outcome, account in plan.people:
        if outcome in ("recent", "opted_out", "none"):
            continue
        p = row.Person
        uid, email, phone, locale = account or (None, None, None, None)
        deadline = deadlines.get(p.target_group)
        values = messages.prepare(
            "manual", "reminder_courses", person_id=p.id, user_id=uid, phone=p.phone or phone,
            email=p.email or email, locale=locale, topic="manual", as_of=as_of, actor=actor,
            idempotency_key=f"manual:{p.id}:{today}",
            context={"full_name": p.full_name, "courses": [titles.get(s, s) for s in missing.get(p.id, [])],
                     "url": url, "account_url": account_url, "deadline": deadline, "urgent": False,
                     "number": 1, "days_left": (deadline - as_of).days if deadline else None},
        )
        if values is not None:
            prepared.append(values)
    # One INSERT per 500 rows: a long list does not keep the request waiting.
    queued = messages.queue_prepared(prepared)
    audit.record(actor, "coverage.remind", "person", "gap_list", queued=queued, people=plan.total,
                 no_channel=len(plan.no_channel), recent=plan.recent, opted_out=plan.opted_out)
    return queued

"""Class reads, scoped to the viewer: admins see every class, managers the classes in
their units' subtrees, trainers the classes they teach, learners the classes whose roster
holds them. Attendance figures are SQL GROUP BYs.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, case, false, func, or_, select, true

from lms.classes.models import (
    ATTENDED,
    EXCUSED,
    Attendance,
    ClassDay,
    ClassTrainer,
    RosterEntry,
    TrainingClass,
)
from lms.core.db import vi_collate
from lms.core.security import is_admin
from lms.extensions import db
from lms.registry.models import AdminUnit, Person
from lms.registry.queries import unit_scope


def class_scope(user) -> ColumnElement[bool]:
    """A condition on TrainingClass rows that ``user`` may see as staff."""
    if user is None or not getattr(user, "is_authenticated", False):
        return false()
    if is_admin(user):
        return true()
    conds = []
    if user.has_role("manager"):
        conds.append(TrainingClass.unit_id.in_(select(AdminUnit.id).where(unit_scope(user))))
    if user.has_role("trainer"):
        conds.append(TrainingClass.id.in_(select(ClassTrainer.class_id).where(ClassTrainer.user_id == user.id)))
    return or_(*conds) if conds else false()


def can_view(user, training_class: TrainingClass) -> bool:
    return bool(db.session.scalar(
        select(func.count()).select_from(TrainingClass).where(TrainingClass.id == training_class.id, class_scope(user))
    ))


def classes_query(user, status: str | None = None):
    stmt = select(TrainingClass).where(class_scope(user))
    if status:
        stmt = stmt.where(TrainingClass.status == status)
    first = select(func.min(ClassDay.day)).where(ClassDay.class_id == TrainingClass.id).scalar_subquery()
    return stmt.order_by(first.desc().nulls_last(), TrainingClass.id.desc())


def roster(training_class: TrainingClass) -> list[RosterEntry]:
    return list(db.session.scalars(
        select(RosterEntry).join(Person, Person.id == RosterEntry.person_id)
        .where(RosterEntry.class_id == training_class.id).order_by(vi_collate(Person.full_name), Person.id)
    ))


def roster_count(training_class: TrainingClass) -> int:
    return db.session.scalar(
        select(func.count()).select_from(RosterEntry).where(RosterEntry.class_id == training_class.id)
    ) or 0


def day_marks(day: ClassDay) -> dict[int, Attendance]:
    return {a.person_id: a for a in db.session.scalars(select(Attendance).where(Attendance.day_id == day.id))}


def class_marks(training_class: TrainingClass) -> dict[tuple[int, int], str]:
    """(person id, day id) → status for the whole class (one query)."""
    rows = db.session.execute(
        select(Attendance.person_id, Attendance.day_id, Attendance.status)
        .join(ClassDay, ClassDay.id == Attendance.day_id).where(ClassDay.class_id == training_class.id)
    )
    return {(pid, did): status for pid, did, status in rows}


@dataclass(frozen=True)
class Tally:
    attended: int
    excused: int
    days: int


def tallies(training_class: TrainingClass) -> dict[int, Tally]:
    """Per roster person: days attended (present or late), days excused, class days."""
    days = db.session.scalar(select(func.count()).select_from(ClassDay).where(ClassDay.class_id == training_class.id)) or 0
    rows = db.session.execute(
        select(
            RosterEntry.person_id,
            func.count(case((Attendance.status.in_(ATTENDED), 1))),
            func.count(case((Attendance.status == EXCUSED, 1))),
        )
        .select_from(RosterEntry)
        .outerjoin(ClassDay, ClassDay.class_id == RosterEntry.class_id)
        .outerjoin(Attendance, and_(Attendance.day_id == ClassDay.id, Attendance.person_id == RosterEntry.person_id))
        .where(RosterEntry.class_id == training_class.id)
        .group_by(RosterEntry.person_id)
    )
    return {pid: Tally(int(att), int(exc), days) for pid, att, exc in rows}


def online_scores(training_class: TrainingClass) -> dict[int, float]:
    """Best graded score of the class quiz per roster person (people with accounts)."""
    if training_class.quiz_id is None:
        return {}
    from lms.assessments.models import Attempt
    from lms.auth.models import User

    rows = db.session.execute(
        select(User.person_id, func.max(Attempt.score))
        .join(Attempt, Attempt.user_id == User.id)
        .join(RosterEntry, and_(RosterEntry.person_id == User.person_id, RosterEntry.class_id == training_class.id))
        .where(Attempt.quiz_id == training_class.quiz_id, Attempt.preview.is_(False), Attempt.status == "graded",
               Attempt.score.is_not(None))
        .group_by(User.person_id)
    )
    return {pid: float(score) for pid, score in rows}


def my_classes(user) -> list[TrainingClass]:
    """The classes whose roster holds the user's person (not cancelled)."""
    return list(db.session.scalars(
        select(TrainingClass).join(RosterEntry, RosterEntry.class_id == TrainingClass.id)
        .where(RosterEntry.person_id == user.person_id, TrainingClass.status != "cancelled")
        .order_by(TrainingClass.id.desc())
    ))


def person_marks(person_id: int, class_ids: list[int]) -> dict[int, str]:
    """day id → status for one person over some classes."""
    if not class_ids:
        return {}
    rows = db.session.execute(
        select(Attendance.day_id, Attendance.status).join(ClassDay, ClassDay.id == Attendance.day_id)
        .where(Attendance.person_id == person_id, ClassDay.class_id.in_(class_ids))
    )
    return dict(rows.all())


@dataclass
class GapPlan:
    """Who "add everyone not yet trained" would put on a class's roster, and why the
    others of the class's unit are left out (shown before anything is added)."""

    add: list  # Person rows, in name order
    groups: list[str]  # target groups whose requirement includes the class's course
    not_required: int  # not trained, but their group does not require this course
    completed: int  # not trained overall, but this course is done
    on_roster: int  # already on the roster

    @property
    def add_ids(self) -> list[int]:
        return [p.id for p in self.add]


def gap_plan(user, training_class: TrainingClass) -> GapPlan:
    """The people of the class's unit (within the viewer's area) who are not trained and
    whose requirement includes the class's course, without a completion of it that still
    counts (validity rules: a refresher class reaches those whose completion is too old)."""
    from lms.coverage import queries as coverage_queries
    area = coverage_queries.Area(training_class.unit, training_class.unit.scheme)
    rows = db.session.execute(coverage_queries.gap_query(user, area, coverage_queries.local_today())).all()
    # The groups whose requirement (in the primary set) includes the class's course.
    groups = sorted({rule.group for rule in coverage_queries.rules() if rule.slug == training_class.course.slug})
    # Completed: a completion of the course that still counts (validity rules); people whose
    # completion is too old or of an old version are added, so that a refresher class reaches them.
    missing = coverage_queries.missing_for([row[0] for row in rows], coverage_queries.local_today())
    completed = {pid for pid, slugs in missing.items() if training_class.course.slug not in slugs}
    rostered = set(db.session.scalars(select(RosterEntry.person_id).where(RosterEntry.class_id == training_class.id)))
    plan = GapPlan([], groups, 0, 0, 0)
    for row in rows:
        person = row[0]
        if person.target_group not in groups:
            plan.not_required += 1
        elif person.id in completed:
            plan.completed += 1
        elif person.id in rostered:
            plan.on_roster += 1
        else:
            plan.add.append(person)
    return plan

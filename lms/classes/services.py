"""Class mutations: schedules, rosters, attendance, check-in, post-test scores, finishing.

Attendance threshold (documented rule, tested in tests/classes/test_completion.py):
a person *attended* a day when marked present or late. Excused days are removed from
the denominator; unmarked days count as absent. The person meets the threshold when

    attended / (class days − excused days) ≥ threshold_percent / 100

computed in integers (``attended * 100 >= threshold_percent * counted_days``). A person
excused on every day has nothing to count and does not meet it.

Services validate, change and flush; the caller commits.
"""

from __future__ import annotations

import logging
import re
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from flask import current_app
from flask_babel import format_decimal
from flask_babel import gettext as _
from sqlalchemy import select, update

from lms.catalog.models import Course, CourseCompletion
from lms.catalog.services import record_completion
from lms.classes import queries
from lms.classes.models import (
    CANCELLED,
    FINISHED,
    MARKS,
    PLANNED,
    RUNNING,
    Attendance,
    ClassDay,
    ClassTrainer,
    RosterEntry,
    TrainingClass,
)
from lms.core import audit
from lms.core.db import insert_ignore, utcnow
from lms.core.errors import ServiceError
from lms.core.localtime import local_instant, local_today  # noqa: F401 - local_today re-exported
from lms.extensions import db

log = logging.getLogger("lms.classes")

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
CODE_LENGTH = 6
# Check-in opens this long before a day's start and closes at its end.
CHECKIN_EARLY = timedelta(minutes=30)


# --- time ------------------------------------------------------------------------------


def day_bounds(day: ClassDay) -> tuple[datetime, datetime]:
    """A class day's start and end as UTC instants."""
    return local_instant(day.day, day.starts_at), local_instant(day.day, day.ends_at)


def checkin_window(day: ClassDay) -> tuple[datetime, datetime]:
    start, end = day_bounds(day)
    return start - CHECKIN_EARLY, end


def day_is_over(day: ClassDay, now: datetime | None = None) -> bool:
    return (now or utcnow()) >= day_bounds(day)[1]


# --- threshold -------------------------------------------------------------------------


def meets_threshold(attended: int, excused: int, days: int, threshold_percent: int) -> bool:
    """See the module docstring: excused days leave the denominator."""
    counted = days - excused
    if counted <= 0:
        return False
    return attended * 100 >= threshold_percent * counted


def attendance_rate(attended: int, excused: int, days: int) -> float | None:
    counted = days - excused
    return attended / counted if counted > 0 else None


# --- classes ---------------------------------------------------------------------------

_DAY_LINE = re.compile(
    r"^(\d{1,2}/\d{1,2}/\d{4}|\d{4}-\d{2}-\d{2})\s*,?\s+(\d{1,2}[:hg.]\d{2})\s*[-–]\s*(\d{1,2}[:hg.]\d{2})$",
    re.IGNORECASE,
)


def parse_day(text: str) -> date:
    """A date typed the Vietnamese way (10/03/2026, day first) or as ISO (2026-03-10)."""
    text = text.strip()
    if "/" in text:
        day, month, year = (int(part) for part in text.split("/"))
        return date(year, month, day)
    return date.fromisoformat(text)


def _parse_time(text: str) -> time:
    hours, minutes = re.split(r"[:hg.]", text.lower())
    return time(int(hours), int(minutes))


def parse_days(text: str) -> list[tuple[date, time, time]]:
    """One class day per line: ``10/03/2026 07:30-11:30`` (day first; ISO dates and 7h30 also
    read). Errors name the line."""
    days, errors = [], []
    for number, raw in enumerate((text or "").splitlines(), start=1):
        line = " ".join(raw.split())
        if not line:
            continue
        match = _DAY_LINE.match(line)
        try:
            if not match:
                raise ValueError
            day = parse_day(match.group(1))
            starts = _parse_time(match.group(2))
            ends = _parse_time(match.group(3))
        except ValueError:
            errors.append(_("Line %(line)d: write a day as 10/03/2026 07:30-11:30 (day/month/year, start-end).",
                            line=number))
            continue
        if ends <= starts:
            errors.append(_("Line %(line)d: the end must be after the start.", line=number))
            continue
        if (day, starts) in {(d, s) for d, s, _e in days}:
            errors.append(_("Line %(line)d: this day and time are listed twice.", line=number))
            continue
        days.append((day, starts, ends))
    if errors:
        raise ServiceError(" ".join(errors))
    if not days:
        raise ServiceError(_("Give at least one class day."))
    return sorted(days)


def format_days(training_class: TrainingClass) -> str:
    return "\n".join(f"{d.day:%d/%m/%Y} {d.starts_at:%H:%M}-{d.ends_at:%H:%M}" for d in training_class.days)


def new_code() -> str:
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if db.session.scalar(select(ClassDay.id).where(ClassDay.checkin_code == code)) is None:
            return code


def normalise_code(raw: str | None) -> str:
    return re.sub(r"[^0-9A-Z]", "", (raw or "").upper())[:12]


@dataclass
class ClassData:
    course: Course
    title: str
    venue: str
    unit_id: int
    capacity: int
    threshold_percent: int
    posttest_required: bool
    pass_mark: float
    quiz_id: int | None
    days: list[tuple[date, time, time]]
    trainer_ids: list[int] = field(default_factory=list)
    certificate_template: str | None = None
    # (number, date) of the decision that opened the class; None leaves it as it is.
    decision: tuple[str | None, date | None] | None = None


def save_class(training_class: TrainingClass | None, data: ClassData, *, actor) -> TrainingClass:
    """Create a class or change one; days with attendance cannot be removed."""
    creating = training_class is None
    if creating:
        training_class = TrainingClass(created_by_id=getattr(actor, "id", None), status=PLANNED)
        db.session.add(training_class)
    elif training_class.status in (FINISHED, CANCELLED):
        raise ServiceError(_("A finished or cancelled class cannot be changed."))
    if not creating and data.capacity < queries.roster_count(training_class):
        raise ServiceError(_("The roster already has more people than this capacity."))
    training_class.course_id = data.course.id
    training_class.title = data.title
    training_class.venue = data.venue
    training_class.unit_id = data.unit_id
    training_class.capacity = data.capacity
    training_class.threshold_percent = data.threshold_percent
    training_class.posttest_required = data.posttest_required
    training_class.pass_mark = data.pass_mark
    training_class.quiz_id = data.quiz_id
    training_class.certificate_template = data.certificate_template or None
    if data.decision is not None:
        number = (data.decision[0] or "").strip()[:100] or None
        if (number, data.decision[1] if number else None) != (training_class.decision_number, training_class.decision_date):
            if not creating:
                audit.record(actor, "class.decision", "class", training_class.id, old=training_class.decision_number, new=number)
            training_class.decision_number, training_class.decision_date = number, data.decision[1] if number else None
    wanted = {(d, s): e for d, s, e in data.days}
    for existing in list(training_class.days):
        key = (existing.day, existing.starts_at)
        if key in wanted:
            existing.ends_at = wanted.pop(key)
            continue
        has_marks = existing.id is not None and db.session.scalar(
            select(Attendance.id).where(Attendance.day_id == existing.id).limit(1)
        )
        if has_marks:
            raise ServiceError(_("The day %(day)s has attendance and cannot be removed.",
                                 day=f"{existing.day:%d/%m/%Y}"))
        training_class.days.remove(existing)
    for (day, starts), ends in sorted(wanted.items()):
        training_class.days.append(ClassDay(day=day, starts_at=starts, ends_at=ends, checkin_code=new_code()))
    trainer_ids = list(dict.fromkeys(data.trainer_ids))
    keep = {row.user_id: row for row in training_class.trainer_rows}
    training_class.trainer_rows = [keep.get(uid) or ClassTrainer(user_id=uid) for uid in trainer_ids]
    db.session.flush()
    audit.record(actor, "class.create" if creating else "class.update", "class", training_class.id,
                 title=training_class.title, course=data.course.slug, days=len(training_class.days))
    return training_class


def set_status(training_class: TrainingClass, status: str, *, actor) -> None:
    """Start (planned → running) or cancel (planned/running → cancelled) a class."""
    allowed = {RUNNING: (PLANNED,), CANCELLED: (PLANNED, RUNNING)}
    if status not in allowed:
        raise ValueError(status)
    changed = db.session.execute(
        update(TrainingClass).where(TrainingClass.id == training_class.id, TrainingClass.status.in_(allowed[status]))
        .values(status=status, updated_at=utcnow())
    ).rowcount
    if not changed:
        raise ServiceError(_("The class cannot change to this status now."))
    db.session.refresh(training_class)
    audit.record(actor, "class.status", "class", training_class.id, status=status)


# --- roster ----------------------------------------------------------------------------


def _check_open(training_class: TrainingClass) -> None:
    if training_class.status in (FINISHED, CANCELLED):
        raise ServiceError(_("The roster of a finished or cancelled class cannot be changed."))


def add_people(training_class: TrainingClass, person_ids: list[int], *, actor) -> int:
    """Put people on the roster (those already on it are skipped); all or nothing.

    Refused as a whole when the roster would exceed the class capacity.
    """
    _check_open(training_class)
    # Lock the class row (PostgreSQL) so that two concurrent additions cannot both pass
    # the capacity check; SQLite write transactions are serialised already.
    db.session.execute(select(TrainingClass.id).where(TrainingClass.id == training_class.id).with_for_update())
    already = set(db.session.scalars(
        select(RosterEntry.person_id).where(RosterEntry.class_id == training_class.id)
    ))
    new = [pid for pid in dict.fromkeys(person_ids) if pid not in already]
    free = training_class.capacity - len(already)
    if len(new) > free:
        raise ServiceError(_(
            "The class has room for %(free)d more people (capacity %(capacity)d); "
            "%(wanted)d were to be added. Nothing was added.",
            free=max(free, 0), capacity=training_class.capacity, wanted=len(new),
        ))
    added = 0
    for pid in new:
        added += insert_ignore(
            db.session, RosterEntry,
            {"class_id": training_class.id, "person_id": pid, "added_at": utcnow(), "added_by_id": getattr(actor, "id", None)},
            ["class_id", "person_id"],
        )
    if added:
        audit.record(actor, "class.roster_add", "class", training_class.id, count=added)
    return added


def remove_person(training_class: TrainingClass, person_id: int, *, actor) -> None:
    _check_open(training_class)
    entry = db.session.scalar(
        select(RosterEntry).where(RosterEntry.class_id == training_class.id, RosterEntry.person_id == person_id)
    )
    if entry is None:
        raise ServiceError(_("This person is not on the roster."))
    db.session.delete(entry)
    audit.record(actor, "class.roster_remove", "class", training_class.id, person_id=person_id)


def on_roster(training_class: TrainingClass, person_id: int) -> bool:
    return db.session.scalar(
        select(RosterEntry.id).where(RosterEntry.class_id == training_class.id, RosterEntry.person_id == person_id)
    ) is not None


# --- attendance ------------------------------------------------------------------------


def mark(day: ClassDay, person_id: int, status: str, *, actor, source: str = "trainer",
         now: datetime | None = None) -> bool:
    """Set one person's mark for a day (an upsert: saving the same mark again is harmless).

    A change made after the day has ended is a correction: it goes to the audit log with
    the old and the new value. Returns True when something changed.
    """
    if status not in MARKS:
        raise ServiceError(_("Unknown attendance mark."))
    training_class = day.training_class
    if training_class.status == CANCELLED:
        raise ServiceError(_("The class is cancelled."))
    if not on_roster(training_class, person_id):
        raise ServiceError(_("This person is not on the roster."))
    now = now or utcnow()
    values = {"day_id": day.id, "person_id": person_id, "status": status, "source": source,
              "marked_at": now, "marked_by_id": getattr(actor, "id", None)}
    if insert_ignore(db.session, Attendance, values, ["day_id", "person_id"]):
        old = None
    else:
        row = db.session.scalar(
            select(Attendance).where(Attendance.day_id == day.id, Attendance.person_id == person_id)
            .with_for_update()
        )
        old = row.status
        if old == status:
            return False
        row.status, row.source, row.marked_at, row.marked_by_id = (
            status, source, now, getattr(actor, "id", None))
    if day_is_over(day, now) or training_class.status == FINISHED:
        audit.record(actor, "class.attendance_correct", "class_day", day.id,
                     person_id=person_id, old=old, new=status)
    db.session.flush()
    if training_class.status == FINISHED:
        _award(training_class, [person_id])
    return True


def mark_all_present(day: ClassDay, *, actor, now: datetime | None = None) -> int:
    """Mark everyone on the roster who has no mark yet as present (existing marks stay)."""
    marked = queries.day_marks(day)
    count = 0
    for entry in queries.roster(day.training_class):
        if entry.person_id not in marked:
            count += mark(day, entry.person_id, "present", actor=actor, now=now)
    return count


def _unusable_code() -> str:
    return _("You cannot check in with this code now. Check the code on the board: check-in opens "
             "30 minutes before the class starts and closes when the day ends, for the people on "
             "the class list. If it still does not work, ask the trainer.")


def check_in(user, code: str, *, now: datetime | None = None) -> tuple[ClassDay, str]:
    """A learner checks in with a day's code; returns the day and the mark recorded.

    Marked "present", or "late" when more than ``CLASS_LATE_AFTER_MINUTES`` after the day's
    start (both count as attended); never overrides a mark the trainer has already made.
    """
    now = now or utcnow()
    code = normalise_code(code)
    day = db.session.scalar(select(ClassDay).where(ClassDay.checkin_code == code)) if code else None
    # One answer for every code this person cannot use (unknown, another class, not open yet,
    # closed): the answers must not tell which codes exist. Tries are rate-limited in the view.
    if day is None or day.training_class.status in (FINISHED, CANCELLED):
        raise ServiceError(_unusable_code())
    training_class = day.training_class
    opens, closes = checkin_window(day)
    if not opens <= now <= closes or user.person_id is None or not on_roster(training_class, user.person_id):
        raise ServiceError(_unusable_code())
    late_after = timedelta(minutes=current_app.config["CLASS_LATE_AFTER_MINUTES"])
    status = "late" if now > day_bounds(day)[0] + late_after else "present"
    inserted = insert_ignore(
        db.session, Attendance,
        {"day_id": day.id, "person_id": user.person_id, "status": status, "source": "checkin",
         "marked_at": now, "marked_by_id": user.id},
        ["day_id", "person_id"],
    )
    if not inserted:  # already marked (by the trainer, or an earlier check-in): that mark stands
        status = db.session.scalar(
            select(Attendance.status).where(Attendance.day_id == day.id, Attendance.person_id == user.person_id)
        )
    log.info("check-in user=%s day=%s status=%s", user.id, day.id, status)
    return day, status


# --- post-test -------------------------------------------------------------------------


def set_paper_score(training_class: TrainingClass, person_id: int, score: float | None, *, actor) -> bool:
    entry = db.session.scalar(
        select(RosterEntry).where(RosterEntry.class_id == training_class.id, RosterEntry.person_id == person_id)
    )
    if entry is None:
        raise ServiceError(_("This person is not on the roster."))
    if score is not None and not 0 <= score <= 100:
        raise ServiceError(_("A score is between 0 and 100."))
    if entry.posttest_score == score:
        return False
    audit.record(actor, "class.posttest_score", "class", training_class.id, person_id=person_id,
                 old=entry.posttest_score, new=score)
    entry.posttest_score = score
    db.session.flush()
    if training_class.status == FINISHED:
        _award(training_class, [person_id])
    return True


# --- completion ------------------------------------------------------------------------


@dataclass
class Outcome:
    person_id: int
    tally: queries.Tally
    score: float | None
    meets_attendance: bool
    passed_test: bool

    @property
    def eligible(self) -> bool:
        return self.meets_attendance and self.passed_test


def outcomes(training_class: TrainingClass) -> dict[int, Outcome]:
    tallies = queries.tallies(training_class)
    online = queries.online_scores(training_class)
    paper = dict(db.session.execute(
        select(RosterEntry.person_id, RosterEntry.posttest_score).where(RosterEntry.class_id == training_class.id)
    ).all())
    result = {}
    for pid, tally in tallies.items():
        scores = [s for s in (paper.get(pid), online.get(pid)) if s is not None]
        best = max(scores) if scores else None
        passed = (not training_class.posttest_required) or (best is not None and best >= training_class.pass_mark)
        result[pid] = Outcome(pid, tally, best,
                              meets_threshold(tally.attended, tally.excused, tally.days, training_class.threshold_percent),
                              passed)
    return result


def _completed_at(training_class: TrainingClass) -> datetime:
    if training_class.days:
        return day_bounds(training_class.days[-1])[1]
    return utcnow()


def _award(training_class: TrainingClass, person_ids: list[int] | None = None, *, actor=None) -> int:
    """Record (or renew, for a refresher) the completion of everyone eligible; how many changed."""
    course = db.session.get(Course, training_class.course_id)
    created = 0
    for pid, outcome in outcomes(training_class).items():
        if person_ids is not None and pid not in person_ids:
            continue
        if outcome.eligible:
            _completion, new = record_completion(pid, course, via="class", completed_at=_completed_at(training_class),
                                                 source_ref=f"class:{training_class.id}", actor=actor)
            created += new
    return created


@dataclass
class FinishResult:
    finished_now: bool
    awarded: int


def last_day_over(training_class: TrainingClass, now: datetime | None = None) -> bool:
    return bool(training_class.days) and day_is_over(training_class.days[-1], now)


def finish_class(training_class: TrainingClass, *, actor, early: bool = False, now: datetime | None = None) -> FinishResult:
    """Finish a class and award CourseCompletion(via="class") to everyone eligible.

    Before the last class day has ended it is refused unless ``early`` (the trainer
    confirmed it explicitly). Only the request whose conditional UPDATE changes the status
    awards; a repeated or concurrent finish changes nothing (and the completion's unique
    constraint stands behind it in any case).
    """
    if training_class.status in (PLANNED, RUNNING) and not early and not last_day_over(training_class, now):
        raise ServiceError(_("The last class day has not ended yet. Confirm that the class is to be "
                             "finished early."), "early")
    changed = db.session.execute(
        update(TrainingClass)
        .where(TrainingClass.id == training_class.id, TrainingClass.status.in_((PLANNED, RUNNING)))
        .values(status=FINISHED, finished_at=utcnow(), updated_at=utcnow())
    ).rowcount
    db.session.refresh(training_class)
    if not changed:
        if training_class.status == FINISHED:
            return FinishResult(False, 0)
        raise ServiceError(_("A cancelled class cannot be finished."))
    awarded = _award(training_class, actor=actor)
    audit.record(actor, "class.finish", "class", training_class.id, awarded=awarded)
    log.info("class %s finished, %s completions", training_class.id, awarded)
    return FinishResult(True, awarded)


def reopen_class(training_class: TrainingClass, *, actor) -> None:
    """An administrator reopens a finished class (finished → running). Completions already
    recorded stay; finishing again awards whoever has become eligible since. Audited."""
    changed = db.session.execute(
        update(TrainingClass).where(TrainingClass.id == training_class.id, TrainingClass.status == FINISHED)
        .values(status=RUNNING, finished_at=None, updated_at=utcnow())
    ).rowcount
    if not changed:
        raise ServiceError(_("Only a finished class can be reopened."))
    db.session.refresh(training_class)
    audit.record(actor, "class.reopen", "class", training_class.id, old=FINISHED, new=RUNNING)


def finish_reasons(training_class: TrainingClass, outcome: Outcome) -> list[str]:
    """Why a person will not complete the course when the class is finished."""
    reasons = []
    if not outcome.meets_attendance:
        t = outcome.tally
        reasons.append(_("attended %(att)d of %(days)d days; %(pct)d%% needed",
                         att=t.attended, days=t.days - t.excused, pct=training_class.threshold_percent))
    if not outcome.passed_test:
        if outcome.score is None:
            reasons.append(_("no post-test score"))
        else:
            reasons.append(_("post-test %(score)s below the pass mark %(mark)s",
                             score=format_decimal(outcome.score), mark=format_decimal(training_class.pass_mark)))
    return reasons


def class_completions(training_class: TrainingClass) -> set[int]:
    """Roster people holding a completion of the class's course (any route)."""
    return set(db.session.scalars(
        select(CourseCompletion.person_id)
        .join(RosterEntry, RosterEntry.person_id == CourseCompletion.person_id)
        .where(RosterEntry.class_id == training_class.id, CourseCompletion.course_id == training_class.course_id)
    ))


def certificate_template_for(completion) -> str | None:
    """The template chosen by the class that produced a completion (registered with
    certification: a class may print its certificates with a template of its own)."""
    ref = completion.source_ref or ""
    if completion.via != "class" or not ref.startswith("class:") or not ref[6:].isdigit():
        return None
    return db.session.scalar(
        select(TrainingClass.certificate_template).where(TrainingClass.id == int(ref[6:]))
    )



def certificate_hours_for(completion) -> float | None:
    """A class completion's certificate states the class's contact hours, not the course's
    online study time (a certification hook)."""
    ref = completion.source_ref or ""
    if completion.via != "class" or not ref.startswith("class:") or not ref[6:].isdigit():
        return None
    training_class = db.session.get(TrainingClass, int(ref[6:]))
    return training_class.contact_hours if training_class is not None and training_class.days else None


def certificate_decision_for(completion) -> tuple[str, date | None] | None:
    """The decision that opened the class behind a class completion, for its certificate
    (a certification hook)."""
    ref = completion.source_ref or ""
    if completion.via != "class" or not ref.startswith("class:") or not ref[6:].isdigit():
        return None
    training_class = db.session.get(TrainingClass, int(ref[6:]))
    if training_class is None or not training_class.decision_number:
        return None
    return training_class.decision_number, training_class.decision_date

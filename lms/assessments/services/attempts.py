"""Attempts: starting, saving, submitting, grading and closing them.

The rules that must hold under load are enforced by the database:

- a save is an upsert on (attempt, question) that only overwrites a row with a lower
  sequence number, so a stale save that arrives late changes nothing;
- a submit is ``UPDATE quiz_attempt SET status = 'submitted' … WHERE status = 'open'``:
  only the request whose update changed the row grades the attempt; a repeated or
  concurrent submit finds it closed and returns the same result;
- saves lock the attempt row for share (PostgreSQL ``FOR SHARE``; SQLite serialises
  writers with ``BEGIN IMMEDIATE``), so a save and a submit never interleave: a save
  either lands before the submit reads the answers or is refused.
"""

from __future__ import annotations

import json
import logging
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError

from lms.assessments.models import Attempt, AttemptAnswer, Question, Quiz
from lms.assessments.questions import Grade, QuestionSpec, grade
from lms.assessments.services.importing import active_questions
from lms.assessments.services.rendering import question_spec
from lms.auth.models import User
from lms.catalog.models import CourseCompletion
from lms.catalog.services import update_completion
from lms.core import audit
from lms.core.db import utcnow
from lms.core.errors import ServiceError
from lms.extensions import db

log = logging.getLogger("lms.assessments")

MAX_SEQ = 2**31 - 1


def grace_seconds() -> int:
    return int(current_app.config.get("QUIZ_GRACE_SECONDS", 60))


class AttemptClosed(ServiceError):
    """The attempt no longer accepts answers (submitted, or past its deadline)."""


def draw_questions(quiz: Quiz, rng: random.Random) -> list[Question]:
    pool = active_questions(quiz)
    if isinstance(quiz.draw, int):
        chosen = rng.sample(pool, min(quiz.draw, len(pool)))
    elif isinstance(quiz.draw, dict):
        chosen = []
        for category, count in quiz.draw.items():
            candidates = [q for q in pool if q.category == category]
            chosen.extend(rng.sample(candidates, min(int(count), len(candidates))))
    else:
        chosen = list(pool)
    if quiz.shuffle_questions:
        rng.shuffle(chosen)
    else:
        chosen.sort(key=lambda q: (q.position, q.id))
    return chosen


def build_layout(quiz: Quiz, questions: list[Question], rng: random.Random) -> list[dict[str, Any]]:
    layout = []
    for question in questions:
        spec = question_spec(question)
        choices = list(range(spec.type_class.choice_count(spec)))
        pool = list(range(spec.type_class.pool_size(spec)))
        if quiz.shuffle_choices:
            rng.shuffle(choices)
            rng.shuffle(pool)
        entry: dict[str, Any] = {"q": question.id}
        if choices:
            entry["choices"] = choices
        if pool:
            entry["pool"] = pool
        layout.append(entry)
    return layout


def open_attempt_of(user, quiz: Quiz) -> Attempt | None:
    return db.session.scalar(
        select(Attempt).where(Attempt.quiz_id == quiz.id, Attempt.user_id == user.id, Attempt.status == "open")
    )


def attempts_used(user, quiz: Quiz) -> int:
    """Attempts that count toward ``max_attempts``. After the course's version changed since
    the person completed it, only attempts started after that completion count: the
    refresher gets a fresh allowance (the course's final quiz can be retaken)."""
    stmt = select(func.count()).select_from(Attempt).where(
        Attempt.quiz_id == quiz.id, Attempt.user_id == user.id, Attempt.preview.is_(False)
    )
    course = quiz.course
    if course is not None and getattr(user, "person_id", None) is not None:
        done = db.session.execute(
            select(CourseCompletion.completed_at, CourseCompletion.course_version).where(
                CourseCompletion.person_id == user.person_id, CourseCompletion.course_id == course.id)
        ).first()
        if done is not None and done.course_version != course.version:
            stmt = stmt.where(Attempt.started_at > done.completed_at)
    return db.session.scalar(stmt) or 0


def start_attempt(user, quiz: Quiz, *, preview: bool = False, now: datetime | None = None) -> Attempt:
    """Continue the user's open attempt, or start one with its own draw and order."""
    now = now or utcnow()
    if quiz.is_bank:
        raise ServiceError(_("This is a question bank, not a quiz."))
    # One start at a time per user: on PostgreSQL a concurrent start waits here, then sees the
    # attempt the other one committed (SQLite write transactions are serialised already).
    db.session.execute(select(User.id).where(User.id == user.id).with_for_update())
    current = open_attempt_of(user, quiz)
    if current is not None:
        if not current.is_overdue(now, grace_seconds()):
            return current
        submit_attempt(current, now=now, reason="timeout")
    if not preview:
        if quiz.opens_at is not None and now < quiz.opens_at:
            raise ServiceError(_("This quiz is not open yet."))
        if quiz.closes_at is not None and now >= quiz.closes_at:
            raise ServiceError(_("This quiz is closed."))
        if quiz.max_attempts and attempts_used(user, quiz) >= quiz.max_attempts:
            raise ServiceError(_("You have used all your attempts at this quiz."))
    rng = random.SystemRandom()
    questions = draw_questions(quiz, rng)
    if not questions:
        raise ServiceError(_("This quiz has no questions."))
    number = (
        db.session.scalar(
            select(func.max(Attempt.number)).where(Attempt.quiz_id == quiz.id, Attempt.user_id == user.id)
        )
        or 0
    ) + 1
    deadline = None
    if quiz.time_limit_minutes:
        deadline = now + timedelta(minutes=quiz.time_limit_minutes)
    if quiz.closes_at is not None and not preview:
        deadline = min(deadline, quiz.closes_at) if deadline else quiz.closes_at
    attempt = Attempt(
        quiz_id=quiz.id, user_id=user.id, number=number, preview=preview, status="open",
        started_at=now, deadline=deadline, layout=build_layout(quiz, questions, rng),
    )
    try:
        with db.session.begin_nested():
            db.session.add(attempt)
            db.session.flush()
    except IntegrityError:
        # A concurrent start of the same user won the attempt number: use its attempt.
        current = open_attempt_of(user, quiz)
        if current is None:
            raise ServiceError(_("The attempt could not be started. Please try again.")) from None
        return current
    log.info("attempt %s started quiz=%s user=%s preview=%s", attempt.id, quiz.slug, user.id, preview)
    return attempt


def questions_of(attempt: Attempt) -> dict[int, Question]:
    ids = [entry["q"] for entry in attempt.layout]
    rows = db.session.scalars(select(Question).where(Question.id.in_(ids))).all()
    return {row.id: row for row in rows}


# -- responses ------------------------------------------------------------------------


def clean_response(spec: QuestionSpec, entry: dict[str, Any], raw: Any) -> Any:
    """Form data in display positions → a clean response in original indexes.

    Choices and matching answers are sent as their position on the learner's page
    (the order drawn for this attempt), never as the index in the file: the index
    could tell which answer the author wrote first.
    """
    return spec.type_class.read_response(spec, entry, raw)


def load_response(spec: QuestionSpec, stored: Any) -> Any:
    """A response as stored in JSON → the types grade() expects."""
    return spec.type_class.load_response(spec, stored)


def response_key(response: Any) -> str | None:
    if response is None or response == {} or response == []:
        return None
    if isinstance(response, str):
        return response.strip().casefold()[:200]
    return json.dumps(response, sort_keys=True, separators=(",", ":"))[:200]


def extract_raw(attempt: Attempt, questions: dict[int, Question], form) -> dict[int, Any]:
    """Raw answers by slot (1-based) from a MultiDict of the attempt page's fields."""
    raw: dict[int, Any] = {}
    for slot, entry in enumerate(attempt.layout, start=1):
        spec = question_spec(questions[entry["q"]])
        raw[slot] = spec.type_class.form_value(spec, form, f"s{slot}")
    return raw


@dataclass
class SaveResult:
    saved: int = 0
    stale: list[int] = field(default_factory=list)
    errors: dict[int, str] = field(default_factory=dict)
    closed: bool = False


def _lock_attempt(attempt_id: int, *, exclusive: bool = False) -> Attempt:
    stmt = select(Attempt).where(Attempt.id == attempt_id).execution_options(populate_existing=True)
    stmt = stmt.with_for_update() if exclusive else stmt.with_for_update(read=True)
    return db.session.scalars(stmt).one()


def _upsert_answer(values: dict[str, Any]):
    dialect = db.session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    table = AttemptAnswer.__table__
    stmt = insert(table).values(**values)
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c.attempt_id, table.c.question_id],
        set_={
            "response": stmt.excluded.response,
            "response_key": stmt.excluded.response_key,
            "seq": stmt.excluded.seq,
            "saved_at": stmt.excluded.saved_at,
        },
        where=table.c.seq < stmt.excluded.seq,
    ).returning(table.c.id)
    # A returned row means inserted or updated; none means a newer save was kept.
    # (rowcount is not reliable here: psycopg reports -1 for this statement.)
    return db.session.execute(stmt).first() is not None


def save_answers(attempt: Attempt, raw: dict[int, Any], seq: int, *, now: datetime | None = None) -> SaveResult:
    """Save the answers of an open attempt; a save older than the stored one changes nothing.

    ``raw`` maps slots (1-based) to form values; slots left out are not touched.
    Invalid answers (a word where a number is expected) are reported, the others saved.
    """
    now = now or utcnow()
    if not 0 < seq <= MAX_SEQ:
        raise ServiceError(_("Invalid save number."))
    attempt = _lock_attempt(attempt.id)
    result = SaveResult()
    if attempt.status != "open":
        raise AttemptClosed(_("This attempt has been submitted; answers can no longer be changed."))
    if attempt.is_overdue(now, grace_seconds()):
        submit_attempt(attempt, now=now, reason="timeout")
        result.closed = True
        return result
    questions = questions_of(attempt)
    for slot, entry in enumerate(attempt.layout, start=1):
        if slot not in raw:
            continue
        question = questions[entry["q"]]
        spec = question_spec(question)
        try:
            response = clean_response(spec, entry, raw[slot])
        except (ValueError, TypeError):
            result.errors[slot] = _error_message(spec)
            continue
        if not spec.type_class.answerable:
            continue
        stored = {str(k): v for k, v in response.items()} if isinstance(response, dict) else response
        written = _upsert_answer(
            {
                "attempt_id": attempt.id, "question_id": question.id, "response": stored,
                "response_key": response_key(response), "seq": seq, "saved_at": now,
                "needs_review": False,
            }
        )
        if written:
            result.saved += 1
        else:
            result.stale.append(slot)
    return result


def _error_message(spec: QuestionSpec) -> str:
    return _(spec.type_class.error_message)


def submit_attempt(attempt: Attempt, *, now: datetime | None = None, reason: str = "submitted",
                   actor=None) -> tuple[Attempt, bool]:
    """Close and grade an attempt exactly once. Returns ``(attempt, submitted_now)``."""
    now = now or utcnow()
    won = db.session.execute(
        update(Attempt)
        .where(Attempt.id == attempt.id, Attempt.status == "open")
        .values(status="submitted", submitted_at=now, close_reason=reason)
        .returning(Attempt.id)
        .execution_options(synchronize_session=False)
    ).first() is not None
    attempt = db.session.scalars(
        select(Attempt).where(Attempt.id == attempt.id).execution_options(populate_existing=True)
    ).one()
    if not won:
        return attempt, False
    _grade_attempt(attempt, now)
    audit.record(
        actor if actor is not None else attempt.user, "attempt.submit", "quiz_attempt", attempt.id,
        reason=reason, score=attempt.score, status=attempt.status,
    )
    log.info("attempt %s submitted (%s): %s %s", attempt.id, reason, attempt.status, attempt.score)
    return attempt, True


def _grade_attempt(attempt: Attempt, now: datetime) -> None:
    questions = questions_of(attempt)
    answers = {
        a.question_id: a
        for a in db.session.scalars(select(AttemptAnswer).where(AttemptAnswer.attempt_id == attempt.id))
    }
    max_points = 0.0
    for entry in attempt.layout:
        question = questions[entry["q"]]
        spec = question_spec(question)
        answer = answers.get(question.id)
        if answer is None:
            answer = AttemptAnswer(attempt_id=attempt.id, question_id=question.id, response=None, seq=0, saved_at=now)
            db.session.add(answer)
        if not spec.type_class.answerable:
            continue
        max_points += spec.points
        try:
            outcome = grade(spec, load_response(spec, answer.response))
        except (ValueError, TypeError, KeyError):
            outcome = Grade(0.0)
        if outcome.needs_review:
            answer.needs_review, answer.fraction, answer.points = True, None, None
        else:
            fraction = outcome.fraction or 0.0
            answer.needs_review, answer.fraction, answer.points = False, fraction, fraction * spec.points
            answer.graded_at = now
    attempt.max_points = max_points
    db.session.flush()
    _update_totals(attempt, now)


def _update_totals(attempt: Attempt, now: datetime) -> None:
    got, pending = db.session.execute(
        select(
            func.coalesce(func.sum(AttemptAnswer.points), 0.0),
            func.count(AttemptAnswer.id).filter(AttemptAnswer.needs_review.is_(True)),
        ).where(AttemptAnswer.attempt_id == attempt.id)
    ).one()
    attempt.points = float(got)
    attempt.score = round(100.0 * attempt.points / attempt.max_points, 4) if attempt.max_points else 0.0
    if pending:
        attempt.status, attempt.passed, attempt.graded_at = "pending_review", None, None
    else:
        attempt.status, attempt.graded_at = "graded", now
        attempt.passed = attempt.score + 1e-9 >= attempt.quiz.pass_mark
    db.session.flush()
    if attempt.passed and not attempt.preview:
        _record_completion(attempt)


def _record_completion(attempt: Attempt) -> None:
    course = attempt.quiz.course
    if course is not None and attempt.quiz.slug in ((course.completion or {}).get("quizzes") or []):
        update_completion(attempt.user, course, renew=True)


def grade_essay(answer: AttemptAnswer, points: float, comment: str | None, *, actor,
                now: datetime | None = None) -> Attempt:
    """A trainer marks an essay; the attempt is graded once no essay waits any more."""
    now = now or utcnow()
    attempt = _lock_attempt(answer.attempt_id, exclusive=True)
    if attempt.status not in ("pending_review", "graded"):
        raise ServiceError(_("This attempt has not been submitted yet."))
    spec = question_spec(answer.question)
    if not spec.type_class.hand_marked:
        raise ServiceError(_("Only essays are marked by hand."), "points")
    if points is None or not 0 <= points <= spec.points:
        raise ServiceError(_("Give between 0 and %(max)s points.", max=format(spec.points, "g")), "points")
    old = answer.points
    answer.points = float(points)
    answer.fraction = float(points) / spec.points if spec.points else 0.0
    answer.needs_review = False
    answer.comment = (comment or "").strip()[:5000] or None
    answer.graded_by_id = actor.id
    answer.graded_at = now
    db.session.flush()
    _update_totals(attempt, now)
    audit.record(actor, "attempt.grade_essay", "attempt_answer", answer.id, attempt=attempt.id,
                 old=old, new=answer.points)
    return attempt


def close_overdue(now: datetime | None = None) -> int:
    """Submit every open attempt past its deadline and grace period; returns how many."""
    now = now or utcnow()
    limit = now - timedelta(seconds=grace_seconds())
    ids = db.session.scalars(
        select(Attempt.id).where(Attempt.status == "open", Attempt.deadline.is_not(None), Attempt.deadline < limit)
    ).all()
    closed = 0
    for attempt_id in ids:
        attempt = db.session.get(Attempt, attempt_id)
        _, done = submit_attempt(attempt, now=now, reason="timeout")
        closed += int(done)
    return closed


def close_if_overdue(attempt: Attempt, now: datetime | None = None) -> bool:
    """Close an attempt past its deadline (on access). The caller commits when True."""
    now = now or utcnow()
    if attempt.is_overdue(now, grace_seconds()):
        _, done = submit_attempt(attempt, now=now, reason="timeout")
        return done
    return False

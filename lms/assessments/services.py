"""Assessment mutations: importing quiz files, attempts, saving, submitting, grading.

Services validate, change and flush; the caller commits (one commit per request).

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

import html as html_lib
import json
import logging
import random
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError

from lms.assessments import gift
from lms.assessments.models import Attempt, AttemptAnswer, Question, Quiz
from lms.assessments.questions import (
    Grade,
    Problems,
    QuestionSpec,
    QuizFileError,
    answerable_pairs,  # noqa: F401 - re-exported: tests read the items of a matching question here
    cap_problems,
    grade,
)
from lms.assessments.quizfile import (
    BANK_SUFFIXES,
    QuizFileSpec,
    bank_references,
    load_quiz_dir,
    load_quiz_path,
)
from lms.auth.models import User
from lms.catalog.models import Course, CourseCompletion, Module
from lms.catalog.services import update_completion
from lms.core import audit
from lms.core import markdown as core_markdown
from lms.core.db import utcnow
from lms.core.errors import ServiceError
from lms.extensions import db

log = logging.getLogger("lms.assessments")

MAX_SEQ = 2**31 - 1


# --------------------------------------------------------------------------- rendering


def _drop_data_images(tag: str, attr: str, value: str) -> str | None:
    if (tag, attr) == ("img", "src") and value.strip().lower().startswith("data:"):
        return None
    return value


def sanitise_html(raw: str) -> str:
    """HTML from a GIFT ``[html]`` / ``[moodle]`` text through the lessons' nh3 allow-list."""
    import nh3  # on first use, like the Markdown pipeline (lms.core.markdown)

    return nh3.clean(
        raw,
        tags=core_markdown.TAGS,
        attributes=core_markdown.ATTRIBUTES,
        allowed_classes=core_markdown.ALLOWED_CLASSES,
        attribute_filter=_drop_data_images,
        url_schemes=core_markdown.URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


def render_text(text: str, fmt: str) -> str:
    """One text of a question, in its format, to sanitised HTML (done once, at import)."""
    if not text or not text.strip():
        return ""
    if fmt == "markdown":
        return core_markdown.render_markdown(text)
    if fmt == "plain":
        return "<p>" + html_lib.escape(text).replace("\n", "<br>") + "</p>"
    if fmt == "moodle":  # Moodle's auto-format: HTML allowed, new lines kept
        return sanitise_html("<p>" + text.replace("\n", "<br>\n") + "</p>")
    return sanitise_html(text)


_SINGLE_P = re.compile(r"\A<p>((?:(?!<p[ >]).)*)</p>\Z", re.DOTALL)


def render_inline(text: str, fmt: str) -> str:
    """Like render_text, without the paragraph around a one-paragraph text (choice labels)."""
    rendered = render_text(text, fmt).strip()
    match = _SINGLE_P.match(rendered)
    return match.group(1) if match else rendered


def render_question(spec: QuestionSpec) -> dict[str, Any]:
    """Every text of a question as sanitised HTML (see QuestionType.render_html)."""
    return spec.type_class.render_html(spec, render_text, render_inline)


@lru_cache(maxsize=4096)
def _spec_from_json(canonical: str) -> QuestionSpec:
    return QuestionSpec.from_dict(json.loads(canonical))


def question_spec(question: Question) -> QuestionSpec:
    """The spec of a question row (rows never change content, so specs are cached)."""
    return _spec_from_json(json.dumps(question.data, sort_keys=True))


# --------------------------------------------------------------------------- import


class ImportProblems(Exception):
    """Problems found while importing; ``str()`` gives one ``path:line: message`` per line."""

    def __init__(self, problems: list[tuple[str, int, str]]):
        self.problems = problems
        super().__init__(str(self))

    def __str__(self) -> str:
        return "\n".join(f"{path}:{line}: {message}" for path, line, message in self.problems)


@dataclass
class ImportResult:
    slug: str
    action: str  # created | updated | unchanged
    questions: int = 0
    retired: int = 0
    warnings: list[tuple[str, int, str]] = field(default_factory=list)


def _line_of_key(path: str, key: str) -> int:
    try:
        for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
            if line.startswith(f"{key}:"):
                return number
    except (OSError, UnicodeDecodeError):
        pass
    return 1


def load_quiz_specs(paths: list[str | Path]) -> list[QuizFileSpec]:
    """Read and check quiz files and folders; raise ImportProblems with every problem."""
    problems = Problems()
    specs: list[QuizFileSpec] = []
    for raw in paths:
        path = Path(raw)
        try:
            if path.is_dir():
                specs.extend(load_quiz_dir(path))
            elif path.is_file():
                owners = bank_references(path.parent).get(path.name) if path.suffix.lower() in BANK_SUFFIXES else None
                if owners:  # a bank that belongs to a quiz: import that quiz
                    for slug in owners:
                        yaml_path = next(p for p in path.parent.iterdir() if p.stem == slug and p.suffix in (".yaml", ".yml"))
                        specs.append(load_quiz_path(yaml_path))
                else:
                    specs.append(load_quiz_path(path))
            else:
                problems.add(str(path), 1, "no such file or folder")
        except QuizFileError as exc:
            problems.extend(exc)
    seen: dict[str, str] = {}
    unique: list[QuizFileSpec] = []
    for spec in specs:
        if spec.slug in seen:
            if seen[spec.slug] != spec.path:
                problems.add(spec.path, 1, f"quiz slug {spec.slug!r} is also used by {seen[spec.slug]}")
            continue
        seen[spec.slug] = spec.path
        unique.append(spec)
    if problems:
        raise ImportProblems(cap_problems(_sorted(problems.items)))
    return unique


def _sorted(items: list[tuple[str, int, str]]) -> list[tuple[str, int, str]]:
    return sorted(items, key=lambda item: (item[0], item[1]))


def _module_for(course: Course, value: str) -> Module | None:
    bare = re.sub(r"^\d{2}-", "", value)
    return db.session.scalar(
        select(Module).where(Module.course_id == course.id, Module.slug.in_({value, bare}))
    )


def import_quizzes(paths: list[str | Path], *, check: bool = False, actor=None) -> list[ImportResult]:
    """Import quiz files: all or nothing, idempotent by content hash.

    With ``check`` nothing is written; the results say what an import would do.
    """
    specs = load_quiz_specs(paths)
    problems: list[tuple[str, int, str]] = []
    targets: list[tuple[QuizFileSpec, Course | None, Module | None]] = []
    for spec in specs:
        course = module = None
        if not spec.is_bank:
            course = db.session.scalar(select(Course).where(Course.slug == spec.course))
            if course is None:
                problems.append(
                    (spec.path, _line_of_key(spec.path, "course"),
                     f"course {spec.course!r} is not in the database: import the course first")
                )
                continue
            if spec.module:
                module = _module_for(course, spec.module)
                if module is None:
                    problems.append(
                        (spec.path, _line_of_key(spec.path, "module"),
                         f"module {spec.module!r} is not in course {spec.course!r}")
                    )
                    continue
        for question in spec.questions:
            if not question.ident or len(question.ident) > 200:
                problems.append((spec.path, question.source_line or 1, "the question needs an id of at most 200 characters"))
        targets.append((spec, course, module))
    if problems:
        raise ImportProblems(cap_problems(_sorted(problems)))

    results = []
    for spec, course, module in targets:
        result = _apply_quiz(spec, course, module, check=check)
        result.warnings = list(spec.warnings)
        results.append(result)
    if not check:
        db.session.flush()
        changed = [r.slug for r in results if r.action != "unchanged"]
        if changed:
            audit.record(actor, "quiz.import", "quiz", ",".join(changed)[:64], quizzes=changed)
    return results


def _apply_quiz(spec: QuizFileSpec, course: Course | None, module: Module | None, *, check: bool) -> ImportResult:
    quiz = db.session.scalar(select(Quiz).where(Quiz.slug == spec.slug))
    course_id = course.id if course else None
    module_id = module.id if module else None
    if quiz is not None and quiz.source_hash == spec.source_hash and quiz.course_id == course_id \
            and quiz.module_id == module_id:
        return ImportResult(spec.slug, "unchanged", len(spec.questions))
    action = "created" if quiz is None else "updated"
    if check:
        return ImportResult(spec.slug, action, len(spec.questions))
    if quiz is None:
        quiz = Quiz(slug=spec.slug)
        db.session.add(quiz)
    quiz.is_bank = spec.is_bank
    quiz.course_id = course_id
    quiz.module_id = module_id
    quiz.title = spec.title or spec.slug
    quiz.title_en = spec.title_en or None
    quiz.pass_mark = spec.pass_mark
    quiz.max_attempts = spec.max_attempts
    quiz.time_limit_minutes = spec.time_limit_minutes
    quiz.opens_at = spec.opens_at
    quiz.closes_at = spec.closes_at
    quiz.shuffle_questions = spec.shuffle_questions
    quiz.shuffle_choices = spec.shuffle_choices
    quiz.draw = spec.draw
    quiz.review = spec.review
    quiz.review_after_close = spec.review_after_close
    quiz.settings = spec.settings_dict()
    quiz.source_path = spec.path[-500:]
    quiz.source_hash = spec.source_hash
    db.session.flush()
    retired = _sync_questions(quiz, spec.questions)
    log.info("quiz %s %s (%d questions, %d retired)", spec.slug, action, len(spec.questions), retired)
    return ImportResult(spec.slug, action, len(spec.questions), retired)


def _sync_questions(quiz: Quiz, specs: list[QuestionSpec]) -> int:
    """New content → new rows; rows no longer in the file are retired, never deleted."""
    now = utcnow()
    rows = db.session.scalars(select(Question).where(Question.quiz_id == quiz.id)).all()
    by_key = {(row.ident, row.content_hash): row for row in rows}
    keep: set[int] = set()
    for position, spec in enumerate(specs):
        content_hash = spec.content_hash()
        row = by_key.get((spec.ident, content_hash))
        data = spec.to_dict()
        data["source_line"] = 0
        if row is None:
            row = Question(
                quiz_id=quiz.id, ident=spec.ident, content_hash=content_hash, data=data,
                html=render_question(spec),
            )
            db.session.add(row)
            by_key[(spec.ident, content_hash)] = row
        elif row.data != data:
            row.data = data  # the same content with other tags: the question keeps its row
        row.retired_at = None
        row.position = position
        row.qtype = spec.qtype
        row.category = spec.category[:200]
        row.points = spec.points
        db.session.flush()
        keep.add(row.id)
    retired = 0
    for row in rows:
        if row.id not in keep and row.retired_at is None:
            row.retired_at = now
            retired += 1
    return retired


def active_questions(quiz: Quiz) -> list[Question]:
    return list(
        db.session.scalars(
            select(Question)
            .where(Question.quiz_id == quiz.id, Question.retired_at.is_(None))
            .order_by(Question.position, Question.id)
        )
    )


def export_quiz_gift(quiz: Quiz) -> str:
    """The quiz's current questions as GIFT (settings are not part of GIFT)."""
    specs = [question_spec(q) for q in active_questions(quiz)]
    header = f"// {quiz.slug}: {quiz.title}\n// exported by OCOP LMS\n\n".replace("\r", " ")
    return header + gift.export_gift(specs)


# --------------------------------------------------------------------------- attempts


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


# --------------------------------------------------------------------------- catalog hooks


def quizzes_passed(user, course: Course) -> bool:
    """Requirement checker: every quiz the course requires has a passed attempt by the user."""
    slugs = set((course.completion or {}).get("quizzes") or [])
    if not slugs:
        return True
    passed = set(
        db.session.scalars(
            select(Quiz.slug)
            .join(Attempt, Attempt.quiz_id == Quiz.id)
            .where(
                Quiz.slug.in_(slugs), Attempt.user_id == user.id,
                Attempt.passed.is_(True), Attempt.preview.is_(False),
            )
            .distinct()
        )
    )
    return slugs <= passed


def quiz_slugs() -> list[str]:
    return list(db.session.scalars(select(Quiz.slug).where(Quiz.is_bank.is_(False))))


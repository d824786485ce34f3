"""Importing quiz files (GIFT, Aiken, YAML) into quizzes and questions, and exporting GIFT."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from lms.assessments import gift
from lms.assessments.models import Question, Quiz
from lms.assessments.questions import (
    Problems,
    QuestionSpec,
    QuizFileError,
    cap_problems,
)
from lms.assessments.quizfile import (
    BANK_SUFFIXES,
    QuizFileSpec,
    bank_references,
    load_quiz_dir,
    load_quiz_path,
)
from lms.assessments.services.rendering import question_spec, render_question
from lms.catalog.models import Course, Module
from lms.core import audit
from lms.core.db import utcnow
from lms.extensions import db

log = logging.getLogger("lms.assessments")


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

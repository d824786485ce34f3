"""Importing quiz files (GIFT, Aiken, YAML) into quizzes and questions, and exporting GIFT."""

from __future__ import annotations

import functools
import importlib
import logging
import re
import sys
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from sqlalchemy import func, select, update

from lms.assessments import gift
from lms.assessments.models import Question, Quiz
from lms.assessments.questions import (
    QUESTION_TYPES,
    Problems,
    QuestionSpec,
    QuizFileError,
    cap_problems,
)
from lms.assessments.quizfile import (
    BANK_SUFFIXES,
    KnownQuiz,
    QuizFileSpec,
    bank_references,
    load_quiz_dir,
    load_quiz_path,
    raw_hash,
)
from lms.assessments.services.rendering import question_spec, render_question
from lms.catalog.importer import parts_hash
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


# What the result of parsing a quiz file depends on besides its bytes: the code of the
# parsers, of the question types and of the rendering to HTML, and the libraries they use. A
# new release that changes any of them parses every quiz once more.
PARSER_MODULES = (
    "lms.assessments.aiken", "lms.assessments.gift", "lms.assessments.questions", "lms.assessments.quizfile",
    "lms.assessments.services.importing", "lms.assessments.services.rendering", "lms.core.markdown",
    "lms.core.text",
)
PARSER_LIBRARIES = ("PyYAML", "Markdown", "nh3")


@functools.cache
def _module_code(name: str) -> bytes:
    try:
        module = sys.modules.get(name) or importlib.import_module(name)
        return Path(module.__file__ or "").read_bytes()
    except (ImportError, OSError):
        return b""  # a question type defined where no file holds it: its name only


@functools.cache
def _parser_version(modules: tuple[str, ...]) -> bytes:
    versions = []
    for name in PARSER_LIBRARIES:
        try:
            versions.append(f"{name}={metadata.version(name)}".encode())
        except metadata.PackageNotFoundError:
            versions.append(name.encode())
    return parts_hash(*(name.encode() + b"\0" + _module_code(name) for name in modules), *versions).encode()


def parser_version() -> bytes:
    """The hash of the parsing code (with the question types registered now) and libraries."""
    return _parser_version(tuple(sorted({*PARSER_MODULES, *(cls.__module__ for cls in QUESTION_TYPES.values())})))


def _vouch(source_hash: str, course_id: int | None, module_id: int | None, questions: int) -> bytes:
    """The state a raw hash vouches for: the parser, the content hash, where the quiz is
    attached and how many questions it has in use."""
    return b"\0".join((parser_version(), f"{source_hash}:{course_id}:{module_id}:{questions}".encode()))


@dataclass(frozen=True)
class _Stored:
    known: KnownQuiz
    questions: int


def _stored_quizzes() -> dict[str, _Stored]:
    """One query for every quiz that has a raw hash: what lets an unchanged file skip parsing.

    A quiz whose course or module no longer answers to the names its file gives (a module
    renamed in the browser, say) is left out: its file is parsed and checked again."""
    in_use = (
        select(func.count(Question.id))
        .where(Question.quiz_id == Quiz.id, Question.retired_at.is_(None))
        .correlate(Quiz)
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(
            Quiz.slug, Quiz.raw_hash, Quiz.source_hash, Quiz.settings, Quiz.course_id, Quiz.module_id,
            Course.slug, Module.slug, Module.course_id, in_use,
        )
        .outerjoin(Course, Course.id == Quiz.course_id)
        .outerjoin(Module, Module.id == Quiz.module_id)
        .where(Quiz.raw_hash.is_not(None))
    )
    stored: dict[str, _Stored] = {}
    for slug, digest, source_hash, settings, course_id, module_id, course_slug, module_slug, module_course, count in rows:
        settings = settings or {}
        if (course_slug or "") != (settings.get("course") or ""):
            continue
        wanted = settings.get("module") or ""
        if wanted and (module_course != course_id or module_slug not in _module_slugs(wanted)):
            continue
        stored[slug] = _Stored(
            KnownQuiz(digest, settings.get("questions_file") or "", _vouch(source_hash, course_id, module_id, count)),
            count,
        )
    return stored


def _raw_hash_of(spec: QuizFileSpec, quiz: Quiz) -> str | None:
    """The raw hash to store for ``quiz`` as ``spec`` left it; None when the files cannot
    vouch for it, or when the file has warnings (printed again at each import: parsed)."""
    if not spec.file_digest or spec.warnings:
        return None
    return raw_hash(spec.file_digest, _vouch(quiz.source_hash, quiz.course_id, quiz.module_id, len(spec.questions)))


def load_quiz_specs(paths: list[str | Path], known: dict[str, KnownQuiz] | None = None) -> list[QuizFileSpec]:
    """Read and check quiz files and folders; raise ImportProblems with every problem.

    ``known``: what the last import stored, by slug; a file that still hashes to it is not
    parsed (its spec says ``unchanged``)."""
    known = known or {}
    problems = Problems()
    specs: list[QuizFileSpec] = []
    for raw in paths:
        path = Path(raw)
        try:
            if path.is_dir():
                specs.extend(load_quiz_dir(path, known))
            elif path.is_file():
                owners = (
                    bank_references(path.parent, known).get(path.name) if path.suffix.lower() in BANK_SUFFIXES else None
                )
                if owners:  # a bank that belongs to a quiz: import that quiz
                    for slug in owners:
                        yaml_path = next(p for p in path.parent.iterdir() if p.stem == slug and p.suffix in (".yaml", ".yml"))
                        specs.append(load_quiz_path(yaml_path, known.get(slug)))
                else:
                    specs.append(load_quiz_path(path, known.get(path.stem)))
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


def _module_slugs(value: str) -> set[str]:
    """The module slugs a quiz file's ``module`` names: as written, and without the
    folder's two-digit order prefix ("02-ke-hoach" is module "ke-hoach")."""
    return {value, re.sub(r"^\d{2}-", "", value)}


def _module_for(course: Course, value: str) -> Module | None:
    return db.session.scalar(
        select(Module).where(Module.course_id == course.id, Module.slug.in_(_module_slugs(value)))
    )


def import_quizzes(paths: list[str | Path], *, check: bool = False, actor=None) -> list[ImportResult]:
    """Import quiz files: all or nothing, idempotent by content hash.

    One query fetches the raw hash of every quiz (``_stored_quizzes``): a file whose bytes
    (with its question file's, the parser's code and the stored state) hash to it is
    reported unchanged without being parsed. Other files are parsed; when the content
    hash shows nothing new, the raw hash is stored for the next time.

    With ``check`` nothing is written and every file is parsed and checked; the results
    say what an import would do.
    """
    stored = {} if check else _stored_quizzes()
    specs = load_quiz_specs(paths, {slug: s.known for slug, s in stored.items()})
    problems: list[tuple[str, int, str]] = []
    targets: list[tuple[QuizFileSpec, Course | None, Module | None]] = []
    for spec in specs:
        course = module = None
        if spec.unchanged:  # its course and module were checked with the hash
            targets.append((spec, None, None))
            continue
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
        if spec.unchanged:
            results.append(ImportResult(spec.slug, "unchanged", stored[spec.slug].questions))
            continue
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
        digest = None if check else _raw_hash_of(spec, quiz)
        if not check and digest != quiz.raw_hash:
            # Parsed for nothing (a database upgraded from before raw hashes, a comment
            # edited): store the raw hash, and keep updated_at, since nothing else changed.
            db.session.execute(
                update(Quiz).where(Quiz.id == quiz.id).values(raw_hash=digest, updated_at=Quiz.updated_at)
            )
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
    quiz.raw_hash = _raw_hash_of(spec, quiz)
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

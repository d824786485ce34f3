"""Catalog mutations: enrolment, progress and course completion.

Services validate, change and flush; the caller commits.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from lms.catalog.models import COMPLETION_VIAS, Course, CourseCompletion, Lesson, LessonProgress
from lms.core.db import utcnow
from lms.core.signals import course_completed
from lms.extensions import db

log = logging.getLogger("lms.catalog")

# Other domains add conditions for online completion (e.g. the quizzes a course requires):
# a checker gets (user, course) and answers whether its part is satisfied.
RequirementChecker = Callable[[object, Course], bool]
_requirement_checkers: list[RequirementChecker] = []


def register_requirement_checker(checker: RequirementChecker) -> None:
    if checker not in _requirement_checkers:
        _requirement_checkers.append(checker)


def required_lessons_query(course: Course):
    """The lessons that count for completion under the course's ``completion`` rule."""
    rule = (course.completion or {}).get("lessons", "required")
    stmt = select(Lesson.id).where(Lesson.course_id == course.id, Lesson.retired_at.is_(None))
    if rule == "all":
        return stmt
    if isinstance(rule, list):
        return stmt.where(Lesson.slug.in_(rule))
    return stmt.where(Lesson.required.is_(True))


def lessons_done(user_id: int, course: Course) -> tuple[int, int]:
    """(required lessons done, required lessons) for a user."""
    required = required_lessons_query(course).subquery()
    total = db.session.scalar(select(func.count()).select_from(required)) or 0
    done = db.session.scalar(
        select(func.count())
        .select_from(LessonProgress)
        .where(LessonProgress.user_id == user_id, LessonProgress.lesson_id.in_(select(required.c.id)))
    ) or 0
    return done, total


def online_requirements_met(user, course: Course) -> bool:
    done, total = lessons_done(user.id, course)
    if done < total:
        return False
    if (course.completion or {}).get("quizzes") and not _requirement_checkers:
        return False  # quizzes are required but nothing can check them
    return all(checker(user, course) for checker in _requirement_checkers)


def record_completion(
    person_id: int,
    course: Course,
    *,
    via: str,
    completed_at: datetime | None = None,
    source_ref: str | None = None,
) -> tuple[CourseCompletion, bool]:
    """Record that a person completed a course, exactly once.

    Returns ``(completion, created)``. A second call, also a concurrent one in another
    transaction, finds the existing row: INSERT … ON CONFLICT DO NOTHING on the
    (person, course) unique constraint. ``course_completed`` is sent only when created.
    """
    if via not in COMPLETION_VIAS:
        raise ValueError(f"unknown completion route: {via}")
    values = {
        "person_id": person_id,
        "course_id": course.id,
        "completed_at": completed_at or utcnow(),
        "via": via,
        "source_ref": source_ref,
        "recorded_at": utcnow(),
    }
    dialect = db.session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    table = CourseCompletion.__table__
    # Bind through the column types so that UTC timestamps are stored consistently.
    stmt = insert(table).values(**values).on_conflict_do_nothing(
        index_elements=[table.c.person_id, table.c.course_id]
    )
    result = db.session.execute(stmt)
    created = bool(result.rowcount)
    completion = db.session.scalar(
        select(CourseCompletion).where(
            CourseCompletion.person_id == person_id, CourseCompletion.course_id == course.id
        )
    )
    if created:
        log.info("completion person=%s course=%s via=%s", person_id, course.slug, via)
        course_completed.send(current_app._get_current_object(), completion=completion)
    return completion, created


def update_completion(user, course: Course) -> CourseCompletion | None:
    """Record online completion when the user now meets every requirement."""
    if user.person_id is None or not online_requirements_met(user, course):
        return None
    completion, _ = record_completion(user.person_id, course, via="online")
    return completion

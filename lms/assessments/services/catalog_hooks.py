"""What assessments tell the catalog: whether a user passed a course's quizzes, and the quiz
slugs course files may name.
"""

from __future__ import annotations

from sqlalchemy import select

from lms.assessments.models import Attempt, Quiz
from lms.catalog.models import Course
from lms.extensions import db


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

"""Extension points through which other domains plug into the catalog without the
catalog importing them (arrows point toward the spine). Higher domains register their
functions in their ``init_app``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from lms.core.hooks import Hook

course_panels: Hook[Callable[[object, object], object]] = Hook(
    "catalog.course_panels",
    "fn(course, user) -> str | Markup | None: a panel on the course page (e.g. the course's "
    "quizzes); None shows nothing.",
)
quiz_slug_providers: Hook[Callable[[], Iterable[str]]] = Hook(
    "catalog.quiz_slug_providers",
    "fn() -> iterable of quiz slugs that a course's ``completion.quizzes`` may name (the importer "
    "checks references against them).",
)
requirement_checkers: Hook[Callable[[object, object], bool]] = Hook(
    "catalog.requirement_checkers",
    "fn(user, course) -> bool: whether the checker's part of online completion is satisfied "
    "(e.g. the quizzes a course requires are passed).",
)
learning_plans: Hook[Callable[[object], dict | None]] = Hook(
    "catalog.learning_plans",
    "fn(user) -> dict | None: the courses the learner must complete, for My learning: "
    "``course_ids`` (in order), ``deadline`` (date or None), ``done`` and ``total`` (required "
    "courses completed, and required). The first answer that is not None counts.",
)

"""Extension points through which other domains plug into the catalog without the
catalog importing them (arrows point toward the spine).

- ``register_course_panel(fn)``: ``fn(course, user) -> str | Markup | None`` renders a
  panel on the course page (e.g. the course's quizzes). Return None to show nothing.
- ``register_quiz_slug_provider(fn)``: ``fn() -> iterable of quiz slugs`` that a course's
  ``completion.quizzes`` may name (the importer checks references against them).
- Requirement checkers for online completion live in ``lms.catalog.services``
  (``register_requirement_checker``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

CoursePanel = Callable[[object, object], object]

COURSE_PANELS: list[CoursePanel] = []
QUIZ_SLUG_PROVIDERS: list[Callable[[], Iterable[str]]] = []


def register_course_panel(panel: CoursePanel) -> None:
    if panel not in COURSE_PANELS:
        COURSE_PANELS.append(panel)


def register_quiz_slug_provider(provider: Callable[[], Iterable[str]]) -> None:
    if provider not in QUIZ_SLUG_PROVIDERS:
        QUIZ_SLUG_PROVIDERS.append(provider)

"""Extension points: the one mechanism through which a higher layer plugs into a lower one.

A lower domain declares a ``Hook`` (its name and what the functions receive and return);
a higher domain registers a function in its ``init_app``; the lower domain calls
``hook.functions()`` and never imports the higher one. Registrations live on the app
(``app.extensions``), so two apps never share them and importing a module changes
nothing. Signals (``lms.core.signals``) remain for events that receivers react to;
hooks are for questions the owner asks ("what panels does this course page show?").

The hooks of the project (each documented where it is declared):

- ``lms.catalog.hooks.course_panels``: ``fn(course, user) -> Markup | str | None``
- ``lms.catalog.hooks.quiz_slug_providers``: ``fn() -> Iterable[str]``
- ``lms.catalog.hooks.requirement_checkers``: ``fn(course, user) -> bool``
- ``lms.catalog.hooks.learning_plans``: ``fn(user) -> dict | None``
- ``lms.auth.hooks.user_panels``: ``fn(user, viewer) -> Markup | str | None``
- ``lms.registry.hooks.person_panels``: ``fn(person, user) -> Markup | str | None``
- ``lms.registry.hooks.people_list_actions``: ``fn(filters, user) -> Markup | str | None``
- ``lms.coverage.hooks.gap_list_actions``: ``fn(filters, user) -> Markup | str | None``
- ``lms.messages.hooks.reminder_rules``: ``Rule(name, apply(batch))`` for ``flask lms remind``
- ``lms.coverage.hooks.digest_classes``: ``fn(unit, first, last) -> list[dict]``
- ``lms.certification.hooks.template_choosers``: ``fn(completion) -> str | None``
- ``lms.certification.hooks.hours_providers``: ``fn(completion) -> float | None``
- ``lms.core.conditional.layout_states``: ``fn(user) -> hashable`` (what the layout shows, in every page's ETag)
- ``lms.jobs.hooks.handlers``: ``Handler(kind, label, run(ctx))`` for ``flask lms worker``
- ``lms.jobs.hooks.owner_loaders``: ``fn(user_id) -> user | None``
- ``lms.core.retention.purgers``: ``Purger`` (kind, period setting, count, apply) for ``flask lms purge``
"""

from __future__ import annotations

from typing import Generic, TypeVar

from flask import Flask, current_app

F = TypeVar("F")


class Hook(Generic[F]):
    """A named list of functions registered per app."""

    def __init__(self, name: str, doc: str = "") -> None:
        self.name = name
        self.__doc__ = doc

    def _functions(self, app: Flask) -> list[F]:
        return app.extensions.setdefault("lms.hooks", {}).setdefault(self.name, [])

    def register(self, app: Flask, fn: F) -> None:
        functions = self._functions(app)
        if fn not in functions:
            functions.append(fn)

    def functions(self, app: Flask | None = None) -> list[F]:
        return list(self._functions(app or current_app._get_current_object()))

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"<Hook {self.name}>"

"""Extension points of the registry (see ``lms.core.hooks``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from lms.core.hooks import Hook

person_panels: Hook[Callable[[object, object], object]] = Hook(
    "registry.person_panels",
    "fn(person, user) -> str | Markup | None: a panel on a person's registry page (their "
    "completions, messages, activation); None shows nothing. ``user`` is the viewer, who may see "
    "the person.",
)

protected_people: Hook[Callable[[], object]] = Hook(
    "registry.protected_people",
    "fn() -> Iterable[int]: ids of people whom only an administrator may change through a "
    "registry import (people with a staff account).",
)

people_list_actions: Hook[Callable[[dict, object], object]] = Hook(
    "registry.people_list_actions",
    "fn(filters, user) -> str | Markup | None: an action on the people list for its current filter "
    "(``filters``: q, group, unit, scheme; empty values left out), e.g. printing activation slips.",
)


class ImportHandler(Protocol):
    """A kind of registry file whose rows belong to a higher domain (e.g. past completions).

    ``kind`` is one of ``lms.registry.imports.KINDS``. ``plan(plan, sheet, index)`` validates the
    sheet's rows with the registry's row checker and appends its rows to
    ``plan.extra_rows[kind]``; ``apply(plan, rows, person_ids, actor)`` writes them after the
    registry's own rows, where ``person_ids`` maps the plan's person keys (negative for people
    created by the same file) to database ids. An optional ``reference()`` returns
    ``(sheet title, header, rows)``: a sheet of the import template listing accepted values.
    """

    kind: str

    def plan(self, plan, sheet, index) -> None: ...

    def apply(self, plan, rows: list[dict], person_ids: dict[int, int], actor) -> None: ...


import_handlers: Hook[ImportHandler] = Hook(
    "registry.import_handlers",
    "ImportHandler objects for the kinds whose rows another domain writes.",
)

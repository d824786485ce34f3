"""Extension points of coverage (see ``lms.core.hooks``)."""

from __future__ import annotations

from collections.abc import Callable

from lms.core.hooks import Hook

gap_list_actions: Hook[Callable[[dict, object], object]] = Hook(
    "coverage.gap_list_actions",
    "fn(filters, user) -> str | Markup | None: an action on the gap list for its current filter "
    "(``filters``: unit, scheme, group, as_of; empty values left out), e.g. printing activation slips.",
)

digest_classes: Hook[Callable[[object, object, object], list]] = Hook(
    "coverage.digest_classes",
    "fn(unit: AdminUnit, first: date, last: date) -> list[dict]: the classes held in ``unit``'s "
    "area between the two days, for a manager's weekly digest; each dict has ``title``, "
    "``venue``, ``unit``, ``first_day``, ``people`` (on the roster).",
)

slip_actions: Hook[Callable[[list], object]] = Hook(
    "coverage.slip_actions",
    "fn(person_ids) -> str | Markup | None: an action for people no message reaches, shown on the "
    "gap list's reminder preview (e.g. printing activation slips for them).",
)

"""Extension points of accounts (see ``lms.core.hooks``)."""

from __future__ import annotations

from collections.abc import Callable

from lms.core.hooks import Hook

user_panels: Hook[Callable[[object, object], object]] = Hook(
    "auth.user_panels",
    "fn(user, viewer) -> str | Markup | None: a panel on an administrator's page of one account "
    "(e.g. its API tokens); None shows nothing. ``viewer`` is the administrator.",
)

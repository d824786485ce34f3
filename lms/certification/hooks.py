"""Extension points of certification (see ``lms.core.hooks``)."""

from __future__ import annotations

from collections.abc import Callable

from lms.core.hooks import Hook

template_choosers: Hook[Callable[[object], str | None]] = Hook(
    "certification.template_choosers",
    "fn(completion) -> template name or None: the template of the certificate a completion "
    "produces (a face-to-face class may print with its own); the first existing name wins, "
    "else the course's template.",
)

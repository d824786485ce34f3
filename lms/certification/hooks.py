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
hours_providers: Hook[Callable[[object], float | None]] = Hook(
    "certification.hours_providers",
    "fn(completion) -> hours or None: the hours a completion's certificate states (a face-to-face "
    "class: its contact hours); the first non-empty answer wins, else the course's hours.",
)
decision_providers: Hook[Callable[[object], tuple[str, object] | None]] = Hook(
    "certification.decision_providers",
    "fn(completion) -> (decision number, decision date or None) or None: the decision printed on "
    "a completion's certificate (a face-to-face class: the decision that opened it); the first "
    "answer wins, else the course's decision.",
)

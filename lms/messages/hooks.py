"""Extension points of the outbox (see ``lms.core.hooks``).

The rules that decide who is reminded of what live in the domain that owns the fact
(coverage: required courses; classes: class notices; assessments: quizzes closing) and
plug into ``reminder_rules`` in their ``init_app``; ``flask lms remind`` runs them all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from lms.core.hooks import Hook


@dataclass(frozen=True)
class Rule:
    """A reminder rule: ``apply(batch)`` adds the messages due at ``batch.as_of`` to the batch.

    ``name`` is what ``flask lms remind`` prints (and accepts with ``--rule``).
    """

    name: str
    apply: Callable[[object], None]


reminder_rules: Hook[Rule] = Hook(
    "messages.reminder_rules",
    "Rule objects: apply(batch: lms.messages.rules.Batch) -> None, for `flask lms remind`.",
)

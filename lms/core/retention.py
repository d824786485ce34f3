"""Retention: what ``flask lms purge`` removes, contributed by the domain that owns the data.

A ``Purger`` names a kind, reads its period from the configuration and both counts and
applies what is past it. Domains register purgers with ``purgers.register(app, purger)`` in
their ``init_app``; lms.privacy runs them (``flask lms purge [--dry-run]``), each one
idempotent: a second run finds nothing left to do. Nothing is deleted that a coverage
figure for a past date counts: people are anonymised instead (docs/privacy.md).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from lms.core.hooks import Hook


@dataclass(frozen=True)
class Purger:
    kind: str
    # The configuration key of the period, and its unit ("days" or "years").
    setting: str
    unit: str
    # count(cutoff) -> rows past the period; apply(cutoff) -> rows purged (flush only).
    count: Callable[[datetime], int]
    apply: Callable[[datetime], int]


purgers: Hook[Purger] = Hook(
    "core.purgers",
    "Purger objects: each kind of data that `flask lms purge` removes or anonymises after its period.",
)

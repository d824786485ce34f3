"""Retention: what ``flask lms purge`` removes, contributed by the domain that owns the data.

A ``Purger`` names a kind and both counts and applies what is past its period (read from
the configuration by the purger itself, relative to ``now``). Domains register purgers with ``purgers.register(app, purger)`` in
their ``init_app``; lms.privacy runs them (``flask lms purge [--dry-run]``), each one
idempotent: a second run finds nothing left to do. Nothing is deleted that a coverage
figure for a past date counts: people are anonymised instead (docs/privacy.md).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from lms.core.hooks import Hook


@dataclass(frozen=True)
class Purger:
    kind: str
    # count(now) -> rows past the period; apply(now) -> rows purged (flush only).
    count: Callable[[datetime], int]
    apply: Callable[[datetime], int]


def days_ago(now: datetime, setting: str, unit: str = "days") -> datetime:
    """The cutoff of a period read from the configuration (``unit``: hours, days or years)."""
    from flask import current_app

    period = int(current_app.config[setting])
    hours = {"hours": 1, "days": 24, "years": 24 * 365}[unit] * period
    return now - timedelta(hours=hours)


purgers: Hook[Purger] = Hook(
    "core.purgers",
    "Purger objects: each kind of data that `flask lms purge` removes or anonymises after its period.",
)

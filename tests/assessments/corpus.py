"""Files of ``../shared`` read by the quiz tests: the one rule of ``tests.support.shared``
(skip with the reason on a developer's machine, fail under ``CI=true``)."""

from __future__ import annotations

from tests.support.shared import SHARED, in_ci, shared_path

under_ci = in_ci

__all__ = ["SHARED", "shared_path", "under_ci"]

"""Files of ``../shared`` (beside the repository), read by a few tests: one rule for all.

On a developer's machine (a fresh clone has no ``../shared``) a missing file skips the
test and says why; under CI (``CI=true``) it fails, so that the corpus is never skipped
silently there. (Local to the quiz tests until the shared helper in tests/support lands.)
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[2].parent / "shared"


def under_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def shared_path(*parts: str) -> Path:
    """``../shared/<parts>``, or skip (fail under CI) when it is not there."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        reason = f"{path} is missing: the shared corpora are expected in ../shared, beside the repository"
        if under_ci():
            pytest.fail(reason + " (CI=true: a missing corpus is a failure)", pytrace=False)
        pytest.skip(reason)
    return path

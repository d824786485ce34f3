"""The one rule for tests that read ``../shared`` (the corpora beside the clone).

A developer's fresh clone has no ``../shared``: such tests skip, and say why. Under CI
(environment ``CI=true``) the folder is part of the set-up, so a missing file is a failure,
never a silent skip. Every test that reads ``../shared`` goes through ``needs_shared`` (a
mark) or ``shared_path`` (a call inside the test).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared"


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"true", "1"}


def _reason(path: Path) -> str:
    return f"needs {path} (the ../shared folder beside the clone); skipped outside CI"


def needs_shared(*parts: str) -> pytest.MarkDecorator:
    """Mark: skip when ``../shared/<parts>`` is missing, except under CI, where the test runs
    and fails on the missing file."""
    path = SHARED.joinpath(*parts)
    return pytest.mark.skipif(not path.exists() and not in_ci(), reason=_reason(path))


def shared_path(*parts: str) -> Path:
    """``../shared/<parts>``, or skip (developer's machine) / fail (CI) when it is missing."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        if in_ci():
            pytest.fail(f"{path} is missing under CI: the ../shared folder is part of the CI set-up")
        pytest.skip(_reason(path))
    return path

"""Issue 18: every test that reads ../shared goes through tests/support/shared.py (skip with
the reason on a developer's machine, fail under CI=true), so that the rule is defined once."""

from __future__ import annotations

import re
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
DIRECT = re.compile(r"""["']\.\./shared|["']shared["']\s*[)/,]|/\s*["']shared["']""")


def test_no_test_reaches_shared_on_its_own():
    offenders = [
        f"{path.relative_to(TESTS)}:{number}"
        for path in TESTS.rglob("*.py")
        if path.name != "shared.py" and path != Path(__file__).resolve()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if DIRECT.search(line)
    ]
    assert offenders == [], "use tests.support.shared (needs_shared / shared_path): " + ", ".join(offenders)


def test_missing_shared_skips_outside_ci_and_fails_under_ci(monkeypatch):
    import pytest

    from tests.support import shared

    monkeypatch.setenv("CI", "")
    with pytest.raises(pytest.skip.Exception, match="skipped outside CI"):
        shared.shared_path("no-such-corpus")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="missing under CI"):
        shared.shared_path("no-such-corpus")

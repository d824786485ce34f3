"""Fixtures of the class tests: the small world of ``tests/support/classes.py``."""

from __future__ import annotations

import pytest

from tests.support.classes import build_world


@pytest.fixture
def world(app, users):
    return build_world(app, users)

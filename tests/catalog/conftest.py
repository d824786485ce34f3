"""Fixtures for course tests: write small course folders and import them."""

from __future__ import annotations

from pathlib import Path

import pytest

from lms.extensions import db
from tests.support.courses import SAMPLE, run_import, write_course


@pytest.fixture
def courses_root(tmp_path) -> Path:
    return tmp_path / "courses"


@pytest.fixture
def mini_course(app, runner, courses_root):
    """The small course, imported; returns the folder."""
    folder = write_course(courses_root)
    result = run_import(runner, folder)
    assert result.exit_code == 0, result.output
    return folder


@pytest.fixture
def sample_course(app, runner):
    result = run_import(runner, SAMPLE)
    assert result.exit_code == 0, result.output
    from sqlalchemy import select

    from lms.catalog.models import Course

    with app.app_context():
        return db.session.scalar(select(Course).where(Course.slug == "lam-quen-ocop")).id


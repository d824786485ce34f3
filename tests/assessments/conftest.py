"""Fixtures for the database-backed quiz tests: a course, enrolments, quiz files."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from lms.assessments.models import Quiz
from lms.catalog.models import Course, Module
from lms.extensions import db
from tests.support.quizzes import ALL_TYPES_QUIZ, COURSE_SLUG, import_files, write
from tests.support.shared import shared_path


@pytest.fixture
def course_id(app):
    with app.app_context():
        course = Course(
            slug=COURSE_SLUG, title="Khoá học thử", summary="Thử",
            completion={"lessons": "required", "quizzes": ["kiem-tra"]},
        )
        db.session.add(course)
        db.session.flush()
        db.session.add(Module(course_id=course.id, slug="chi-phi", title="Chi phí", position=1))
        db.session.commit()
        return course.id


@pytest.fixture
def quiz_dir(tmp_path) -> Path:
    folder = tmp_path / "quizzes"
    folder.mkdir()
    return folder


@pytest.fixture
def make_quiz(app, runner, quiz_dir, course_id):
    """Write ``quizzes/<slug>.yaml`` and import it; returns the quiz id."""

    def factory(text: str = ALL_TYPES_QUIZ, slug: str = "kiem-tra", **files) -> int:
        for name, content in files.items():
            write(quiz_dir, name, content)
        path = write(quiz_dir, f"{slug}.yaml", text)
        result = import_files(runner, path)
        assert result.exit_code == 0, result.output
        with app.app_context():
            return db.session.scalar(select(Quiz.id).where(Quiz.slug == slug))

    return factory


@pytest.fixture
def moodle_gift_corpus() -> Path:
    """Moodle's GIFT files in ../shared/corpora/gift (skip, or fail under CI, without them)."""
    return shared_path("corpora", "gift")

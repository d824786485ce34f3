"""The shape of the bundled courses and their final quizzes, read from one import of the
curriculum for the whole module (these tests only read it)."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from sqlalchemy import select

from lms.assessments.models import Quiz
from lms.assessments.services import active_questions, question_spec
from lms.catalog.models import Course, Lesson
from lms.extensions import db
from tests.curriculum.test_curriculum import COURSES, FINAL_QUIZ
from tests.support.apps import empty_tables, make_test_app


@pytest.fixture(scope="module")
def app(database_url, _schema):
    app = make_test_app(database_url)
    runner = app.test_cli_runner()
    for command in ("import-courses", "import-quizzes"):
        result = runner.invoke(args=["lms", command])
        assert result.exit_code == 0, result.output
    yield app
    empty_tables(app)


def _words(markdown: str) -> int:
    text = re.sub(r"`[^`]*`|!\[[^\]]*\]\([^)]*\)|\]\([^)]*\)|[#*|>\-_\[\]]", " ", markdown)
    return len(text.split())


@pytest.mark.parametrize("slug", COURSES)
def test_each_course_has_the_promised_shape(app, slug):
    with app.app_context():
        course = db.session.scalar(select(Course).filter_by(slug=slug))
        assert course.title_en and course.summary_en
        assert len(course.modules) >= 4
        lessons = db.session.scalars(select(Lesson).filter_by(course_id=course.id)).all()
        assert len(lessons) >= 12
        required = [lesson for lesson in lessons if lesson.required]
        average = sum(_words(lesson.current_version.body_md) for lesson in required) / len(required)
        assert average >= 250, average
        optional_titles = " ".join(lesson.title.lower() for lesson in lessons if not lesson.required)
        assert "thuật ngữ" in optional_titles  # the glossary
        assert "quyết định" in " ".join(lesson.current_version.body_md.lower() for lesson in lessons)
        assert course.completion["quizzes"] == [FINAL_QUIZ[slug]]


@pytest.mark.parametrize("slug", sorted(FINAL_QUIZ.values()))
def test_each_final_quiz_is_a_mixed_pool_with_teaching_feedback(app, slug):
    with app.app_context():
        quiz = db.session.scalar(select(Quiz).filter_by(slug=slug))
        assert quiz.pass_mark == 70 and quiz.max_attempts == 3
        specs = [question_spec(q) for q in active_questions(quiz)]
        assert len(specs) >= 20 and isinstance(quiz.draw, dict) and sum(quiz.draw.values()) == 15
        # Every final quiz draws from every module: one category per module (the criteria
        # course keeps its two overview modules in one GIFT category).
        course = db.session.get(Course, quiz.course_id)
        modules = len([m for m in course.modules if m.retired_at is None])
        assert len(quiz.draw) >= modules - 1 and min(quiz.draw.values()) >= 2, quiz.draw
        types = Counter(spec.qtype for spec in specs)
        for qtype in ("single", "multiple", "truefalse", "numeric", "matching", "short"):
            assert types[qtype] >= 1, (qtype, types)
        for spec in specs:
            feedback = spec.general_feedback or " ".join(c.feedback for c in spec.choices) or \
                spec.feedback_true or spec.feedback_false
            assert feedback and len(feedback) > 20, spec.ident

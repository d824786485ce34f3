"""Fixtures for the database-backed quiz tests: a course, enrolments, quiz files."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from sqlalchemy import select

from lms.assessments.models import Attempt, AttemptAnswer, Quiz
from lms.catalog.models import Course, Enrolment, Module
from lms.extensions import db
from tests.conftest import CSRF_RE
from tests.support.shared import shared_path

COURSE_SLUG = "khoa-hoc-thu"

ALL_TYPES_QUIZ = """
title: Kiểm tra thử
title_en: Trial test
course: khoa-hoc-thu
pass_mark: 50
shuffle_questions: false
shuffle_choices: false
review: answers
questions:
  - id: q-single
    type: single
    text: Chọn **một** đáp án.
    feedback: Giải thích chung.
    choices:
      - {text: "Đáp án A", correct: true, feedback: "Đúng rồi."}
      - {text: "Đáp án B", weight: 50}
      - {text: "Đáp án C", weight: -50}
  - id: q-multi
    type: multiple
    text: Chọn các đáp án đúng.
    choices:
      - {text: M1, weight: 50}
      - {text: M2, weight: 50}
      - {text: M3, weight: -100}
  - id: q-tf
    type: truefalse
    text: Trời xanh.
    answer: true
  - id: q-short
    type: short
    text: Thủ đô Việt Nam?
    answers:
      - Hà Nội
      - {text: Ha Noi, weight: 50}
  - id: q-num
    type: numeric
    text: Giá thành một hộp?
    numeric:
      - {value: 12500, tolerance: 0}
      - {min: 12000, max: 13000, weight: 50}
  - id: q-match
    type: matching
    text: Ghép đôi.
    pairs:
      - {left: L1, right: R1}
      - {left: L2, right: R2}
      - {right: R3}
  - id: q-essay
    type: essay
    text: Viết một đoạn văn.
"""


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


def enrol(app, user, course_id: int) -> None:
    with app.app_context():
        db.session.add(Enrolment(user_id=user.id, course_id=course_id))
        db.session.commit()


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def import_files(runner, *paths, check: bool = False):
    args = ["lms", "import-quizzes", *[str(p) for p in paths]]
    if check:
        args.append("--check")
    return runner.invoke(args=args)


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


def page_token(client, url: str) -> str:
    html = client.get(url).get_data(as_text=True)
    match = CSRF_RE.search(html)
    assert match, html[:500]
    return match.group(1)


def start(client, slug: str = "kiem-tra") -> int:
    token = page_token(client, f"/quizzes/{slug}")
    response = client.post(f"/quizzes/{slug}/start", data={"csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    location = response.headers["Location"]
    assert location.startswith("/attempts/"), location
    return int(location.rsplit("/", 1)[1])


def seq_of(client, attempt_id: int) -> int:
    html = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    import re

    return int(re.search(r'name="seq" type="hidden" value="(\d+)"', html).group(1))


def save(client, attempt_id: int, answers: dict, *, action: str = "save", seq: int | None = None):
    token = page_token(client, "/account")
    data = {"csrf_token": token, "seq": str(seq if seq is not None else seq_of(client, attempt_id)),
            "action": action, **answers}
    return client.post(f"/attempts/{attempt_id}", data=data)


def submit(client, attempt_id: int):
    token = page_token(client, "/account")
    return client.post(f"/attempts/{attempt_id}/submit", data={"csrf_token": token})


def get_attempt(app, attempt_id: int) -> Attempt:
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        db.session.expunge(attempt)
        return attempt


def answers_by_ident(app, attempt_id: int) -> dict[str, AttemptAnswer]:
    with app.app_context():
        rows = db.session.scalars(select(AttemptAnswer).where(AttemptAnswer.attempt_id == attempt_id)).all()
        result = {row.question.ident: row for row in rows}
        for row in rows:
            db.session.expunge(row)
        return result


@pytest.fixture
def moodle_gift_corpus() -> Path:
    """Moodle's GIFT files in ../shared/corpora/gift (skip, or fail under CI, without them)."""
    return shared_path("corpora", "gift")

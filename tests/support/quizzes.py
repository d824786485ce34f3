"""Quiz test helpers: the all-types quiz file, enrolments, quiz imports, and an attempt
driven through the pages (start, save, submit) as a learner's browser does."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

from sqlalchemy import select

from lms.assessments.models import Attempt, AttemptAnswer
from lms.catalog.models import Enrolment
from lms.extensions import db
from tests.support.client import csrf_token

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


def page_token(client, url: str) -> str:
    """The CSRF token of the form on ``url`` (any page of a signed-in learner will do)."""
    return csrf_token(client, url)


def start(client, slug: str = "kiem-tra") -> int:
    token = page_token(client, f"/quizzes/{slug}")
    response = client.post(f"/quizzes/{slug}/start", data={"csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    location = response.headers["Location"]
    assert location.startswith("/attempts/"), location
    return int(location.rsplit("/", 1)[1])


def seq_of(client, attempt_id: int) -> int:
    html = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
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

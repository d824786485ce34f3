"""Access matrix entries for quizzes, attempts, gradebooks and marking."""

from __future__ import annotations

import tempfile
from pathlib import Path

from tests.support.access import LOGGED_IN, Case, only

STAFF = ("trainer", "manager", "admin")
AUTHORS = ("trainer", "admin")


def _owner_only(ok: int = 200) -> dict[str, int]:
    return {"anonymous": 302, "learner": ok, "trainer": 403, "manager": 403, "admin": 403}


MATRIX = {
    "assessments.index": [Case("GET", "/quizzes", LOGGED_IN)],
    "assessments.quiz_page": [
        Case("GET", "/quizzes/{quiz_slug}", LOGGED_IN),
        Case("GET", "/quizzes/khong-co", {**LOGGED_IN, "learner": 404, "trainer": 404, "manager": 404, "admin": 404}),
    ],
    "assessments.start": [
        Case("POST", "/quizzes/{quiz_slug}/start",
             {"anonymous": 302, "learner": 302, "trainer": 302, "manager": 403, "admin": 302}),
    ],
    "assessments.attempt_page": [
        Case("GET", "/attempts/{open_attempt_id}", _owner_only()),
        Case("GET", "/attempts/999999", {**LOGGED_IN, "learner": 404, "trainer": 404, "manager": 404, "admin": 404}),
    ],
    # The matrix posts a form, not JSON: the owner gets 400, everyone else 403.
    "assessments.autosave": [Case("POST", "/attempts/{open_attempt_id}/autosave", _owner_only(400))],
    "assessments.submit": [Case("GET", "/attempts/{open_attempt_id}/submit", _owner_only())],
    # Managers see the attempts of their area's people only; the matrix learner has none.
    "assessments.review": [
        Case("GET", "/attempts/{done_attempt_id}/review", {**LOGGED_IN, "manager": 403}),
    ],
    "assessments.gradebook": [Case("GET", "/quizzes/{quiz_slug}/gradebook", only(STAFF))],
    "assessments.gradebook_export": [
        Case("GET", "/quizzes/{quiz_slug}/gradebook.csv", only(STAFF)),
        Case("GET", "/quizzes/{quiz_slug}/gradebook.xlsx", only(STAFF)),
        Case("GET", "/quizzes/{quiz_slug}/gradebook.pdf", {**only(STAFF), "trainer": 404, "manager": 404, "admin": 404}),
    ],
    "assessments.statistics": [Case("GET", "/quizzes/{quiz_slug}/statistics", only(STAFF))],
    "assessments.export_gift": [Case("GET", "/quizzes/{quiz_slug}/export.gift", only(AUTHORS))],
    "assessments.grading_queue": [Case("GET", "/marking", only(AUTHORS))],
    "assessments.grade_essay": [Case("GET", "/marking/{essay_answer_id}", only(AUTHORS))],
}

QUIZ = """\
title: Ma trận quyền
course: ma-tran-quyen
questions:
  - {id: a, type: truefalse, text: "Đúng?", answer: true}
  - {id: b, type: essay, text: "Viết."}
"""


def objects(app, users) -> dict:
    from sqlalchemy import select

    from lms.assessments import services
    from lms.assessments.models import AttemptAnswer, Question, Quiz
    from lms.auth.models import User
    from lms.catalog.models import Course, Enrolment
    from lms.extensions import db

    with app.app_context():
        course = Course(slug="ma-tran-quyen", title="Ma trận", summary="")
        db.session.add(course)
        db.session.flush()
        learner = db.session.get(User, users["learner"].id)
        db.session.add(Enrolment(user_id=learner.id, course_id=course.id))
        folder = Path(tempfile.mkdtemp())
        (folder / "ma-tran.yaml").write_text(QUIZ, encoding="utf-8")
        services.import_quizzes([folder / "ma-tran.yaml"])
        quiz = db.session.scalar(select(Quiz).where(Quiz.slug == "ma-tran"))
        done = services.start_attempt(learner, quiz)
        services.save_answers(done, {1: "true", 2: "Bài viết."} if done.layout[0]["q"] == _qid(quiz, "a") else
                              {1: "Bài viết.", 2: "true"}, 1)
        services.submit_attempt(done)
        opened = services.start_attempt(learner, quiz)
        essay = db.session.scalar(
            select(AttemptAnswer.id).join(Question).where(AttemptAnswer.attempt_id == done.id, Question.ident == "b")
        )
        values = {"quiz_slug": quiz.slug, "done_attempt_id": done.id, "open_attempt_id": opened.id,
                  "essay_answer_id": essay}
        db.session.commit()
        return values


def _qid(quiz, ident: str) -> int:
    from sqlalchemy import select

    from lms.assessments.models import Question
    from lms.extensions import db

    return db.session.scalar(select(Question.id).where(Question.quiz_id == quiz.id, Question.ident == ident))

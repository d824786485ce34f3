"""Gradebook, item analysis on a hand-computed example, and spreadsheet exports."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from lms.assessments import queries
from lms.assessments.models import Quiz
from lms.extensions import db
from tests.support.client import login
from tests.support.quizzes import enrol, save, start, submit

QUIZ = """
title: Thống kê
course: khoa-hoc-thu
pass_mark: 60
shuffle_questions: false
shuffle_choices: false
questions:
  - {id: q1, type: truefalse, text: 'Một?', answer: true}
  - {id: q2, type: truefalse, text: 'Hai?', answer: true}
  - id: q3
    type: single
    text: Ba?
    choices:
      - {text: A, correct: true}
      - {text: B, weight: 50}
      - {text: C}
"""

# Four learners (q1, q2, q3) → totals 3, 1.5, 1, 0.5.
RESPONSES = [
    ("true", "true", "0"),
    ("true", "false", "1"),
    ("false", "true", "2"),
    ("false", "false", "1"),
]


@pytest.fixture
def taken(app, make_user, course_id, make_quiz):
    make_quiz(QUIZ, slug="thong-ke")
    names = ["=HYPERLINK(\"http://evil\")", "+Lê Văn Hai", "@Trần Ba", "-Phạm Bốn"]
    for n, (names_, answers) in enumerate(zip(names, RESPONSES, strict=True)):
        user = make_user(("learner",), email=f"hoc{n}@example.vn", name=names_)
        enrol(app, user, course_id)
        client = app.test_client()
        login(client, f"hoc{n}@example.vn")
        attempt_id = start(client, "thong-ke")
        save(client, attempt_id, {"s1": answers[0], "s2": answers[1], "s3": answers[2]})
        submit(client, attempt_id)
    # An enrolled learner who has not started shows up with no attempt.
    enrol(app, make_user(("learner",), email="chua@example.vn", name="Chưa Làm"), course_id)


def test_item_analysis_matches_the_hand_computation(app, taken, users):
    with app.app_context():
        quiz = db.session.scalar(db.select(Quiz).where(Quiz.slug == "thong-ke"))
        stats = {s.question.ident: s for s in queries.item_analysis(quiz, users["trainer"])}
    # q1: x = 1,1,0,0; rest y = 2, .5, 1, .5 → F = 50, r = .5 / sqrt(1 × 1.5) = 0.40825
    assert stats["q1"].facility == pytest.approx(50.0)
    assert stats["q1"].discrimination == pytest.approx(40.8248, abs=1e-3)
    # q2: x = 1,0,1,0; y = 2, 1.5, 0, .5 → deviations (.5,-.5,.5,-.5)·(1,.5,-1,-.5) = 0 → r = 0
    assert stats["q2"].facility == pytest.approx(50.0)
    assert stats["q2"].discrimination == pytest.approx(0.0, abs=1e-9)
    # q3: x = 1, .5, 0, .5; y = 2, 1, 1, 0 → r = .5 / sqrt(.5 × 2) = 0.5
    assert stats["q3"].facility == pytest.approx(50.0)
    assert stats["q3"].discrimination == pytest.approx(50.0, abs=1e-6)
    assert [o.count for o in stats["q3"].options] == [1, 2, 1]
    assert [o.count for o in stats["q1"].options] == [2, 2]

    trainer = app.test_client()
    login(trainer, "trainer@example.vn")
    html = trainer.get("/quizzes/thong-ke/statistics").get_data(as_text=True)
    assert "40.8" in html and "0.0" in html and "50.0 %" in html


def test_gradebook_page_and_exports_neutralise_formulas(app, users, taken):
    # A trainer sees every learner (a manager only those of their area: tests/test_object_access.py).
    manager = app.test_client()
    login(manager, "trainer@example.vn")
    html = manager.get("/quizzes/thong-ke/gradebook").get_data(as_text=True)
    assert "Chưa Làm" in html and "100.0 %" in html and "16.7 %" in html

    response = manager.get("/quizzes/thong-ke/gradebook.csv")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    names = {row[0] for row in rows[1:]}
    assert {"'=HYPERLINK(\"http://evil\")", "'+Lê Văn Hai", "'@Trần Ba", "'-Phạm Bốn", "Chưa Làm"} == names
    best = {row[0]: row[3] for row in rows[1:]}
    assert best["'=HYPERLINK(\"http://evil\")"] == "100.0" and best["Chưa Làm"] == ""

    response = manager.get("/quizzes/thong-ke/gradebook.xlsx")
    book = load_workbook(io.BytesIO(response.get_data()))
    values = [[cell.value for cell in row] for row in book.active.iter_rows()]
    for row in values[1:]:
        assert not str(row[0]).startswith(("=", "+", "-", "@")), row
    assert any(row[0] == "'=HYPERLINK(\"http://evil\")" and row[3] == 100.0 for row in values)

    # Both files are disclosures of personal data: audited (who, which quiz, how many rows).
    from sqlalchemy import select

    from lms.core.audit import AuditLog

    with app.app_context():
        entries = [(e.actor_id, e.action, e.details) for e in db.session.scalars(
            select(AuditLog).where(AuditLog.action.startswith("disclosure.")).order_by(AuditLog.id))]
    assert entries == [(users["trainer"].id, f"disclosure.gradebook.{fmt}", {"filters": {"quiz": "thong-ke"}, "rows": 5})
                       for fmt in ("csv", "xlsx")]


def test_neutralise_handles_every_prefix():
    from lms.core.exports import neutralise

    for prefix in ("=", "+", "-", "@", "\t", "\r"):
        assert neutralise(prefix + "x") == "'" + prefix + "x"
    assert neutralise("An") == "An" and neutralise(-5) == -5 and neutralise(None) is None

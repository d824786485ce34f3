"""A new question type touches one module and one template: this module defines a toy
type, registers it with its macros, and takes a quiz with it over HTTP (start, save,
submit, review), as any built-in type."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from jinja2 import ChoiceLoader, FileSystemLoader

from lms.assessments import questions
from lms.assessments.questions import Grade, QuestionSpec, QuestionType, Review
from tests.support.client import login
from tests.support.quizzes import answers_by_ident, enrol, get_attempt, save, start, submit


class YesNo(QuestionType):
    """Toy type: answer yes or no; the YAML key ``yes`` says which is right."""

    name = "toy-yesno"
    label = "Yes / no (toy)"
    template = "toy-yesno.html"
    yaml_keys = ("yes",)

    @classmethod
    def read_yaml(cls, spec: QuestionSpec, values: dict[str, Any]) -> list[str]:
        if not isinstance(values.get("yes"), bool):
            return ["yes: must be true or false"]
        spec.correct = values["yes"]
        return []

    @classmethod
    def check(cls, spec: QuestionSpec) -> list[str]:
        return super().check(spec) + ([] if isinstance(spec.correct, bool) else ["no answer"])

    @classmethod
    def validate_response(cls, spec: QuestionSpec, raw: Any) -> bool | None:
        if raw in (None, ""):
            return None
        if raw not in ("yes", "no"):
            raise ValueError("yes or no")
        return raw == "yes"

    @classmethod
    def grade(cls, spec: QuestionSpec, response: bool | None) -> Grade:
        return Grade(0.0 if response is None else float(response == spec.correct))

    @classmethod
    def attempt_fields(cls, spec, html, entry, response) -> dict[str, Any]:
        return {"value": response}

    @classmethod
    def review(cls, spec, html, entry, response, *, show, comment=None) -> Review:
        text = None if response is None else ("yes" if response else "no")
        return Review(response_text=text, right_answers=["yes" if spec.correct else "no"] if show else [])


QUIZ = """
title: Toy
course: khoa-hoc-thu
pass_mark: 50
shuffle_questions: false
review: answers_always
questions:
  - {id: toy-1, type: toy-yesno, text: 'Is the sky blue?', 'yes': true}
  - {id: toy-2, type: toy-yesno, text: 'Is grass red?', 'yes': false}
"""


@pytest.fixture
def toy_type(app, monkeypatch):
    monkeypatch.setitem(questions.QUESTION_TYPES, YesNo.name, YesNo)
    folder = Path(__file__).parent / "toy_templates"
    monkeypatch.setattr(app.jinja_env, "loader", ChoiceLoader([FileSystemLoader(folder), app.jinja_env.loader]))
    return YesNo


def test_a_registered_toy_type_goes_through_an_attempt(app, client, users, course_id, make_quiz, toy_type):
    enrol(app, users["learner"], course_id)
    login(client, "learner@example.vn")
    make_quiz(QUIZ, slug="toy")
    attempt_id = start(client, "toy")

    page = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    assert page.count("toy-yes</span>") == 2 and 'name="s1" value="yes"' in page

    assert save(client, attempt_id, {"s1": "maybe"}).status_code == 302  # unreadable: refused, not saved
    assert "toy-1" not in answers_by_ident(app, attempt_id)
    save(client, attempt_id, {"s1": "yes", "s2": "yes"})
    page = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    assert page.count(" checked>") == 2  # the saved answers are shown again

    assert submit(client, attempt_id).status_code == 302
    fractions = {ident: a.fraction for ident, a in answers_by_ident(app, attempt_id).items()}
    assert fractions == {"toy-1": 1.0, "toy-2": 0.0}
    attempt = get_attempt(app, attempt_id)
    assert attempt.status == "graded" and attempt.score == 50.0 and attempt.passed is True

    review = client.get(f"/attempts/{attempt_id}/review").get_data(as_text=True)
    assert review.count("toy-answer: yes") == 2
    assert "Is grass red?" in review

    # The item analysis lists the toy questions with the default contribution (no options).
    trainer = app.test_client()
    login(trainer, "trainer@example.vn")
    stats = trainer.get("/quizzes/toy/statistics")
    assert stats.status_code == 200 and "Is grass red?" in stats.get_data(as_text=True)

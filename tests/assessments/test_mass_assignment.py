"""Extra form fields change nothing a learner should not change (mass assignment).

A learner's attempt save, autosave and submit carry additional fields — ``user_id``,
``score``, ``passed``, ``points``, ``role``, ``person_id``, ``status``, ``attempt_id`` —
and the attempt still belongs to the learner, is scored by the grader alone, and another
learner's attempt is untouched.
"""

from __future__ import annotations

import pytest

from tests.support.client import login
from tests.support.quizzes import (
    answers_by_ident,
    enrol,
    get_attempt,
    page_token,
    save,
    seq_of,
    start,
    submit,
)

EXTRA = {"user_id": "{other}", "score": "100", "passed": "y", "points": "999", "max_points": "1",
         "role": "admin", "roles": "admin", "person_id": "{other_person}", "status": "graded",
         "attempt_id": "{other_attempt}", "unit": "1", "active": "0"}


@pytest.fixture
def two_learners(app, users, course_id, make_user, make_quiz):
    make_quiz()
    other = make_user(("learner",), email="other@example.vn")
    enrol(app, users["learner"], course_id)
    enrol(app, other, course_id)
    mine, theirs = app.test_client(), app.test_client()
    login(mine, "learner@example.vn")
    login(theirs, "other@example.vn")
    their_attempt = start(theirs)
    save(theirs, their_attempt, {"s4": "THEIRS"})
    return mine, users["learner"], other, their_attempt


def _extra(other, their_attempt):
    values = {"other": other.id, "other_person": other.person_id, "other_attempt": their_attempt}
    return {key: value.format(**values) for key, value in EXTRA.items()}


def test_extra_fields_in_save_and_submit_change_nothing(app, two_learners):
    client, me, other, their_attempt = two_learners
    attempt_id = start(client)
    response = save(client, attempt_id, {"s4": "MINE", **_extra(other, their_attempt)})
    assert response.status_code in (200, 302)
    token = page_token(client, "/account")
    response = client.post(f"/attempts/{attempt_id}/autosave", headers={"X-CSRFToken": token},
                           json={"seq": seq_of(client, attempt_id), "fields": [["s4", "MINE2"]],
                                 **_extra(other, their_attempt)})
    assert response.status_code in (200, 409)
    before = get_attempt(app, attempt_id)
    assert (before.status, before.score, before.passed, before.points) == ("open", None, None, None)
    assert before.user_id == me.id

    token = page_token(client, "/account")
    response = client.post(f"/attempts/{attempt_id}/submit",
                           data={"csrf_token": token, **_extra(other, their_attempt)})
    assert response.status_code == 302
    after = get_attempt(app, attempt_id)
    assert after.user_id == me.id
    assert after.score is not None and after.score < 100  # graded by the grader: one short answer of seven
    assert after.points != 999

    theirs = get_attempt(app, their_attempt)
    assert (theirs.status, theirs.user_id, theirs.score) == ("open", other.id, None)
    assert answers_by_ident(app, their_attempt)["q-short"].response == "THEIRS"


def test_a_learner_cannot_post_to_another_learners_attempt(app, two_learners):
    client, _me, other, their_attempt = two_learners
    start(client)
    assert save(client, their_attempt, {"s4": "HIJACK"}, seq=99).status_code in (403, 404)
    assert submit(client, their_attempt).status_code in (403, 404)
    assert answers_by_ident(app, their_attempt)["q-short"].response == "THEIRS"
    assert get_attempt(app, their_attempt).status == "open"

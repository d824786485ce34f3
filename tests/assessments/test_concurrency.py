"""Concurrent submits, saves and starts of one attempt (threads; SQLite and PostgreSQL)."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from lms.assessments.models import Attempt, AttemptAnswer
from lms.core.audit import AuditLog
from lms.extensions import db
from tests.support.client import login
from tests.support.quizzes import enrol, get_attempt, page_token, start


def _clients(app, n: int, login_name: str):
    clients = []
    for _ in range(n):
        client = app.test_client()
        login(client, login_name)
        clients.append((client, page_token(client, "/account")))
    return clients


def _run(targets) -> list:
    results: list = [None] * len(targets)
    barrier = threading.Barrier(len(targets))

    def run(i, fn):
        barrier.wait()
        try:
            results[i] = fn()
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(targets)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def test_concurrent_double_submit_grades_once(app, users, course_id, make_quiz):
    make_quiz()
    enrol(app, users["learner"], course_id)
    owner = app.test_client()
    login(owner, "learner@example.vn")
    attempt_id = start(owner)
    token = page_token(owner, "/account")
    owner.post(f"/attempts/{attempt_id}/autosave", json={"seq": 1, "fields": [["s1", "0"], ["s3", "true"]]},
               headers={"X-CSRFToken": token})
    clients = _clients(app, 5, "learner@example.vn")
    responses = _run([
        (lambda c=c, t=t: c.post(f"/attempts/{attempt_id}/submit", data={"csrf_token": t})) for c, t in clients
    ])
    assert all(not isinstance(r, Exception) for r in responses), responses
    assert {r.status_code for r in responses} == {302}
    assert {r.headers["Location"] for r in responses} == {f"/attempts/{attempt_id}/review"}
    with app.app_context():
        submits = db.session.scalar(
            select(func.count()).select_from(AuditLog).where(AuditLog.action == "attempt.submit")
        )
        rows = db.session.scalar(
            select(func.count()).select_from(AttemptAnswer).where(AttemptAnswer.attempt_id == attempt_id)
        )
    attempt = get_attempt(app, attempt_id)
    assert submits == 1
    assert rows == len(attempt.layout)  # one row per question, none twice
    assert attempt.status == "graded" and attempt.points == 2.0


def test_concurrent_saves_keep_the_highest_sequence(app, users, course_id, make_quiz):
    make_quiz()
    enrol(app, users["learner"], course_id)
    owner = app.test_client()
    login(owner, "learner@example.vn")
    attempt_id = start(owner)
    clients = _clients(app, 6, "learner@example.vn")
    url = f"/attempts/{attempt_id}/autosave"
    answers = ["0", "1", "2", "0", "1", "2"]
    responses = _run([
        (lambda c=c, t=t, seq=seq: c.post(url, json={"seq": seq, "fields": [["s1", answers[seq - 1]], ["s4", f"v{seq}"]]},
                                          headers={"X-CSRFToken": t}))
        for seq, (c, t) in enumerate(clients, start=1)
    ])
    assert {r.status_code for r in responses} == {200}
    with app.app_context():
        rows = db.session.scalars(select(AttemptAnswer).where(AttemptAnswer.attempt_id == attempt_id)).all()
        by_seq = {row.seq for row in rows}
        short = next(row for row in rows if row.response_key and row.response_key.startswith("v"))
    assert by_seq == {6} and short.response == "v6"


def test_concurrent_starts_create_one_attempt(app, users, course_id, make_quiz):
    make_quiz()
    enrol(app, users["learner"], course_id)
    clients = _clients(app, 4, "learner@example.vn")
    responses = _run([
        (lambda c=c, t=t: c.post("/quizzes/kiem-tra/start", data={"csrf_token": t})) for c, t in clients
    ])
    assert {r.status_code for r in responses} == {302}
    assert len({r.headers["Location"] for r in responses}) == 1
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Attempt)) == 1

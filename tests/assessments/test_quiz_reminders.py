"""The quizzes-closing rule of ``flask lms remind``."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select

from lms.assessments.models import Quiz
from lms.extensions import db
from lms.messages.models import Message
from tests.support.client import login
from tests.support.quizzes import enrol, start

CLOSES = datetime(2026, 3, 20, 16, 59, tzinfo=UTC)  # 23:59 in Hà Nội


def _remind(runner, day):
    result = runner.invoke(args=["lms", "remind", "--as-of", day.isoformat(), "--rule", "quizzes-closing"])
    assert result.exit_code == 0, result.output
    return result.output


def _close(app, quiz_id):
    """The attempt was started before; the quiz closes on CLOSES (a date in the tests' past)."""
    with app.app_context():
        db.session.get(Quiz, quiz_id).closes_at = CLOSES
        db.session.commit()


def _sent(app):
    with app.app_context():
        return [(m.template, m.user_id, m.body) for m in db.session.scalars(
            select(Message).where(Message.template == "quiz_closing"))]


def test_an_open_attempt_is_reminded_once_within_three_days_of_closing(app, client, runner, make_user,
                                                                     make_quiz, course_id):
    learner = make_user(email="hv@example.vn")
    other = make_user(email="hv2@example.vn")
    quiz_id = make_quiz()
    enrol(app, learner, course_id)
    enrol(app, other, course_id)
    login(client, "hv@example.vn")
    attempt_id = start(client)
    _close(app, quiz_id)
    _remind(runner, date(2026, 3, 16))
    assert _sent(app) == []
    _remind(runner, date(2026, 3, 17))
    _remind(runner, date(2026, 3, 18))
    ((template, user_id, body),) = _sent(app)
    assert user_id == learner.id and f"/attempts/{attempt_id}" in body and "23:59" in body and "20/03/2026" in body


def test_a_submitted_attempt_is_not_reminded(app, client, runner, make_user, make_quiz, course_id):
    learner = make_user(email="hv@example.vn")
    quiz_id = make_quiz()
    enrol(app, learner, course_id)
    login(client, "hv@example.vn")
    attempt_id = start(client)
    _close(app, quiz_id)
    with app.app_context():
        from lms.assessments.models import Attempt

        db.session.get(Attempt, attempt_id).status = "submitted"
        db.session.commit()
    _remind(runner, date(2026, 3, 18))
    assert _sent(app) == []


def test_opted_out_or_disabled_learner_is_not_reminded(app, client, runner, make_user, make_quiz, course_id):
    from lms.auth.models import User
    from lms.messages import services

    learner = make_user(email="hv@example.vn")
    other = make_user(email="hv2@example.vn")
    quiz_id = make_quiz()
    for user, login_name in ((learner, "hv@example.vn"), (other, "hv2@example.vn")):
        enrol(app, user, course_id)
        c = app.test_client()
        login(c, login_name)
        start(c)
    _close(app, quiz_id)
    with app.app_context():
        services.set_reminders(learner.id, False)
        db.session.get(User, other.id).active = False
        db.session.commit()
    out = _remind(runner, date(2026, 3, 18))
    assert _sent(app) == [] and "reminders off 1" in out

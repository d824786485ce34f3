"""The "required courses not done" rule of ``flask lms remind``."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from lms.auth.models import User
from lms.coverage import services as coverage_services
from lms.extensions import db
from lms.messages.models import Message
from tests.support import registry as r

START = date(2026, 1, 5)


@pytest.fixture
def learner(app, make_user):
    """A leader with an account, required to complete courses a and b since START."""
    user = make_user(email="hoa@example.vn", name="Nguyễn Thị Hoa")
    with app.app_context():
        r.load_test_units()
        r.course("a").title = "An toàn thực phẩm"
        r.course("b")
        coverage_services.set_requirement("enterprise_leader", ["a", "b"])
        p = db.session.get(User, user.id).person
        p.target_group, p.unit_id, p.active_from = "enterprise_leader", r.unit(r.HOME_COMMUNE).id, START
        db.session.commit()
        return {"user_id": user.id, "person_id": p.id}


def remind(runner, day: date, *extra):
    result = runner.invoke(args=["lms", "remind", "--as-of", day.isoformat(), "--rule", "required-courses", *extra])
    assert result.exit_code == 0, result.output
    return result.output


def messages(app) -> list[Message]:
    with app.app_context():
        return list(db.session.scalars(select(Message).where(Message.topic.like("courses%")).order_by(Message.id)))


def test_not_due_before_the_delay_then_due_once_per_period(app, runner, learner):
    assert "nothing due" in remind(runner, START + timedelta(days=13))
    assert messages(app) == []
    remind(runner, START + timedelta(days=14))
    remind(runner, START + timedelta(days=14))  # re-run the same day
    remind(runner, START + timedelta(days=20))  # same period
    sent = messages(app)
    assert len(sent) == 1
    m = sent[0]
    assert m.kind == "reminder" and m.channel == "inapp" and m.person_id == learner["person_id"]
    assert "An toàn thực phẩm" in m.body and "/my-learning" in m.body
    assert m.idempotency_key == f"courses:{learner['person_id']}:p0"
    remind(runner, START + timedelta(days=28))
    assert len(messages(app)) == 2


def test_at_most_k_reminders(app, runner, learner):
    for k in range(8):
        remind(runner, START + timedelta(days=14 + 14 * k))
    assert len(messages(app)) == 4


def test_urgent_in_the_last_days_before_the_deadline(app, runner, learner):
    deadline = START + timedelta(days=100)
    with app.app_context():
        coverage_services.set_requirement("enterprise_leader", ["a", "b"], deadline=deadline)
        db.session.commit()
    remind(runner, deadline - timedelta(days=30))
    remind(runner, deadline - timedelta(days=23))  # urgent reminders come every 7 days
    sent = messages(app)
    assert [m.topic for m in sent] == ["courses-urgent", "courses-urgent"]
    assert "30" in sent[0].body and sent[0].subject.startswith("Sắp hết hạn")


def test_opted_out_learner_is_not_reminded(app, runner, learner):
    from lms.messages import services

    with app.app_context():
        services.set_reminders(learner["user_id"], False)
        db.session.commit()
    out = remind(runner, START + timedelta(days=14))
    assert messages(app) == [] and "reminders off 1" in out


@pytest.mark.parametrize("change", ["withdrawn", "inactive_account", "trained"])
def test_withdrawn_inactive_or_trained_people_are_not_reminded(app, runner, learner, change):
    with app.app_context():
        p = db.session.get(User, learner["user_id"]).person
        if change == "withdrawn":
            p.active_until = START + timedelta(days=10)
        elif change == "inactive_account":
            db.session.get(User, learner["user_id"]).active = False
        else:
            r.complete(p, "a", START)
            r.complete(p, "b", START)
        db.session.commit()
    remind(runner, START + timedelta(days=14))
    assert messages(app) == []


def test_dry_run_counts_by_unit_and_channel_and_queues_nothing(app, runner, learner):
    out = remind(runner, START + timedelta(days=14), "--dry-run")
    assert "required-courses: 1 would be queued" in out and "inapp 1" in out
    assert messages(app) == []


def test_sms_when_a_gateway_is_configured(app, runner, learner):
    app.config.update(SMS_GATEWAY_URL="http://127.0.0.1:9/send", SMS_GATEWAY_TOKEN="t")
    with app.app_context():
        db.session.get(User, learner["user_id"]).person.phone = "0987654321"
        db.session.commit()
    remind(runner, START + timedelta(days=14))
    (m,) = messages(app)
    assert m.channel == "sms" and m.body.isascii() and "An toan thuc pham" in m.body

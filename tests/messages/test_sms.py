"""SMS through a local HTTP gateway: the JSON contract, accent-free text, retries, quiet hours."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from lms.extensions import db
from lms.messages import sender
from lms.messages import services as messages
from lms.messages.channels import in_quiet_hours
from tests.messages.helpers import ACTIVATION, rows
from tests.support.mailboxes import GATEWAY_TOKEN

# Messages are queued now: the sender's clock is set to tomorrow, 10:00 and 22:00 in Hanoi (UTC+7).
_TOMORROW = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
DAY = _TOMORROW + timedelta(hours=3)
NIGHT = _TOMORROW + timedelta(hours=15)


def _queue(app, key="activation:7", **extra):
    with app.app_context():
        msg = messages.enqueue("activation", "activation", phone="0912 345 678", email="hoa@example.vn",
                               context=ACTIVATION, idempotency_key=key, **extra)
        db.session.commit()
        return msg.id


def _send(app, now, limit=None):
    with app.app_context():
        return sender.send_pending(limit, now=now)


def test_gateway_contract_and_accent_free_text(app, sms_gateway, smtp_server):
    _queue(app)
    stats = _send(app, DAY)
    assert (stats.sent, stats.by_channel) == (1, {"sms": 1})
    [request] = sms_gateway.requests
    assert request["path"] == "/sms"
    assert request["headers"]["Authorization"] == f"Bearer {GATEWAY_TOKEN}"
    assert request["headers"]["Content-Type"] == "application/json"
    body = request["json"]
    assert set(body) == {"id", "to", "text"}
    assert body["id"] == "activation:7" and body["to"] == "+84912345678"
    assert body["text"].isascii() and len(body["text"]) <= 160
    assert body["text"].startswith("OCOP: Ma kich hoat tai khoan cua anh/chi la 7KQ4-M2XP, dung den 31/03/2026.")
    assert "https://daotao.example.vn/kich-hoat" in body["text"]
    assert smtp_server.received == []  # one channel only: the best one
    with app.app_context():
        [row] = rows()
        assert (row.status, row.provider_ref, row.address) == ("sent", "gw-1", "0912345678")


def test_server_errors_are_retried_with_backoff(app, sms_gateway):
    sms_gateway.answer(500, 503)
    _queue(app)
    stats = _send(app, DAY)
    assert (stats.sent, stats.retried) == (0, 1)
    with app.app_context():
        [row] = rows()
        assert (row.status, row.attempts) == ("queued", 1)
        assert row.next_try_at == DAY + timedelta(seconds=120)
        assert "500" in row.last_error
        assert "7KQ4-M2XP" in row.body  # kept to be sent again
    # Not due yet: nothing is tried.
    assert _send(app, DAY + timedelta(seconds=60)).claimed == 0
    assert _send(app, DAY + timedelta(seconds=120)).retried == 1
    with app.app_context():
        [row] = rows()
        assert row.attempts == 2 and row.next_try_at == DAY + timedelta(seconds=120 + 240)
    assert _send(app, DAY + timedelta(seconds=360)).sent == 1
    assert len(sms_gateway.requests) == 3
    # The gateway got the same id every time: it can tell a repeat.
    assert {r["json"]["id"] for r in sms_gateway.requests} == {"activation:7"}
    with app.app_context():
        [row] = rows()
        assert (row.status, row.attempts, row.last_error) == ("sent", 3, None)


def test_gives_up_after_the_last_attempt(app, sms_gateway):
    app.config["MESSAGES_MAX_ATTEMPTS"] = 3
    sms_gateway.answer(500, 500, 500)
    _queue(app)
    now = DAY
    for _ in range(3):
        _send(app, now)
        now += timedelta(hours=1)
    with app.app_context():
        [row] = rows()
        assert (row.status, row.attempts) == ("failed", 3)
    assert _send(app, now).claimed == 0
    assert len(sms_gateway.requests) == 3
    # An administrator retries failed messages: queued again with fresh attempts.
    with app.app_context():
        assert messages.retry_failed() == 1
        db.session.commit()
    assert _send(app, now).sent == 1


def test_refusal_fails_at_once(app, sms_gateway):
    sms_gateway.answer(400)
    _queue(app)
    stats = _send(app, DAY)
    assert stats.failed == 1
    with app.app_context():
        [row] = rows()
        assert row.status == "failed" and "400" in row.last_error


def test_too_many_requests_is_retried(app, sms_gateway):
    sms_gateway.answer(429)
    _queue(app)
    assert _send(app, DAY).retried == 1


def test_quiet_hours_sms_wait_email_goes(app, sms_gateway, smtp_server):
    _queue(app, "sms:1")
    _queue(app, "mail:1", channel="email")
    stats = _send(app, NIGHT)
    assert stats.by_channel == {"email": 1}
    assert sms_gateway.requests == [] and len(smtp_server.received) == 1
    with app.app_context():
        assert [r.status for r in rows()] == ["queued", "sent"]
    # 06:59 is still quiet; 07:00 is not.
    assert _send(app, _TOMORROW + timedelta(hours=23, minutes=59)).claimed == 0
    assert _send(app, _TOMORROW + timedelta(hours=24)).by_channel == {"sms": 1}
    assert len(sms_gateway.requests) == 1


def test_quiet_hours_boundaries(app):
    config = {"SMS_QUIET_HOURS": "21:00-07:00", "BABEL_DEFAULT_TIMEZONE": "Asia/Ho_Chi_Minh"}
    local = [(13, 59, False), (14, 0, True), (20, 0, True), (23, 59, True), (0, 0, False)]
    for hour, minute, quiet in local:
        assert in_quiet_hours(datetime(2026, 3, 10, hour, minute, tzinfo=UTC), config) is quiet, (hour, minute)
    assert not in_quiet_hours(NIGHT, {**config, "SMS_QUIET_HOURS": "off"})


def test_a_sent_code_is_kept_nowhere_but_a_reminder_keeps_its_text(app, sms_gateway):
    _queue(app)
    with app.app_context():
        messages.enqueue("reminder", "activation", phone="0912 345 679", context=ACTIVATION,
                         idempotency_key="reminder:1")
        db.session.commit()
    assert _send(app, DAY).sent == 2
    assert sum("7KQ4-M2XP" in r["json"]["text"] for r in sms_gateway.requests) == 2
    with app.app_context():
        sent = {row.kind: row for row in rows()}
        # The activation code reached its phone: the outbox row keeps the facts, not the text.
        assert (sent["activation"].status, sent["activation"].body, sent["activation"].body_html) == ("sent", "", None)
        assert sent["activation"].subject == sent["reminder"].subject
        assert "7KQ4-M2XP" in sent["reminder"].body

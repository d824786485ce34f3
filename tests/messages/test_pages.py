"""Notifications (bell, list, mark read), the reminders switch, the outbox page, the person panel."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from lms.core.audit import AuditLog
from lms.extensions import db
from lms.messages import services
from lms.messages.models import FAILED, Message, MessageOptOut
from tests.messages.helpers import ACTIVATION
from tests.support.client import csrf_token, login, post_form

REMINDER = {"full_name": "Hoa", "courses": ["An toàn thực phẩm"], "url": "https://x.vn/my-learning",
            "account_url": "https://x.vn/account", "deadline": None, "urgent": False, "number": 1, "days_left": None}


@pytest.fixture
def app_config():
    return {}  # in-app only: no SMTP, no SMS gateway


def _inapp(app, user, key, **extra):
    with app.app_context():
        m = services.enqueue("reminder", "reminder_courses", user_id=user.id, person_id=user.person_id,
                             context={**REMINDER, **extra}, idempotency_key=key)
        db.session.commit()
        return m.id


def test_bell_counts_unread_and_the_list_marks_read(app, client, users):
    learner = users["learner"]
    first = _inapp(app, learner, "k1")
    _inapp(app, learner, "k2")
    _inapp(app, users["trainer"], "k3")
    login(client, "learner@example.vn")
    home = client.get("/account").get_data(as_text=True)
    assert 'class="badge">2<' in home
    page = client.get("/notifications").get_data(as_text=True)
    assert page.count('data-testid="notification"') == 2 and "An toàn thực phẩm" in page
    post_form(client, "/notifications/read", {"message_id": str(first)}, token_from="/notifications")
    assert 'class="badge">1<' in client.get("/account").get_data(as_text=True)
    post_form(client, "/notifications/read", {}, token_from="/notifications")
    assert 'class="badge"' not in client.get("/account").get_data(as_text=True)
    with app.app_context():
        other = db.session.scalar(select(Message).where(Message.idempotency_key == "k3"))
        assert other.read_at is None  # another user's notification is untouched


def test_marking_someone_elses_notification_does_nothing(app, client, users):
    theirs = _inapp(app, users["trainer"], "k3")
    login(client, "learner@example.vn")
    post_form(client, "/notifications/read", {"message_id": str(theirs)}, token_from="/notifications")
    with app.app_context():
        assert db.session.get(Message, theirs).read_at is None


def test_reminders_switch_on_the_account_page(app, client, users):
    learner = users["learner"]
    login(client, "learner@example.vn")
    assert "Tắt lời nhắc" in client.get("/account").get_data(as_text=True)
    response = post_form(client, "/account/reminders", {"reminders": "off"}, token_from="/account")
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(MessageOptOut, learner.id) is not None
        assert services.enqueue("reminder", "reminder_courses", user_id=learner.id, context=REMINDER,
                                idempotency_key="after-off") is None
        # Account messages still go.
        assert services.enqueue("activation", "activation", user_id=learner.id, context=ACTIVATION,
                                idempotency_key="activation-after-off") is not None
        db.session.commit()
    assert "Bật lời nhắc" in client.get("/account").get_data(as_text=True)
    post_form(client, "/account/reminders", {"reminders": "on"}, token_from="/account")
    with app.app_context():
        assert db.session.get(MessageOptOut, learner.id) is None


def test_outbox_filters_shows_failures_and_retries(app, client, users):
    ok = _inapp(app, users["learner"], "k1")
    failed = _inapp(app, users["trainer"], "k2")
    with app.app_context():
        m = db.session.get(Message, failed)
        m.status, m.attempts, m.last_error = FAILED, 8, "gateway said 500 <script>"
        db.session.commit()
    login(client, "admin@example.vn")
    page = client.get("/admin/messages?status=failed").get_data(as_text=True)
    assert page.count('data-testid="outbox-row"') == 1 and "gateway said 500 &lt;script&gt;" in page
    assert client.get("/admin/messages?channel=sms").get_data(as_text=True).count('data-testid="outbox-row"') == 0
    all_rows = client.get("/admin/messages?status=bogus").get_data(as_text=True)
    assert all_rows.count('data-testid="outbox-row"') == 2
    response = post_form(client, "/admin/messages/retry", {"message_id": str(failed)},
                         token_from="/admin/messages")
    assert response.status_code == 302
    with app.app_context():
        m = db.session.get(Message, failed)
        assert m.status == "queued" and m.attempts == 0
        assert db.session.get(Message, ok).status == "sent"
        assert db.session.scalar(select(AuditLog).where(AuditLog.action == "messages.retry_failed"))


def test_person_page_lists_the_messages_sent_without_codes(app, client, users):
    learner = users["learner"]
    _inapp(app, learner, "k1")
    with app.app_context():
        services.enqueue("activation", "activation", user_id=learner.id, person_id=learner.person_id,
                         context=ACTIVATION, idempotency_key="act")
        db.session.commit()
    login(client, "admin@example.vn")
    page = client.get(f"/registry/people/{learner.person_id}").get_data(as_text=True)
    assert 'data-testid="person-messages"' in page
    assert "khóa học bắt buộc" in page and ACTIVATION["code"] not in page


def test_csrf_token_is_needed_to_mark_read(client, users):
    login(client, "learner@example.vn")
    csrf_token(client, "/notifications")
    assert client.post("/notifications/read", data={}).status_code == 400

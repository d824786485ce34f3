"""Consent to reminders by SMS/e-mail: asked at activation (unticked by default), recorded
with time and the privacy notice's version, shown on "my data", withdrawn on the account page."""

from __future__ import annotations

from sqlalchemy import select

from lms.auth.models import User
from lms.core.audit import AuditLog
from lms.extensions import db
from lms.messages.models import MessageOptOut
from tests.support.client import post_form

PASSWORD = "hoa sen nở rộ"


def _activate(client, code, phone="0912345678", **extra):
    return post_form(client, "/activate", {"code": code, "phone": phone, "password": PASSWORD,
                                           "confirm": PASSWORD, **extra})


def _state(app, pid):
    with app.app_context():
        user = db.session.scalar(select(User).where(User.person_id == pid))
        consents = [(e.actor_id, e.details) for e in db.session.scalars(
            select(AuditLog).where(AuditLog.action == "consent.reminders", AuditLog.object_id == str(user.id))
            .order_by(AuditLog.id))]
        return user.id, db.session.get(MessageOptOut, user.id) is not None, consents


def test_the_question_is_asked_at_activation_only_unticked(client):
    page = client.get("/activate").get_data(as_text=True)
    assert 'name="reminders"' in page and "nhận nhắc nhở qua SMS/e-mail" in page
    box = page[page.index('name="reminders"') - 200:page.index('name="reminders"') + 200]
    assert "checked" not in box
    assert 'name="reminders"' not in client.get("/reset").get_data(as_text=True)


def test_consent_given_is_recorded_with_the_notice_version(app, client, make_person, issue):
    app.config["PRIVACY_NOTICE_VERSION"] = "2026-07"
    pid = make_person(phone="0912345678")
    assert _activate(client, issue(pid), reminders="y").status_code == 302
    uid, off, consents = _state(app, pid)
    assert not off
    assert consents == [(uid, {"given": True, "via": "activation", "channels": "sms,email",
                               "notice_version": "2026-07"})]
    # "My data" shows the answer, its time and version.
    page = client.get("/account/data").get_data(as_text=True)
    assert "2026-07" in page and "activation" in page

    # Withdrawn from the account page: reminders stop, the withdrawal is recorded.
    response = post_form(client, "/account/reminders", {"reminders": "off"}, token_from="/account")
    assert response.status_code == 302
    _, off, consents = _state(app, pid)
    assert off and consents[-1] == (uid, {"given": False, "via": "account", "channels": "sms,email",
                                          "notice_version": "2026-07"})
    data = client.get("/account/data.json").get_json()
    assert [row["via"] for row in data["consents"]] == ["activation", "account"]


def test_an_unticked_box_is_a_refusal(app, client, make_person, issue):
    pid = make_person(phone="0912345678")
    assert _activate(client, issue(pid)).status_code == 302
    uid, off, consents = _state(app, pid)
    assert off and [d["given"] for _, d in consents] == [False]
    # Given later from the account page.
    post_form(client, "/account/reminders", {"reminders": "on"}, token_from="/account")
    _, off, consents = _state(app, pid)
    assert not off and [d["given"] for _, d in consents] == [False, True]

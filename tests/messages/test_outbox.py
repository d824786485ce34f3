"""The outbox's API: reachable channels, queueing once per key, opt-out, rendering."""

from __future__ import annotations

import pytest

from lms.extensions import db
from lms.messages import services as messages
from lms.messages import texts
from lms.messages.models import Message
from tests.messages.helpers import ACTIVATION, person, rows


def test_reachable_channels_best_first(app):
    with app.app_context():
        assert messages.reachable_channels(phone="0912 345 678", email="a@example.vn", user_id=3) == [
            "sms", "email", "inapp"]
        assert messages.reachable_channels(email="a@example.vn") == ["email"]
        assert messages.reachable_channels(phone="12345", email="not an address", user_id=3) == ["inapp"]
        assert messages.reachable_channels(phone="0912345678") == ["sms"]
        assert messages.reachable_channels() == []


@pytest.mark.parametrize("app_config", [{"SMTP_URL": "", "SMS_GATEWAY_URL": ""}])
def test_without_configured_channels_only_in_app_or_paper(app):
    with app.app_context():
        assert messages.reachable_channels(phone="0912345678", email="a@example.vn", user_id=3) == ["inapp"]
        assert messages.reachable_channels(phone="0912345678", email="a@example.vn") == []
        assert messages.enqueue("activation", "activation", phone="0912345678", context=ACTIVATION,
                                idempotency_key="k") is None
        assert rows() == []


def test_enqueue_once_per_key_on_the_best_channel(app):
    with app.app_context():
        pid = person(phone="0912345678")
        first = messages.enqueue("activation", "activation", person_id=pid, phone="+84 912 345 678",
                                 email="hoa@example.vn", context=ACTIVATION, idempotency_key="activation:1")
        again = messages.enqueue("activation", "activation", person_id=pid, phone="0912345678",
                                 context={**ACTIVATION, "code": "OTHER"}, idempotency_key="activation:1")
        db.session.commit()
        assert again.id == first.id
        [row] = rows()
        assert (row.channel, row.address, row.status, row.person_id) == ("sms", "0912345678", "queued", pid)
        assert "7KQ4-M2XP" in row.body and "OTHER" not in row.body
        assert row.body.isascii() and "Ma kich hoat" in row.body


def test_enqueue_given_channel_and_english(app):
    with app.app_context():
        msg = messages.enqueue("reset", "reset", phone="0912345678", email="hoa@example.vn", channel="email",
                               locale="en", context=ACTIVATION, idempotency_key="reset:1")
        assert (msg.channel, msg.address) == ("email", "hoa@example.vn")
        assert msg.subject == "Your OCOP training password reset code"
        assert "Dear Nguyễn Thị Hoa" in msg.body and msg.body_html
        # A channel that cannot reach the recipient: nothing is queued.
        assert messages.enqueue("reset", "reset", email="hoa@example.vn", channel="sms", context=ACTIVATION,
                                idempotency_key="reset:2") is None


def test_in_app_is_delivered_when_queued(app, make_user):
    user = make_user()
    with app.app_context():
        msg = messages.enqueue("activation", "activation", user_id=user.id, context=ACTIVATION,
                               idempotency_key="a:1")
        assert (msg.channel, msg.status, msg.address) == ("inapp", "sent", None)
        assert msg.sent_at is not None and msg.read_at is None


def test_opted_out_users_get_account_messages_but_no_reminders(app, make_user):
    user = make_user()
    with app.app_context():
        assert messages.set_reminders(user.id, False)
        assert not messages.set_reminders(user.id, False)  # already off
        assert messages.reminders_off(user.id)
        assert messages.enqueue("reminder", "activation", user_id=user.id, context=ACTIVATION,
                                idempotency_key="r:1") is None
        assert messages.enqueue("activation", "activation", user_id=user.id, context=ACTIVATION,
                                idempotency_key="a:1") is not None
        assert messages.set_reminders(user.id, True)
        assert messages.enqueue("reminder", "activation", user_id=user.id, context=ACTIVATION,
                                idempotency_key="r:1") is not None
        db.session.commit()
        assert [r.idempotency_key for r in rows()] == ["a:1", "r:1"]


def test_bad_kind_or_key_is_a_programming_error(app):
    with app.app_context():
        with pytest.raises(ValueError):
            messages.enqueue("spam", "activation", email="a@example.vn", context=ACTIVATION, idempotency_key="x")
        with pytest.raises(ValueError):
            messages.enqueue("manual", "activation", email="a@example.vn", context=ACTIVATION, idempotency_key="")


def test_missing_template_is_reported(app):
    with app.app_context():
        with pytest.raises(texts.TemplateError):
            messages.enqueue("manual", "no_such_template", email="a@example.vn", context={},
                             idempotency_key="x")
        with pytest.raises(texts.TemplateError):
            texts.render("../secret", "email", {})


@pytest.mark.parametrize("name", ["activation", "reset"])
@pytest.mark.parametrize("locale", ["vi", "en"])
def test_sms_variants_are_ascii_and_fit_one_segment(app, name, locale):
    from lms.messages.samples import SAMPLES

    with app.app_context():
        sms = texts.render(name, "sms", SAMPLES[name], locale, strict=True)
        assert sms.body.isascii()
        assert len(sms.body) <= texts.SMS_SEGMENT, sms.body
        assert SAMPLES[name]["code"] in sms.body and SAMPLES[name]["url"] in sms.body


def test_ascii_folding():
    assert texts.ascii_text("Đào tạo “OCOP” – Quảng Trị…\n  ngày 5") == 'Dao tao "OCOP" - Quang Tri... ngay 5'


def test_templates_folder_can_be_reworded(app, tmp_path):
    (tmp_path / "activation.vi.jinja").write_text(
        "{% block subject %}Tỉnh X: mã của {{ full_name }}{% endblock %}"
        "{% block text %}Mã: {{ code }}{% endblock %}", "utf-8")
    (tmp_path / "_email.html").write_text("<p>{{ subject }}</p>{% for p in paragraphs %}{{ p }}{% endfor %}", "utf-8")
    app.config["MESSAGE_TEMPLATES_DIR"] = str(tmp_path)
    with app.app_context():
        msg = messages.enqueue("activation", "activation", email="a@example.vn", context=ACTIVATION,
                               idempotency_key="x")
        assert msg.subject == "Tỉnh X: mã của Nguyễn Thị Hoa" and msg.body == "Mã: 7KQ4-M2XP"
        # No SMS block: the text, folded.
        sms = texts.render("activation", "sms", ACTIVATION)
        assert sms.body == "Ma: 7KQ4-M2XP"


def test_message_templates_command_checks_every_template(runner):
    result = runner.invoke(args=["lms", "message-templates"])
    assert result.exit_code == 0, result.output
    assert "activation (vi): ok" in result.output and "reset (en): ok" in result.output


def test_message_templates_command_reports_a_broken_template(app, runner, tmp_path):
    (tmp_path / "activation.vi.jinja").write_text("{% block subject %}{{ no_such_variable }}{% endblock %}", "utf-8")
    app.config["MESSAGE_TEMPLATES_DIR"] = str(tmp_path)
    result = runner.invoke(args=["lms", "message-templates"])
    assert result.exit_code != 0
    assert "activation (vi): ERROR" in result.output and "no_such_variable" in result.output


def test_model_knows_kinds(app):
    assert Message.__table__.c.idempotency_key.unique

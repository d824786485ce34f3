"""E-mail against a real SMTP server on 127.0.0.1 (aiosmtpd), through `flask lms send-messages`."""

from __future__ import annotations

import pytest

from lms.extensions import db
from lms.messages import services as messages
from lms.messages.channels import parse_smtp_url
from tests.messages.helpers import ACTIVATION, rows


def _queue(app, **context):
    with app.app_context():
        msg = messages.enqueue("activation", "activation", email="hoa@example.vn", phone=None,
                               context={**ACTIVATION, **context}, idempotency_key="activation:42")
        db.session.commit()
        return msg.id


def test_activation_email_end_to_end(app, runner, smtp_server):
    _queue(app)
    result = runner.invoke(args=["lms", "send-messages"])
    assert result.exit_code == 0, result.output
    assert "1 sent (email 1)" in result.output
    [mail] = smtp_server.received
    assert mail["to"] == ["hoa@example.vn"] and mail["from"] == "daotao@ocop.example.vn"
    msg = mail["message"]
    assert msg["Subject"] == "Mã kích hoạt tài khoản học OCOP của anh/chị"
    assert msg["To"] == "hoa@example.vn"
    assert msg["From"].addresses[0].display_name == "Đào tạo OCOP"
    assert msg["Message-ID"].endswith("@ocop.example.vn>")
    assert msg["Auto-Submitted"] == "auto-generated"
    assert msg.get_content_type() == "multipart/alternative"
    text = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    assert "Kính gửi anh/chị Nguyễn Thị Hoa," in text
    assert "7KQ4-M2XP" in text and "https://daotao.example.vn/kich-hoat" in text
    assert '<a href="https://daotao.example.vn/kich-hoat">https://daotao.example.vn/kich-hoat</a>' in html
    assert "Kính gửi anh/chị Nguyễn Thị Hoa," in html
    with app.app_context():
        [row] = rows()
        assert (row.status, row.attempts, row.provider_ref) == ("sent", 1, msg["Message-ID"])
        assert row.sent_at is not None
    # A second run sends nothing again.
    result = runner.invoke(args=["lms", "send-messages"])
    assert "0 claimed" in result.output
    assert len(smtp_server.received) == 1


def test_names_cannot_inject_headers_or_markup(app, runner, smtp_server):
    evil = "Hoa\r\nBcc: victim@example.org\r\nSubject: hacked <script>alert(1)</script>"
    _queue(app, full_name=evil)
    runner.invoke(args=["lms", "send-messages"])
    [mail] = smtp_server.received
    assert mail["to"] == ["hoa@example.vn"]
    msg = mail["message"]
    assert msg["Bcc"] is None
    assert msg.get_all("Subject") == ["Mã kích hoạt tài khoản học OCOP của anh/chị"]
    head = mail["raw"].split(b"\r\n\r\n", 1)[0]
    assert b"victim@example.org" not in head
    html = msg.get_body(("html",)).get_content()
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_subject_with_a_line_break_in_the_template_is_one_line(app, runner, smtp_server, tmp_path):
    (tmp_path / "activation.vi.jinja").write_text(
        "{% block subject %}Xin chào\n{{ full_name }}\r\nBcc: x@example.org{% endblock %}"
        "{% block text %}{{ code }}{% endblock %}", "utf-8")
    (tmp_path / "_email.html").write_text("{% for p in paragraphs %}{{ p }}{% endfor %}", "utf-8")
    app.config["MESSAGE_TEMPLATES_DIR"] = str(tmp_path)
    _queue(app)
    runner.invoke(args=["lms", "send-messages"])
    msg = smtp_server.received[0]["message"]
    assert msg["Subject"] == "Xin chào Nguyễn Thị Hoa Bcc: x@example.org"
    assert msg["Bcc"] is None


def test_refused_recipient_fails_at_once(app, runner, smtp_server):
    smtp_server.recorder.refuse.add("hoa@example.vn")
    _queue(app)
    result = runner.invoke(args=["lms", "send-messages"])
    assert "1 failed" in result.output
    with app.app_context():
        [row] = rows()
        assert row.status == "failed" and "550" in row.last_error


@pytest.mark.parametrize("app_config", [{"SMTP_URL": "smtp://127.0.0.1:9", "MAIL_FROM": "x@example.vn"}])
def test_unreachable_server_is_retried(app, runner):
    _queue(app)
    result = runner.invoke(args=["lms", "send-messages"])
    assert "1 to retry" in result.output
    with app.app_context():
        [row] = rows()
        assert row.status == "queued" and row.attempts == 1 and row.next_try_at > row.created_at
        assert "SMTP connection failed" in row.last_error


def test_smtp_urls():
    s = parse_smtp_url("smtp+starttls://user%40x:p%3Ass@mail.example.vn")
    assert (s.scheme, s.host, s.port, s.username, s.password) == ("smtp+starttls", "mail.example.vn", 587,
                                                                  "user@x", "p:ss")
    assert parse_smtp_url("smtps://mail.example.vn").port == 465
    assert parse_smtp_url("smtp://127.0.0.1:2525").port == 2525
    with pytest.raises(ValueError):
        parse_smtp_url("http://mail.example.vn")

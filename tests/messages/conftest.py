"""Fixtures of the message tests: a real SMTP server and an SMS gateway on 127.0.0.1."""

from __future__ import annotations

import pytest

from tests.support.mailboxes import GATEWAY_TOKEN, SmsGateway, SmtpServer


@pytest.fixture
def smtp_server():
    with SmtpServer() as server:
        yield server


@pytest.fixture
def sms_gateway():
    with SmsGateway() as gateway:
        yield gateway


@pytest.fixture
def app_config(smtp_server, sms_gateway):
    return {
        "SMTP_URL": smtp_server.url,
        "MAIL_FROM": "Đào tạo OCOP <daotao@ocop.example.vn>",
        "SMS_GATEWAY_URL": sms_gateway.url,
        "SMS_GATEWAY_TOKEN": GATEWAY_TOKEN,
        "PUBLIC_BASE_URL": "https://daotao.example.vn",
    }

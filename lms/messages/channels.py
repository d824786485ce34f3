"""Channels: one adapter class per way of reaching people, behind one interface.

A channel is switched on by configuration (``configured``). The sender opens each channel
once per run (an SMTP connection is reused for many messages), calls ``send`` for each
message and closes it. ``send`` returns the provider's reference (or None) when the
message was accepted, raises ``TemporaryFailure`` for what may work later (a timeout, a
server error: the message is retried with backoff) and ``PermanentFailure`` for what
never will (an address refused): the message is marked failed at once.

Another SMS provider (Viettel, VNPT, Zalo ZNS) is one more class like
``JsonSmsGateway`` registered in ``SMS_ADAPTERS`` and chosen with ``LMS_SMS_ADAPTER``.
The JSON contract of ``JsonSmsGateway`` is documented in ``docs/sms-gateway.md``.
"""

from __future__ import annotations

import hashlib
import json
import smtplib
import ssl
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime, time
from email.message import EmailMessage
from email.utils import formatdate
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo

from lms.core.phone import normalize_phone

TIMEOUT_SECONDS = 15


class ChannelError(Exception):
    """A message could not be sent."""


class TemporaryFailure(ChannelError):
    """Try again later (with backoff)."""


class PermanentFailure(ChannelError):
    """Retrying will not help: the message fails now."""


@dataclass(frozen=True)
class Outgoing:
    """What a channel needs to send one message (read from the outbox row)."""

    id: int
    idempotency_key: str
    channel: str
    address: str | None
    subject: str
    body: str
    body_html: str | None
    attempts: int
    # The text carries a secret (an activation or reset code): it is erased once sent.
    secret: bool = False


class Channel:
    """The interface every channel implements."""

    name = ""

    def __init__(self, config) -> None:
        self.config = config

    @classmethod
    def configured(cls, config) -> bool:
        raise NotImplementedError

    def open(self) -> None:
        """Prepare for a run (connect); errors here are temporary failures of each message."""

    def send(self, message: Outgoing) -> str | None:
        raise NotImplementedError

    def close(self) -> None:
        """End the run (disconnect); must not raise."""


# --- e-mail -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SmtpSettings:
    scheme: str  # smtp, smtps, smtp+starttls
    host: str
    port: int
    username: str | None
    password: str | None


def parse_smtp_url(url: str) -> SmtpSettings:
    """``smtp://[user:pass@]host[:port]``, ``smtps://…`` (TLS, 465) or ``smtp+starttls://…`` (587)."""
    parts = urlsplit(url)
    defaults = {"smtp": 25, "smtps": 465, "smtp+starttls": 587}
    if parts.scheme not in defaults or not parts.hostname:
        raise ValueError("LMS_SMTP_URL must look like smtp://host:25, smtps://host:465 or smtp+starttls://host:587")
    return SmtpSettings(
        scheme=parts.scheme, host=parts.hostname, port=parts.port or defaults[parts.scheme],
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
    )


class SmtpChannel(Channel):
    """E-mail over SMTP: a plain-text part and an HTML alternative."""

    name = "email"

    def __init__(self, config) -> None:
        super().__init__(config)
        self.settings = parse_smtp_url(config["SMTP_URL"])
        self.sender = config["MAIL_FROM"]
        self.domain = self.sender.rpartition("@")[2].strip(" >") or "localhost"
        self.smtp: smtplib.SMTP | None = None

    @classmethod
    def configured(cls, config) -> bool:
        return bool(config.get("SMTP_URL") and config.get("MAIL_FROM"))

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        try:
            if s.scheme == "smtps":
                smtp = smtplib.SMTP_SSL(s.host, s.port, timeout=TIMEOUT_SECONDS,
                                        context=ssl.create_default_context())
            else:
                smtp = smtplib.SMTP(s.host, s.port, timeout=TIMEOUT_SECONDS)
                if s.scheme == "smtp+starttls":
                    smtp.starttls(context=ssl.create_default_context())
            if s.username:
                smtp.login(s.username, s.password or "")
        except smtplib.SMTPAuthenticationError as exc:
            raise TemporaryFailure(f"SMTP login refused: {exc.smtp_code}") from exc
        except (OSError, smtplib.SMTPException) as exc:
            raise TemporaryFailure(f"SMTP connection failed: {exc}") from exc
        return smtp

    def build(self, message: Outgoing) -> EmailMessage:
        mail = EmailMessage()
        # Header values are single lines made by the code (texts.one_line); the policy
        # refuses CR/LF in any header as well.
        mail["Subject"] = message.subject
        mail["From"] = self.sender
        mail["To"] = message.address or ""
        mail["Date"] = formatdate(localtime=False)
        # The same Message-ID on every attempt: a receiving system can tell a repeat.
        digest = hashlib.sha256(message.idempotency_key.encode("utf-8")).hexdigest()[:16]
        mail["Message-ID"] = f"<lms.{message.id}.{digest}@{self.domain}>"
        mail["Auto-Submitted"] = "auto-generated"
        mail.set_content(message.body)
        if message.body_html:
            mail.add_alternative(message.body_html, subtype="html")
        return mail

    def send(self, message: Outgoing) -> str | None:
        if not message.address:
            raise PermanentFailure("no e-mail address")
        mail = self.build(message)
        if self.smtp is None:
            self.smtp = self._connect()
        try:
            refused = self.smtp.send_message(mail)
        except smtplib.SMTPRecipientsRefused as exc:
            code = next(iter(exc.recipients.values()))[0] if exc.recipients else 550
            self.close()
            if 500 <= code < 600:
                raise PermanentFailure(f"recipient refused ({code})") from exc
            raise TemporaryFailure(f"recipient deferred ({code})") from exc
        except smtplib.SMTPResponseException as exc:
            self.close()
            if 500 <= exc.smtp_code < 600:
                raise PermanentFailure(f"SMTP {exc.smtp_code}") from exc
            raise TemporaryFailure(f"SMTP {exc.smtp_code}") from exc
        except (OSError, smtplib.SMTPException) as exc:
            self.close()
            raise TemporaryFailure(f"SMTP: {exc}") from exc
        if refused:
            raise PermanentFailure("recipient refused")
        return mail["Message-ID"]

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (OSError, smtplib.SMTPException):
                pass
            self.smtp = None


# --- SMS --------------------------------------------------------------------------------------


def international(phone: str) -> str:
    """0912345678 → +84912345678."""
    normal = normalize_phone(phone) or phone
    return "+84" + normal[1:] if normal.startswith("0") else normal


class JsonSmsGateway(Channel):
    """SMS through an HTTP gateway that speaks the project's JSON contract.

    ``POST LMS_SMS_GATEWAY_URL`` with ``Authorization: Bearer LMS_SMS_GATEWAY_TOKEN`` and
    ``{"id": "<idempotency key>", "to": "+84912345678", "text": "<ASCII>"}``; 2xx with
    ``{"id": "<gateway reference>"}`` means accepted; 429 and 5xx are retried; other 4xx fail.
    """

    name = "sms"

    @classmethod
    def configured(cls, config) -> bool:
        return bool(config.get("SMS_GATEWAY_URL"))

    def send(self, message: Outgoing) -> str | None:
        if not message.address:
            raise PermanentFailure("no phone number")
        payload = json.dumps({"id": message.idempotency_key, "to": international(message.address),
                              "text": message.body}).encode("utf-8")
        headers = {"Content-Type": "application/json", "Accept": "application/json",
                   "User-Agent": "ocop-lms"}
        if self.config.get("SMS_GATEWAY_TOKEN"):
            headers["Authorization"] = f"Bearer {self.config['SMS_GATEWAY_TOKEN']}"
        url = self.config["SMS_GATEWAY_URL"]
        if not url.startswith(("http://", "https://")):
            raise PermanentFailure("LMS_SMS_GATEWAY_URL must be an http(s) address")
        request = urllib.request.Request(url, data=payload, headers=headers, method="POST")  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
                raw = response.read(65536)
        except urllib.error.HTTPError as exc:
            status = exc.code
            exc.close()
            if status == 429 or status >= 500:
                raise TemporaryFailure(f"gateway answered {status}") from exc
            raise PermanentFailure(f"gateway refused the message ({status})") from exc
        except (TimeoutError, urllib.error.URLError, OSError) as exc:
            raise TemporaryFailure(f"gateway unreachable: {exc}") from exc
        try:
            reference = json.loads(raw or b"{}").get("id")
        except (ValueError, AttributeError):
            reference = None
        return str(reference)[:100] if reference is not None else None


SMS_ADAPTERS: dict[str, type[Channel]] = {"json": JsonSmsGateway}


class InAppChannel(Channel):
    """Notifications inside the platform: the outbox row is the notification."""

    name = "inapp"

    @classmethod
    def configured(cls, config) -> bool:
        return True

    def send(self, message: Outgoing) -> str | None:
        return None


def channel_classes(config) -> dict[str, type[Channel]]:
    """The channels switched on by the configuration, best first (SMS, e-mail, in-app)."""
    result: dict[str, type[Channel]] = {}
    sms = SMS_ADAPTERS.get(config.get("SMS_ADAPTER") or "json")
    if sms is not None and sms.configured(config):
        result["sms"] = sms
    if SmtpChannel.configured(config):
        result["email"] = SmtpChannel
    result["inapp"] = InAppChannel
    return result


# --- quiet hours ------------------------------------------------------------------------------


def parse_quiet_hours(value: str) -> tuple[time, time] | None:
    """"21:00-07:00" → (21:00, 07:00); "" or "off" → None."""
    value = (value or "").strip().lower()
    if value in ("", "off", "none"):
        return None
    start, _, end = value.partition("-")
    return time.fromisoformat(start.strip()), time.fromisoformat(end.strip())


def in_quiet_hours(now: datetime, config) -> bool:
    """No SMS between the quiet hours' start and end, local time (LMS_TIMEZONE)."""
    hours = parse_quiet_hours(config.get("SMS_QUIET_HOURS", "21:00-07:00"))
    if hours is None:
        return False
    local = now.astimezone(ZoneInfo(config.get("BABEL_DEFAULT_TIMEZONE", "Asia/Ho_Chi_Minh"))).time()
    start, end = hours
    if start <= end:
        return start <= local < end
    return local >= start or local < end

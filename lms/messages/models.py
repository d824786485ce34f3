"""The outbox: one row per message to one recipient on one channel.

A row is written by ``services.enqueue`` inside the caller's transaction (the request,
the rule, the import) and never sent there: the sender (``sender.send_pending``) claims
rows, sends them and records the result. The idempotency key is unique, so a message is
queued once however often the code that queues it runs.

Recipients are named by plain foreign keys to ``person.id`` and ``user.id`` (the tables
of lms.registry and lms.auth, which this package never imports); the address the message
goes to is resolved when it is queued and stored with it.

Statuses: ``queued`` (waiting; ``next_try_at`` says from when), ``sending`` (claimed by a
sender at ``claimed_at``; a claim older than the lease goes back to the queue),
``sent``, ``failed`` (after the last attempt, or refused for good), ``cancelled``.
In-app messages need no network: they are ``sent`` as soon as they are queued, and
``read_at`` records when their reader marked them read.
"""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lms.core.db import UTCDateTime, utcnow
from lms.extensions import db

KINDS = ("activation", "reset", "reminder", "class_notice", "digest", "manual")
# Account and security messages go even to those who turned reminders off.
ALWAYS_SENT = frozenset({"activation", "reset"})
KIND_LABELS = {
    "activation": _l("Account activation"),
    "reset": _l("Password reset"),
    "reminder": _l("Reminder"),
    "class_notice": _l("Class notice"),
    "digest": _l("Weekly digest"),
    "manual": _l("Reminder sent by staff"),
}

CHANNELS = ("sms", "email", "inapp")
CHANNEL_LABELS = {"sms": _l("SMS"), "email": _l("E-mail"), "inapp": _l("In the platform")}

QUEUED, SENDING, SENT, FAILED, CANCELLED = "queued", "sending", "sent", "failed", "cancelled"
STATUSES = (QUEUED, SENDING, SENT, FAILED, CANCELLED)
STATUS_LABELS = {
    QUEUED: _l("Waiting"),
    SENDING: _l("Sending"),
    SENT: _l("Sent"),
    FAILED: _l("Failed"),
    CANCELLED: _l("Cancelled"),
}


def _in(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Message(db.Model):
    __tablename__ = "message"
    __table_args__ = (
        CheckConstraint(_in("kind", KINDS), name="kind_known"),
        CheckConstraint(_in("channel", CHANNELS), name="channel_known"),
        CheckConstraint(_in("status", STATUSES), name="status_known"),
        # What the sender looks for: rows due by status and time.
        Index("ix_message_due", "status", "next_try_at"),
        # The header's unread count and a user's notification list.
        Index("ix_message_inbox", "user_id", "channel", "read_at"),
        # A person's messages (their registry page) and the rules' history per topic.
        Index("ix_message_person_topic", "person_id", "topic"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    template: Mapped[str] = mapped_column(String(64))
    # What the message is about, for the rules' history: "courses", "class:12", "quiz:3" …
    topic: Mapped[str | None] = mapped_column(String(100))
    # The day the rule that queued it was applied for (``flask lms remind --as-of``).
    as_of: Mapped[date | None] = mapped_column(Date)
    channel: Mapped[str] = mapped_column(String(10))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    # Who queued it by hand (the gap list's "Remind these people"), if anybody.
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    # A normalised phone number (sms), an e-mail address (email), nothing (inapp).
    address: Mapped[str | None] = mapped_column(String(254))
    locale: Mapped[str] = mapped_column(String(5), default="vi")
    subject: Mapped[str] = mapped_column(String(300), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default=QUEUED)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    next_try_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    claim_token: Mapped[str | None] = mapped_column(String(32))
    last_error: Mapped[str | None] = mapped_column(String(500))
    provider_ref: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    def __repr__(self) -> str:
        return f"<Message {self.id} {self.channel} {self.status}>"

    @property
    def has_secret(self) -> bool:
        """Activation and reset messages carry a code: their text is never shown to staff."""
        return self.kind in ALWAYS_SENT


class MessageOptOut(db.Model):
    """A user who turned reminders off (their account page). Account messages still go."""

    __tablename__ = "message_opt_out"

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

"""The sender: claim due messages, send them, record the result.

``send_pending(limit)`` is a plain function: ``flask lms send-messages`` calls it, and so
can a job worker. Each step is its own short transaction, and nothing is held open while
the network is used:

1. **claim** a batch: ``UPDATE … SET status='sending', claimed_at=now, claim_token=…,
   attempts=attempts+1`` on rows that are due (queued with ``next_try_at <= now``, or
   ``sending`` with a claim older than the lease: their sender died). On PostgreSQL the
   rows are chosen ``FOR UPDATE SKIP LOCKED``, so that several senders share the queue
   without waiting for or doubling each other; on SQLite the claim runs in a write
   transaction (``BEGIN IMMEDIATE``), so claims are serialised and one sender at a time
   is all SQLite needs. SMS are not claimed during quiet hours; they wait.
2. **send** each claimed message through its channel (no transaction open);
3. **record** each result at once in its own transaction, on the condition that the claim
   is still ours: ``sent``; or back to ``queued`` with ``next_try_at`` moved by an
   exponential backoff; or ``failed`` after the last attempt or a permanent refusal.

A sender killed at any point loses nothing: a claimed message that was not recorded as
sent is claimed again once the lease has passed. The only message that can go out twice
is the one in flight when the sender died (sent, but its result not yet recorded).

An activation or reset message loses its text once it is sent: the code it carried is then
kept nowhere but on the person's phone or in their mailbox (a failed one keeps it, to be
retried, until the retention purge).
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, or_, select, update

from lms.core.db import utcnow
from lms.extensions import db
from lms.messages.channels import (
    Channel,
    Outgoing,
    PermanentFailure,
    TemporaryFailure,
    channel_classes,
    in_quiet_hours,
)
from lms.messages.models import ALWAYS_SENT, FAILED, QUEUED, SENDING, SENT, Message

log = logging.getLogger("lms.messages")

BATCH = 50
MAX_BACKOFF = timedelta(hours=6)


@dataclass
class SendStats:
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    reclaimed: int = 0  # claims of a sender that died, taken over after the lease
    lost_claims: int = 0  # results not recorded because another sender had taken the claim over
    by_channel: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"claimed": self.claimed, "sent": self.sent, "retried": self.retried, "failed": self.failed,
                "reclaimed": self.reclaimed, "lost_claims": self.lost_claims, "by_channel": dict(self.by_channel)}


def backoff(attempts: int, config) -> timedelta:
    """The wait after the ``attempts``-th failed try: base × 2^(attempts-1), at most 6 hours."""
    base = max(int(config.get("MESSAGES_RETRY_SECONDS", 120)), 1)
    return min(timedelta(seconds=base * 2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def _claim(n: int, now: datetime, channels: list[str], stats: SendStats) -> tuple[str, list[Outgoing]]:
    config = current_app.config
    lease = timedelta(seconds=config.get("MESSAGES_LEASE_SECONDS", 600))
    if in_quiet_hours(now, config):
        channels = [c for c in channels if c != "sms"]
    due = or_(
        and_(Message.status == QUEUED, Message.next_try_at <= now),
        and_(Message.status == SENDING, Message.claimed_at < now - lease),
    )
    stmt = (select(Message.id, Message.status).where(due, Message.channel.in_(channels))
            .order_by(Message.next_try_at, Message.id).limit(n))
    if db.session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True, of=Message)
    rows = db.session.execute(stmt).all()
    if not rows:
        db.session.commit()
        return "", []
    ids = [row.id for row in rows]
    stats.reclaimed += sum(1 for row in rows if row.status == SENDING)
    token = secrets.token_hex(8)
    db.session.execute(
        update(Message).where(Message.id.in_(ids))
        .values(status=SENDING, claimed_at=now, claim_token=token, attempts=Message.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    claimed = [
        Outgoing(id=m.id, idempotency_key=m.idempotency_key, channel=m.channel, address=m.address,
                 subject=m.subject, body=m.body, body_html=m.body_html, attempts=m.attempts,
                 secret=m.kind in ALWAYS_SENT)
        for m in db.session.execute(
            select(Message.id, Message.idempotency_key, Message.channel, Message.address, Message.subject,
                   Message.body, Message.body_html, Message.attempts, Message.kind)
            .where(Message.id.in_(ids)).order_by(Message.next_try_at, Message.id)
        )
    ]
    db.session.commit()
    return token, claimed


def _record(message: Outgoing, token: str, values: dict, stats: SendStats) -> None:
    done = db.session.execute(
        update(Message).where(Message.id == message.id, Message.claim_token == token, Message.status == SENDING)
        .values(**values, claim_token=None).execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    if not done:
        stats.lost_claims += 1
        log.warning("message %s: claim taken over by another sender before its result was recorded", message.id)


def send_pending(limit: int | None = None, *, now: datetime | None = None, batch: int = BATCH) -> SendStats:
    """Send up to ``limit`` due messages (all of them when None); return what happened.

    ``now`` fixes the clock (tests); by default each claim reads the time.
    """
    config = current_app.config
    classes = channel_classes(config)
    opened: dict[str, Channel] = {}
    stats = SendStats()
    try:
        while limit is None or stats.claimed < limit:
            size = batch if limit is None else min(batch, limit - stats.claimed)
            moment = now or utcnow()
            token, claimed = _claim(size, moment, list(classes), stats)
            if not claimed:
                break
            stats.claimed += len(claimed)
            for message in claimed:
                _deliver(message, token, classes, opened, moment if now else None, stats)
    finally:
        for channel in opened.values():
            channel.close()
        db.session.rollback()  # nothing is pending here; ends any transaction left open
    return stats


def _deliver(message: Outgoing, token: str, classes, opened: dict[str, Channel], now: datetime | None,
             stats: SendStats) -> None:
    config = current_app.config
    max_attempts = max(int(config.get("MESSAGES_MAX_ATTEMPTS", 8)), 1)
    try:
        channel = opened.get(message.channel)
        if channel is None:
            channel = opened[message.channel] = classes[message.channel](config)
            channel.open()
        reference = channel.send(message)
    except PermanentFailure as exc:
        _record(message, token, {"status": FAILED, "last_error": str(exc)[:500]}, stats)
        stats.failed += 1
        log.warning("message %s failed for good: %s", message.id, exc)
        return
    except Exception as exc:  # noqa: BLE001 - any other failure is retried with backoff
        error = str(exc)[:500] if isinstance(exc, TemporaryFailure) else f"{type(exc).__name__}: {exc}"[:500]
        moment = now or utcnow()
        if message.attempts >= max_attempts:
            _record(message, token, {"status": FAILED, "last_error": error}, stats)
            stats.failed += 1
            log.warning("message %s failed after %d attempts: %s", message.id, message.attempts, error)
        else:
            _record(message, token, {"status": QUEUED, "last_error": error,
                                     "next_try_at": moment + backoff(message.attempts, config)}, stats)
            stats.retried += 1
        return
    sent = {"status": SENT, "sent_at": now or utcnow(), "last_error": None,
            "provider_ref": reference[:100] if reference else None}
    if message.secret:
        # The code has reached its person: no table keeps it any more (the database otherwise
        # holds only the codes' keyed hashes). The subject and the facts stay.
        sent.update(body="", body_html=None)
    _record(message, token, sent, stats)
    stats.sent += 1
    stats.by_channel[message.channel] = stats.by_channel.get(message.channel, 0) + 1

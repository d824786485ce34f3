"""The outbox's public API: which channels reach someone, and queueing a message.

Other domains call these (``from lms.messages import services as messages``); they run
inside the caller's transaction, flush and never commit, and never touch the network
(the sender does that later, see ``lms.messages.sender``)::

    messages.reachable_channels(phone=person.phone, email=user.email, user_id=user.id)
    messages.enqueue("activation", "activation", person_id=person.id, phone=person.phone,
                     context={"full_name": …, "code": …, "url": …, "expires_on": …},
                     idempotency_key=f"activation:{code_id}")
"""

from __future__ import annotations

import logging
import re
from datetime import date

from flask import current_app, has_request_context, url_for
from sqlalchemy import delete, func, select, update

from lms.core import audit
from lms.core.db import insert_ignore, utcnow
from lms.core.phone import normalize_phone
from lms.extensions import db
from lms.messages import texts
from lms.messages.channels import channel_classes
from lms.messages.models import ALWAYS_SENT, FAILED, KINDS, QUEUED, SENT, Message, MessageOptOut

log = logging.getLogger("lms.messages")

_EMAIL = re.compile(r"[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[^@\s<>\"',;]+")


def clean_email(raw: str | None) -> str | None:
    value = (raw or "").strip()
    if len(value) > 254 or not _EMAIL.fullmatch(value):
        return None
    return value


def reachable_channels(phone: str | None = None, email: str | None = None,
                       user_id: int | None = None) -> list[str]:
    """The configured channels that can reach this recipient, best first.

    SMS when there is a mobile number and an SMS gateway is configured; e-mail when there
    is an address and SMTP is configured; in-app when there is an account. An empty list
    means paper only (a printed slip).
    """
    configured = channel_classes(current_app.config)
    result = []
    if "sms" in configured and normalize_phone(phone):
        result.append("sms")
    if "email" in configured and clean_email(email):
        result.append("email")
    if user_id is not None:
        result.append("inapp")
    return result


def reminders_off(user_id: int | None) -> bool:
    """True when this user turned reminders off on their account page."""
    if user_id is None:
        return False
    return db.session.get(MessageOptOut, user_id) is not None


def opted_out_users(user_ids) -> set[int]:
    """Of ``user_ids``, those who turned reminders off (one query per 1,000)."""
    ids = [u for u in dict.fromkeys(user_ids) if u is not None]
    found: set[int] = set()
    for start in range(0, len(ids), 1000):
        found.update(db.session.scalars(
            select(MessageOptOut.user_id).where(MessageOptOut.user_id.in_(ids[start:start + 1000]))))
    return found


CONSENT_ACTION = "consent.reminders"


def set_reminders(user_id: int, wanted: bool, *, actor=None, via: str | None = None) -> bool:
    """Turn reminders on or off for a user; True when something changed.

    ``via`` ("activation", "account") marks the person's own answer to the consent question:
    it is recorded as a ``consent.reminders`` audit entry (given or withdrawn, when, and the
    version of the privacy notice shown), even when nothing changes.
    """
    if via is not None:
        audit.record(actor, CONSENT_ACTION, "user", user_id, given=bool(wanted), via=via,
                     channels="sms,email", notice_version=current_app.config.get("PRIVACY_NOTICE_VERSION", ""))
    if wanted:
        changed = db.session.execute(delete(MessageOptOut).where(MessageOptOut.user_id == user_id)).rowcount
    else:
        changed = int(insert_ignore(db.session, MessageOptOut, {"user_id": user_id, "created_at": utcnow()},
                                    ["user_id"]))
    if changed:
        audit.record(actor, "messages.reminders_on" if wanted else "messages.reminders_off", "user", user_id)
    return bool(changed)


def public_url(endpoint: str, **values) -> str:
    """An absolute link for a message, under LMS_PUBLIC_BASE_URL (also outside a request)."""
    base = current_app.config.get("PUBLIC_BASE_URL", "").rstrip("/")
    if has_request_context():
        path = url_for(endpoint, **values)
    else:
        with current_app.test_request_context("/"):
            path = url_for(endpoint, **values)
    return base + path


def _address(channel: str, phone: str | None, email: str | None) -> str | None:
    if channel == "sms":
        return normalize_phone(phone)
    if channel == "email":
        return clean_email(email)
    return None


def enqueue(kind: str, template: str, *, person_id: int | None = None, user_id: int | None = None,
            phone: str | None = None, email: str | None = None, context: dict, idempotency_key: str,
            channel: str | None = None, locale: str | None = None, topic: str | None = None,
            as_of: date | None = None, actor=None) -> Message | None:
    """Queue one message, once per ``idempotency_key``; return it (or the one queued before).

    The text is rendered now from template ``template`` for the best channel that reaches
    the recipient (or ``channel``, when it can reach them) in ``locale`` (default: the
    platform's). None when no channel reaches the recipient (paper only) or when they turned
    reminders off (``kind`` other than activation and reset). Never touches the network.
    """
    _check(kind, idempotency_key)
    existing = db.session.scalar(select(Message).where(Message.idempotency_key == idempotency_key))
    if existing is not None:
        return existing
    if kind not in ALWAYS_SENT and reminders_off(user_id):
        return None
    values = prepare(kind, template, person_id=person_id, user_id=user_id, phone=phone, email=email,
                     context=context, idempotency_key=idempotency_key, channel=channel, locale=locale,
                     topic=topic, as_of=as_of, actor=actor)
    if values is None:
        return None
    insert_ignore(db.session, Message, values, ["idempotency_key"])
    return db.session.scalar(select(Message).where(Message.idempotency_key == idempotency_key))


def _check(kind: str, idempotency_key: str) -> None:
    if kind not in KINDS:
        raise ValueError(f"unknown message kind: {kind}")
    if not idempotency_key or len(idempotency_key) > 200:
        raise ValueError("an idempotency key of 1 to 200 characters is required")


def prepare(kind: str, template: str, *, person_id: int | None = None, user_id: int | None = None,
            phone: str | None = None, email: str | None = None, context: dict, idempotency_key: str,
            channel: str | None = None, locale: str | None = None, topic: str | None = None,
            as_of: date | None = None, actor=None) -> dict | None:
    """The outbox row ``enqueue`` would write (rendered), without the checks of the outbox and
    of opt-outs (the caller made them); None when no channel reaches the recipient."""
    _check(kind, idempotency_key)
    channels = reachable_channels(phone=phone, email=email, user_id=user_id)
    if channel is not None:
        if channel not in channels:
            return None
    elif channels:
        channel = channels[0]
    else:
        return None
    locale = locale or current_app.config.get("BABEL_DEFAULT_LOCALE", "vi")
    rendered = texts.render(template, channel, context, locale)
    now = utcnow()
    return {
        "idempotency_key": idempotency_key, "kind": kind, "template": template, "topic": topic,
        "as_of": as_of, "channel": channel, "person_id": person_id, "user_id": user_id,
        "actor_id": getattr(actor, "id", None), "address": _address(channel, phone, email),
        "locale": locale[:5], "subject": rendered.subject, "body": rendered.body, "body_html": rendered.html,
        # In-app messages need no network: they are delivered as they are queued.
        "status": SENT if channel == "inapp" else QUEUED,
        "sent_at": now if channel == "inapp" else None,
        "attempts": 0, "next_try_at": now, "created_at": now,
    }


def queue_prepared(rows: list[dict]) -> int:
    """Insert rows made by ``prepare`` (one statement, executed in batches); a key already in
    the outbox is skipped by the database. Returns how many were inserted."""
    from sqlalchemy.dialects.postgresql import insert as pg_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    if not rows:
        return 0
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = (insert(Message.__table__).on_conflict_do_nothing(index_elements=["idempotency_key"])
            .returning(Message.id))
    return len(db.session.execute(stmt, rows).all())


def key_exists(keys) -> set[str]:
    """Of ``keys``, the idempotency keys already in the outbox (one query per 1,000)."""
    keys = list(dict.fromkeys(keys))
    found: set[str] = set()
    for start in range(0, len(keys), 1000):
        found.update(db.session.scalars(
            select(Message.idempotency_key).where(Message.idempotency_key.in_(keys[start:start + 1000]))))
    return found


def mark_read(user_id: int, message_ids: list[int] | None = None) -> int:
    """Mark a user's in-app notifications read (all of them, or those of ``message_ids``)."""
    stmt = update(Message).where(Message.user_id == user_id, Message.channel == "inapp",
                                 Message.read_at.is_(None))
    if message_ids is not None:
        stmt = stmt.where(Message.id.in_(message_ids))
    if has_request_context():
        from flask import g

        g.pop("lms_unread_counts", None)  # the layout's count is counted again
    return db.session.execute(stmt.values(read_at=utcnow())).rowcount


def retry_failed(message_ids: list[int] | None = None, *, actor=None) -> int:
    """Put failed messages back in the queue with a fresh count of attempts."""
    stmt = update(Message).where(Message.status == FAILED)
    if message_ids is not None:
        stmt = stmt.where(Message.id.in_(message_ids))
    count = db.session.execute(
        stmt.values(status=QUEUED, attempts=0, next_try_at=utcnow(), claimed_at=None, claim_token=None)
    ).rowcount
    if count:
        audit.record(actor, "messages.retry_failed", "message", "failed", count=count)
    return count


def topic_counts(topics) -> dict[tuple[int, str], int]:
    """(person id, topic) → how many messages about that topic the person has been sent."""
    rows = db.session.execute(
        select(Message.person_id, Message.topic, func.count())
        .where(Message.topic.in_(list(topics)), Message.person_id.is_not(None))
        .group_by(Message.person_id, Message.topic)
    )
    return {(pid, topic): n for pid, topic, n in rows}


def recently_reminded(person_ids, since) -> set[int]:
    """Of ``person_ids``, those sent a reminder (a rule's or staff's) since ``since``."""
    ids = [p for p in dict.fromkeys(person_ids) if p is not None]
    found: set[int] = set()
    for start in range(0, len(ids), 1000):
        found.update(db.session.scalars(
            select(Message.person_id).where(Message.person_id.in_(ids[start:start + 1000]),
                                            Message.kind.in_(("reminder", "manual")),
                                            Message.created_at >= since)))
    return found

"""Reads of the outbox shared by its pages: a user's notifications, the admins' outbox, a
person's messages."""

from __future__ import annotations

from flask import g, has_request_context
from sqlalchemy import bindparam, func, select

from lms.core.db import plain_rows
from lms.extensions import db
from lms.messages.models import CHANNELS, KINDS, STATUSES, Message

# Built once: the layout counts a user's unread notifications on every page.
_UNREAD = (
    select(func.count()).select_from(Message)
    .where(Message.user_id == bindparam("user_id"), Message.channel == "inapp", Message.read_at.is_(None))
)


def unread_count(user_id: int) -> int:
    return plain_rows(_UNREAD, {"user_id": user_id}).scalar() or 0


def unread_count_for_page(user_id: int) -> int:
    """``unread_count``, counted once per request: the layout shows it and every personal
    page's ETag includes it (lms.core.conditional)."""
    if not has_request_context():
        return unread_count(user_id)
    cache = g.setdefault("lms_unread_counts", {})
    if user_id not in cache:
        cache[user_id] = unread_count(user_id)
    return cache[user_id]


def notifications(user_id: int):
    """A user's in-app notifications, newest first (a select)."""
    return (select(Message).where(Message.user_id == user_id, Message.channel == "inapp")
            .order_by(Message.created_at.desc(), Message.id.desc()))


def outbox(status: str | None = None, kind: str | None = None, channel: str | None = None):
    """The admins' view of the outbox, newest first, filtered (unknown values are ignored)."""
    stmt = select(Message).order_by(Message.id.desc())
    if status in STATUSES:
        stmt = stmt.where(Message.status == status)
    if kind in KINDS:
        stmt = stmt.where(Message.kind == kind)
    if channel in CHANNELS:
        stmt = stmt.where(Message.channel == channel)
    return stmt


def status_counts() -> dict[str, int]:
    return dict(db.session.execute(select(Message.status, func.count()).group_by(Message.status)).all())


def person_messages(person_id: int, limit: int = 50) -> list[Message]:
    return list(db.session.scalars(
        select(Message).where(Message.person_id == person_id).order_by(Message.id.desc()).limit(limit)))


def count(stmt) -> int:
    return db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0

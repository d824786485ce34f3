"""The audit table: who changed what, when. Services call ``record``; nothing commits here."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from lms.core.db import UTCDateTime, utcnow
from lms.extensions import db

log = logging.getLogger("lms.audit")


class AuditLog(db.Model):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str] = mapped_column(String(64))
    object_id: Mapped[str] = mapped_column(String(64))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


def record(actor, action: str, obj_type: str, obj_id: object, **details: Any) -> AuditLog:
    """Add an audit entry to the current transaction and log it."""
    actor_id = getattr(actor, "id", None)
    entry = AuditLog(
        actor_id=actor_id,
        action=action,
        object_type=obj_type,
        object_id=str(obj_id),
        details=details,
    )
    db.session.add(entry)
    log.info("actor=%s action=%s %s=%s", actor_id, action, obj_type, obj_id)
    return entry


# --- reading -------------------------------------------------------------------------------


def entries_query(*, actor_id: int | None = None, action: str | None = None, object_type: str | None = None,
                  object_id: str | None = None, since: datetime | None = None, until: datetime | None = None):
    """Audit entries, newest first, filtered; ``action`` matches a kind ("class") or an
    action ("class.finish")."""
    from sqlalchemy import or_, select

    stmt = select(AuditLog)
    if actor_id is not None:
        stmt = stmt.where(AuditLog.actor_id == actor_id)
    if action:
        stmt = stmt.where(or_(AuditLog.action == action, AuditLog.action.startswith(action + ".", autoescape=True)))
    if object_type:
        stmt = stmt.where(AuditLog.object_type == object_type)
    if object_id:
        stmt = stmt.where(AuditLog.object_id == object_id)
    if since is not None:
        stmt = stmt.where(AuditLog.at >= since)
    if until is not None:
        stmt = stmt.where(AuditLog.at < until)
    return stmt.order_by(AuditLog.at.desc(), AuditLog.id.desc())


def for_object(object_type: str, object_id: object, *, also=(), person_id: int | None = None,
               limit: int = 200) -> list[AuditLog]:
    """The entries about one object (newest first): its own, those of the ``also`` objects
    ((type, id) pairs, e.g. a class's days) and, with ``person_id``, those whose details name
    that person (attendance corrections, scores, certificates)."""
    from sqlalchemy import and_, or_, select

    conds = [and_(AuditLog.object_type == object_type, AuditLog.object_id == str(object_id))]
    for kind, ids in also:
        ids = [str(i) for i in ids]
        if ids:
            conds.append(and_(AuditLog.object_type == kind, AuditLog.object_id.in_(ids)))
    if person_id is not None:
        conds.append(AuditLog.details["person_id"].as_integer() == person_id)
    return list(db.session.scalars(
        select(AuditLog).where(or_(*conds)).order_by(AuditLog.at.desc(), AuditLog.id.desc()).limit(limit)
    ))


def describe(entry: AuditLog) -> str:
    """The details as one line: "old: present → new: absent, person_id: 12"."""
    details = dict(entry.details or {})
    parts = []
    if "old" in details or "new" in details:
        parts.append(f"{_plain(details.pop('old', None))} → {_plain(details.pop('new', None))}")
    parts += [f"{key}: {_plain(value)}" for key, value in sorted(details.items())]
    return ", ".join(parts)


def _plain(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_plain(v) for v in value) + "]"
    return str(value)

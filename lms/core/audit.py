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

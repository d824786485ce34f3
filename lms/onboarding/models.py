"""Activation and reset codes, and self-registration requests.

A code is never stored: ``code_hash`` is its keyed hash (see ``lms.onboarding.codes``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.db import UTCDateTime, utcnow
from lms.extensions import db
from lms.registry.models import AdminUnit, Person

ACTIVATE = "activate"
RESET = "reset"
PURPOSES = (ACTIVATE, RESET)

PENDING = "pending"
ACCEPTED = "accepted"
REJECTED = "rejected"
REQUEST_STATUSES = (PENDING, ACCEPTED, REJECTED)


class ActivationCode(db.Model):
    """One code for one person and one purpose: single use, expiring, superseded by the next."""

    __tablename__ = "activation_code"
    __table_args__ = (
        CheckConstraint("purpose IN ('activate', 'reset')", name="purpose_known"),
        Index("ix_activation_code_person_purpose", "person_id", "purpose"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    purpose: Mapped[str] = mapped_column(String(10))
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Set when a newer code for the same person and purpose was issued.
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Wrong phone numbers typed with this code; at the limit the code is dead.
    tries: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    # How the code was handed over: sms, email, inapp, or slip (paper / CSV).
    channel: Mapped[str] = mapped_column(String(10), default="slip", server_default="slip")

    person: Mapped[Person] = relationship()


class RegistrationRequest(db.Model):
    """A self-registration waiting for the commune's officer (or decided)."""

    __tablename__ = "registration_request"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'accepted', 'rejected')", name="status_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    full_name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str] = mapped_column(String(20), index=True)
    # The phone while the request is pending (NULL once decided): duplicates collapse into one.
    pending_phone: Mapped[str | None] = mapped_column(String(20), unique=True)
    national_id: Mapped[str | None] = mapped_column(String(12))
    unit_id: Mapped[int] = mapped_column(ForeignKey("admin_unit.id"), index=True)
    org_code: Mapped[str | None] = mapped_column(String(20))
    is_official: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    agency: Mapped[str | None] = mapped_column(String(300))
    position: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(10), default=PENDING, server_default=PENDING, index=True)
    times: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    reason: Mapped[str | None] = mapped_column(Text)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    unit: Mapped[AdminUnit] = relationship()
    person: Mapped[Person | None] = relationship()

"""Certificates: one per person and course, identified in public only by a random code.

The printable details (holder's name, course title, hours, dates, issuer, signer …) are a
snapshot taken when the certificate is issued, so that a later change of the course or of
the registry does not change a certificate already handed out. A correction keeps the code,
bumps ``version`` and stores the new details as a new ``CertificateVersion``; earlier
versions stay, and their PDF can still be rendered.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.catalog.models import Course
from lms.core.db import UTCDateTime, utcnow
from lms.extensions import db
from lms.registry.models import Person

VALID = "valid"
REVOKED = "revoked"
EXPIRED = "expired"

STATUS_LABELS = {
    VALID: _l("Valid"),
    REVOKED: _l("Revoked"),
    EXPIRED: _l("Expired"),
}

# Shown on the public verification page: a category only, never the free-text note.
REVOCATION_REASONS: tuple[str, ...] = (
    "issued_in_error",
    "wrong_person",
    "misconduct",
    "replaced",
    "other",
)
REVOCATION_REASON_LABELS = {
    "issued_in_error": _l("Issued in error"),
    "wrong_person": _l("Issued to the wrong person"),
    "misconduct": _l("Training not genuinely completed"),
    "replaced": _l("Replaced by another certificate"),
    "other": _l("Other reason"),
}

# The printable details; a CertificateVersion keeps them as JSON (dates as ISO strings).
DETAIL_FIELDS: tuple[str, ...] = (
    "holder_name",
    "course_title",
    "hours",
    "completed_on",
    "issued_on",
    "expires_on",
    "issuer",
    "signer_title",
    "signer_name",
    "place",
    "decision_number",
    "decision_date",
)
DATE_FIELDS = frozenset({"completed_on", "issued_on", "expires_on", "decision_date"})

_reasons_sql = ", ".join(f"'{r}'" for r in REVOCATION_REASONS)


class Certificate(db.Model):
    __tablename__ = "certificate"
    __table_args__ = (
        # Exactly one certificate per person, course and renewal of the completion (0: the
        # first completion; a refresher gets a certificate of its own), also under
        # concurrent issuing.
        UniqueConstraint("person_id", "course_id", "renewal"),
        CheckConstraint(
            f"revocation_reason IS NULL OR revocation_reason IN ({_reasons_sql})",
            name="revocation_reason_known",
        ),
        CheckConstraint("version >= 1", name="version_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Canonical form of the public code: Crockford base32, upper case, no separators.
    code: Mapped[str] = mapped_column(String(32), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), index=True)
    completion_id: Mapped[int | None] = mapped_column(
        ForeignKey("course_completion.id", ondelete="SET NULL"), index=True
    )
    # CourseCompletion.renewals when issued: which completion of the course it attests.
    renewal: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    template: Mapped[str] = mapped_column(String(100))

    # Printable details of the current version.
    holder_name: Mapped[str] = mapped_column(String(200))
    course_title: Mapped[str] = mapped_column(String(300))
    hours: Mapped[float] = mapped_column(Float, default=0)
    completed_on: Mapped[date] = mapped_column(Date)
    issued_on: Mapped[date] = mapped_column(Date, index=True)
    expires_on: Mapped[date | None] = mapped_column(Date)
    issuer: Mapped[str] = mapped_column(String(300), default="")
    signer_title: Mapped[str] = mapped_column(String(200), default="")
    signer_name: Mapped[str] = mapped_column(String(200), default="")
    place: Mapped[str] = mapped_column(String(100), default="")
    decision_number: Mapped[str | None] = mapped_column(String(100))
    decision_date: Mapped[date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer, default=1)

    issued_automatically: Mapped[bool] = mapped_column(Boolean, default=False)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    revocation_reason: Mapped[str | None] = mapped_column(String(32))
    # Internal note for managers; never shown on the public page.
    revocation_note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    person: Mapped[Person] = relationship()
    course: Mapped[Course] = relationship()
    versions: Mapped[list[CertificateVersion]] = relationship(
        back_populates="certificate",
        order_by="CertificateVersion.number",
        cascade="all, delete-orphan",
    )

    def __repr__(self) -> str:
        return f"<Certificate {self.id}>"

    def status(self, today: date) -> str:
        if self.revoked_at is not None:
            return REVOKED
        if self.expires_on is not None and self.expires_on < today:
            return EXPIRED
        return VALID

    def details(self) -> dict[str, Any]:
        """The printable details as JSON-ready values (dates as ISO strings)."""
        result: dict[str, Any] = {}
        for name in DETAIL_FIELDS:
            value = getattr(self, name)
            result[name] = value.isoformat() if isinstance(value, date) else value
        return result


class CertificateVersion(db.Model):
    """A snapshot of the printable details; version 1 is the certificate as issued."""

    __tablename__ = "certificate_version"
    __table_args__ = (UniqueConstraint("certificate_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int] = mapped_column(
        ForeignKey("certificate.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)
    details: Mapped[dict[str, Any]] = mapped_column(JSON)
    template: Mapped[str] = mapped_column(String(100))
    note: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    certificate: Mapped[Certificate] = relationship(back_populates="versions")


class CertificatePolicy(db.Model):
    """Which completion routes issue a certificate automatically for a course.

    No row: every route does. A trainer or manager can still issue by hand.
    """

    __tablename__ = "certificate_policy"

    course_id: Mapped[int] = mapped_column(
        ForeignKey("course.id", ondelete="CASCADE"), primary_key=True
    )
    auto_vias: Mapped[list[str]] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class CourseDecision(db.Model):
    """The decision number and date printed on a course's certificates (set by an
    administrator), unless the class that produced the completion has its own."""

    __tablename__ = "certificate_decision"

    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), primary_key=True)
    number: Mapped[str] = mapped_column(String(100))
    decided_on: Mapped[date | None] = mapped_column(Date)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

"""A person's request to correct, restrict or delete their data, and how it was settled."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.db import UTCDateTime, utcnow
from lms.extensions import db
from lms.registry.models import Person

CORRECT = "correct"
RESTRICT = "restrict"
DELETE = "delete"
KINDS = (CORRECT, RESTRICT, DELETE)
KIND_LABELS = {
    CORRECT: _l("Correct my data"),
    RESTRICT: _l("Restrict the processing of my data"),
    DELETE: _l("Delete my data"),
}
OPEN = "open"
DONE = "done"
REJECTED = "rejected"
STATUSES = (OPEN, DONE, REJECTED)
STATUS_LABELS = {OPEN: _l("Open"), DONE: _l("Settled"), REJECTED: _l("Refused")}


class DataRequest(db.Model):
    __tablename__ = "data_request"
    __table_args__ = (
        CheckConstraint("kind IN ('correct', 'restrict', 'delete')", name="kind_known"),
        CheckConstraint("status IN ('open', 'done', 'rejected')", name="status_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(10))
    message: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(10), default=OPEN, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Acknowledge by, and settle by (local dates; periods from the configuration).
    ack_due: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolution: Mapped[str | None] = mapped_column(Text)

    person: Mapped[Person] = relationship()

    def __repr__(self) -> str:
        return f"<DataRequest {self.id}>"

"""Registry models. ``Person`` is the unit of coverage: coverage counts people, not users."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from lms.core.db import UTCDateTime, utcnow
from lms.extensions import db


class Person(db.Model):
    __tablename__ = "person"

    id: Mapped[int] = mapped_column(primary_key=True)
    full_name: Mapped[str] = mapped_column(String(200))
    # Normalised Vietnamese mobile number (0xxxxxxxxx) or None.
    phone: Mapped[str | None] = mapped_column(String(20), unique=True)
    email: Mapped[str | None] = mapped_column(String(254))
    # One of lms.core.groups.TARGET_GROUPS, or None for people outside the plan.
    target_group: Mapped[str | None] = mapped_column(String(32), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    def __repr__(self) -> str:
        return f"<Person {self.id}>"

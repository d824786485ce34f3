"""Requirements: which courses each target group must complete, by when, to what share.

Courses are named by slug, not by a foreign key: requirements can be set (or seeded
from ``courses/requirements.yaml``) before the courses are imported. A slug without a
course simply cannot be completed yet; the dashboard says so.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.db import UTCDateTime, utcnow
from lms.extensions import db


class Requirement(db.Model):
    __tablename__ = "requirement"
    __table_args__ = (
        CheckConstraint("target_percent >= 1 AND target_percent <= 100", name="percent_range"),
    )

    target_group: Mapped[str] = mapped_column(String(32), primary_key=True)
    target_percent: Mapped[int] = mapped_column(Integer, default=100)
    deadline: Mapped[date | None] = mapped_column(Date)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    courses: Mapped[list[RequirementCourse]] = relationship(
        cascade="all, delete-orphan", order_by="RequirementCourse.position"
    )

    @property
    def course_slugs(self) -> list[str]:
        return [c.course_slug for c in self.courses]


class RequirementCourse(db.Model):
    __tablename__ = "requirement_course"

    target_group: Mapped[str] = mapped_column(
        ForeignKey("requirement.target_group", ondelete="CASCADE"), primary_key=True
    )
    course_slug: Mapped[str] = mapped_column(String(100), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)

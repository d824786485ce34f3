"""Requirement sets: which courses each target group must complete, by when, to what share.

A province can keep several named sets side by side (the plan's indicator, the fuller
path); one of them is the *primary* set that reports use unless told otherwise. Each set
has a target percentage, a deadline and milestones (a percentage by a date); per target
group it lists required and recommended courses; per course it may say how long a
completion stays valid (``valid_months``), from which date completions count
(``valid_from``) and from which course version (``min_version``).

Courses are named by slug, not by a foreign key: requirements can be set (or seeded
from ``courses/requirements.yaml``) before the courses are imported. A slug without a
course simply cannot be completed yet; the dashboard says so.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.db import UTCDateTime, utcnow
from lms.extensions import db

REQUIRED = "required"
RECOMMENDED = "recommended"
KINDS = (REQUIRED, RECOMMENDED)


class RequirementSet(db.Model):
    __tablename__ = "requirement_set"
    __table_args__ = (
        CheckConstraint("target_percent >= 1 AND target_percent <= 100", name="percent_range"),
        # At most one primary set (a partial unique index on both databases).
        Index("uq_requirement_set_primary", "is_primary", unique=True,
              sqlite_where=text("is_primary = 1"), postgresql_where=text("is_primary")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)
    title: Mapped[str] = mapped_column(String(200), default="")
    target_percent: Mapped[int] = mapped_column(Integer, default=100)
    deadline: Mapped[date | None] = mapped_column(Date)
    is_primary: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    groups: Mapped[list[Requirement]] = relationship(
        back_populates="set", cascade="all, delete-orphan", order_by="Requirement.target_group"
    )
    milestones: Mapped[list[RequirementMilestone]] = relationship(
        cascade="all, delete-orphan", order_by="RequirementMilestone.due_on"
    )
    validity: Mapped[list[RequirementValidity]] = relationship(
        cascade="all, delete-orphan", order_by="RequirementValidity.course_slug"
    )

    def next_milestone(self, as_of: date) -> RequirementMilestone | None:
        """The first milestone on or after ``as_of``."""
        return next((m for m in self.milestones if m.due_on >= as_of), None)


class RequirementMilestone(db.Model):
    __tablename__ = "requirement_milestone"
    __table_args__ = (CheckConstraint("percent >= 1 AND percent <= 100", name="percent_range"),)

    set_id: Mapped[int] = mapped_column(ForeignKey("requirement_set.id", ondelete="CASCADE"), primary_key=True)
    due_on: Mapped[date] = mapped_column(Date, primary_key=True)
    percent: Mapped[int] = mapped_column(Integer)


class RequirementValidity(db.Model):
    """How recent, or how new, a completion of one course must be to count in one set."""

    __tablename__ = "requirement_validity"
    __table_args__ = (CheckConstraint("valid_months IS NULL OR valid_months >= 1", name="months_positive"),)

    set_id: Mapped[int] = mapped_column(ForeignKey("requirement_set.id", ondelete="CASCADE"), primary_key=True)
    course_slug: Mapped[str] = mapped_column(String(100), primary_key=True)
    valid_months: Mapped[int | None] = mapped_column(Integer)
    valid_from: Mapped[date | None] = mapped_column(Date)
    min_version: Mapped[str | None] = mapped_column(String(40))


class Requirement(db.Model):
    """The courses of one target group in one set."""

    __tablename__ = "requirement"

    set_id: Mapped[int] = mapped_column(ForeignKey("requirement_set.id", ondelete="CASCADE"), primary_key=True)
    target_group: Mapped[str] = mapped_column(String(32), primary_key=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    set: Mapped[RequirementSet] = relationship(back_populates="groups")
    courses: Mapped[list[RequirementCourse]] = relationship(
        cascade="all, delete-orphan", order_by="RequirementCourse.position"
    )

    @property
    def course_slugs(self) -> list[str]:
        """The required courses (what "trained" means for this group)."""
        return [c.course_slug for c in self.courses if c.kind == REQUIRED]

    @property
    def recommended_slugs(self) -> list[str]:
        return [c.course_slug for c in self.courses if c.kind == RECOMMENDED]

    # The set's target and deadline, read through the group (callers of the one-set API).
    @property
    def target_percent(self) -> int:
        return self.set.target_percent

    @property
    def deadline(self) -> date | None:
        return self.set.deadline


class RequirementCourse(db.Model):
    __tablename__ = "requirement_course"
    __table_args__ = (
        ForeignKeyConstraint(["set_id", "target_group"], ["requirement.set_id", "requirement.target_group"],
                             ondelete="CASCADE"),
        CheckConstraint("kind IN ('required', 'recommended')", name="kind_known"),
    )

    set_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    target_group: Mapped[str] = mapped_column(String(32), primary_key=True)
    course_slug: Mapped[str] = mapped_column(String(100), primary_key=True)
    kind: Mapped[str] = mapped_column(String(12), default=REQUIRED)
    position: Mapped[int] = mapped_column(Integer, default=0)

"""Face-to-face classes (lớp tập huấn): days, trainers, roster and attendance.

Exactly-once rules are database rules: one roster row per class and person, one
attendance row per class day and person (a repeated save is an upsert), one check-in
code per class day, and finishing a class is a conditional ``UPDATE … WHERE status IN
('planned', 'running')`` so that only one request awards the completions.
"""

from __future__ import annotations

from datetime import date, datetime, time

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Integer,
    String,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.db import UTCDateTime, utcnow
from lms.extensions import db

PLANNED = "planned"
RUNNING = "running"
FINISHED = "finished"
CANCELLED = "cancelled"
STATUSES = (PLANNED, RUNNING, FINISHED, CANCELLED)
STATUS_LABELS = {
    PLANNED: _l("Planned"),
    RUNNING: _l("Running"),
    FINISHED: _l("Finished"),
    CANCELLED: _l("Cancelled"),
}

PRESENT = "present"
LATE = "late"
EXCUSED = "excused"
ABSENT = "absent"
MARKS = (PRESENT, LATE, EXCUSED, ABSENT)
MARK_LABELS = {
    PRESENT: _l("Present"),
    LATE: _l("Late"),
    EXCUSED: _l("Excused"),
    ABSENT: _l("Absent"),
}
ATTENDED = (PRESENT, LATE)
MARK_SOURCES = ("trainer", "checkin", "paper")


class TrainingClass(db.Model):
    __tablename__ = "training_class"
    __table_args__ = (
        CheckConstraint(
            "status IN ('planned', 'running', 'finished', 'cancelled')", name="status_known"
        ),
        CheckConstraint("threshold_percent >= 0 AND threshold_percent <= 100", name="threshold_range"),
        CheckConstraint("pass_mark >= 0 AND pass_mark <= 100", name="pass_mark_range"),
        CheckConstraint("capacity > 0", name="capacity_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    venue: Mapped[str] = mapped_column(String(300), default="")
    unit_id: Mapped[int] = mapped_column(ForeignKey("admin_unit.id"), index=True)
    capacity: Mapped[int] = mapped_column(Integer, default=40)
    # Share of the class days a person must attend (present or late), in percent.
    threshold_percent: Mapped[int] = mapped_column(Integer, default=80, server_default="80")
    posttest_required: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    pass_mark: Mapped[float] = mapped_column(Float, default=70.0, server_default="70")
    # An online quiz that counts as the post-test (besides scores typed in from paper).
    quiz_id: Mapped[int | None] = mapped_column(ForeignKey("quiz.id", ondelete="SET NULL"))
    # A certificate template (a folder of certificates/) for this class; None: the course's.
    certificate_template: Mapped[str | None] = mapped_column(String(100))
    # The decision that opened the class (set by an administrator); printed on its certificates.
    decision_number: Mapped[str | None] = mapped_column(String(100))
    decision_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default=PLANNED, index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    course = relationship("Course")
    unit = relationship("AdminUnit")
    quiz = relationship("Quiz")
    days: Mapped[list[ClassDay]] = relationship(
        back_populates="training_class", order_by="(ClassDay.day, ClassDay.starts_at)",
        cascade="all, delete-orphan",
    )
    trainer_rows: Mapped[list[ClassTrainer]] = relationship(cascade="all, delete-orphan")

    def __repr__(self) -> str:
        return f"<TrainingClass {self.id}>"

    @property
    def first_day(self) -> date | None:
        return self.days[0].day if self.days else None

    @property
    def last_day(self) -> date | None:
        return self.days[-1].day if self.days else None

    @property
    def contact_hours(self) -> float:
        """Face-to-face hours: the class days' scheduled time, kept apart from the course's
        estimated online study time (Course.estimated_minutes)."""
        minutes = sum(day.minutes for day in self.days)
        return round(minutes / 60, 1)


class ClassTrainer(db.Model):
    __tablename__ = "class_trainer"

    class_id: Mapped[int] = mapped_column(
        ForeignKey("training_class.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True, index=True)

    user = relationship("User")


class ClassDay(db.Model):
    __tablename__ = "class_day"
    __table_args__ = (UniqueConstraint("class_id", "day", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("training_class.id", ondelete="CASCADE"), index=True)
    day: Mapped[date] = mapped_column(Date)
    # Local wall-clock times (the configured time zone, Asia/Ho_Chi_Minh by default).
    starts_at: Mapped[time] = mapped_column(Time)
    ends_at: Mapped[time] = mapped_column(Time)
    # The short code learners type (or scan as a QR code) to check in.
    checkin_code: Mapped[str] = mapped_column(String(12), unique=True)

    training_class: Mapped[TrainingClass] = relationship(back_populates="days")

    @property
    def minutes(self) -> int:
        start = self.starts_at.hour * 60 + self.starts_at.minute
        end = self.ends_at.hour * 60 + self.ends_at.minute
        return max(end - start, 0)


class RosterEntry(db.Model):
    __tablename__ = "class_roster"
    __table_args__ = (
        UniqueConstraint("class_id", "person_id"),
        CheckConstraint("posttest_score IS NULL OR (posttest_score >= 0 AND posttest_score <= 100)",
                        name="score_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("training_class.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    # A post-test score typed in from paper (percent); online attempts are read from the quiz.
    posttest_score: Mapped[float | None] = mapped_column(Float)

    person = relationship("Person")


class Attendance(db.Model):
    __tablename__ = "class_attendance"
    __table_args__ = (
        UniqueConstraint("day_id", "person_id"),
        CheckConstraint("status IN ('present', 'late', 'excused', 'absent')", name="status_known"),
        CheckConstraint("source IN ('trainer', 'checkin', 'paper')", name="source_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    day_id: Mapped[int] = mapped_column(ForeignKey("class_day.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(10))
    source: Mapped[str] = mapped_column(String(10), default="trainer")
    marked_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    marked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

"""Catalog models.

A course's identity is its slug; a lesson's identity is its slug within the course. A
changed title keeps every learner's progress; a lesson removed from the files is
retired (``retired_at``), never deleted with its progress. Every change of a lesson's
text is a new ``LessonVersion`` whose HTML is rendered and sanitised once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.db import UTCDateTime, utcnow
from lms.extensions import db

COMPLETION_VIAS = ("online", "class", "historical")


class CoursePrerequisite(db.Model):
    __tablename__ = "course_prerequisite"

    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), primary_key=True)
    required_course_id: Mapped[int] = mapped_column(
        ForeignKey("course.id", ondelete="CASCADE"), primary_key=True
    )


class Course(db.Model):
    __tablename__ = "course"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    title_en: Mapped[str | None] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text, default="")
    summary_en: Mapped[str | None] = mapped_column(Text)
    # Lower-case, diacritic-free title + summary, for search with or without accents.
    search_text: Mapped[str] = mapped_column(Text, default="")
    audience: Mapped[list[str]] = mapped_column(JSON, default=list)
    language: Mapped[str] = mapped_column(String(8), default="vi")
    # Declared study hours (course.md ``hours``), and the online study time the importer
    # estimates from the content (reading, exercises, quizzes; see importer.estimate_study).
    # Contact hours of a face-to-face class are the class's own (TrainingClass.contact_hours).
    hours: Mapped[float] = mapped_column(Float, default=0)
    estimated_minutes: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    version: Mapped[str] = mapped_column(String(40), default="1")
    # {"lessons": "required" | "all" | [lesson slugs], "quizzes": [quiz slugs]}
    completion: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    self_enrol: Mapped[bool] = mapped_column(Boolean, default=True)
    certificate_template: Mapped[str | None] = mapped_column(String(100))
    overview_md: Mapped[str] = mapped_column(Text, default="")
    overview_html: Mapped[str] = mapped_column(Text, default="")
    published: Mapped[bool] = mapped_column(Boolean, default=True)
    # Where the current content came from, and the hash of the files last imported.
    source_hash: Mapped[str | None] = mapped_column(String(64))
    # Set when a trainer changes the course in the browser; a later file import then
    # refuses the course unless told to replace it.
    edited_in_browser: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    modules: Mapped[list[Module]] = relationship(
        back_populates="course", order_by="Module.position", cascade="all, delete-orphan"
    )
    lessons: Mapped[list[Lesson]] = relationship(
        back_populates="course", order_by="Lesson.position", cascade="all, delete-orphan",
        viewonly=True,
    )
    prerequisites: Mapped[list[Course]] = relationship(
        secondary="course_prerequisite",
        primaryjoin="Course.id == CoursePrerequisite.course_id",
        secondaryjoin="Course.id == CoursePrerequisite.required_course_id",
    )

    def __repr__(self) -> str:
        return f"<Course {self.slug}>"

    def display_title(self, locale: str) -> str:
        return self.title_en if locale == "en" and self.title_en else self.title

    @property
    def estimated_hours(self) -> float:
        """Estimated online study time in hours, rounded up to the half hour (0 when unknown)."""
        if not self.estimated_minutes:
            return 0.0
        return -(-self.estimated_minutes // 30) / 2

    def display_summary(self, locale: str) -> str:
        return self.summary_en if locale == "en" and self.summary_en else self.summary


class Module(db.Model):
    __tablename__ = "course_module"
    __table_args__ = (UniqueConstraint("course_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), index=True)
    slug: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(300))
    title_en: Mapped[str | None] = mapped_column(String(300))
    overview_md: Mapped[str] = mapped_column(Text, default="")
    overview_html: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer, default=0)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    course: Mapped[Course] = relationship(back_populates="modules")
    lessons: Mapped[list[Lesson]] = relationship(
        back_populates="module", order_by="Lesson.position"
    )

    def display_title(self, locale: str) -> str:
        return self.title_en if locale == "en" and self.title_en else self.title


class Lesson(db.Model):
    __tablename__ = "lesson"
    __table_args__ = (UniqueConstraint("course_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), index=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("course_module.id"), index=True)
    slug: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(300))
    title_en: Mapped[str | None] = mapped_column(String(300))
    minutes: Mapped[int] = mapped_column(Integer, default=0)
    required: Mapped[bool] = mapped_column(Boolean, default=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The number of the LessonVersion shown to learners (versions are never deleted).
    version_number: Mapped[int] = mapped_column(Integer, default=0)
    # Spoken narration: a course file (audio/…), played on the lesson page; never required.
    audio_path: Mapped[str | None] = mapped_column(String(300))
    audio_seconds: Mapped[int | None] = mapped_column(Integer)

    course: Mapped[Course] = relationship(back_populates="lessons")
    module: Mapped[Module] = relationship(back_populates="lessons")
    current_version: Mapped[LessonVersion | None] = relationship(
        primaryjoin="and_(LessonVersion.lesson_id == Lesson.id, "
        "LessonVersion.number == foreign(Lesson.version_number))",
        viewonly=True,
        uselist=False,
    )

    def display_title(self, locale: str) -> str:
        return self.title_en if locale == "en" and self.title_en else self.title


class LessonVersion(db.Model):
    __tablename__ = "lesson_version"
    __table_args__ = (UniqueConstraint("lesson_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lesson.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    body_md: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))


class CourseAsset(db.Model):
    """An image or attachment of a course, kept in the database (no local state on app servers)."""

    __tablename__ = "course_asset"
    __table_args__ = (UniqueConstraint("course_id", "path"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), index=True)
    path: Mapped[str] = mapped_column(String(300))  # relative to the course folder, '/'-separated
    mime_type: Mapped[str] = mapped_column(String(100))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)


class Enrolment(db.Model):
    __tablename__ = "enrolment"
    __table_args__ = (UniqueConstraint("user_id", "course_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), index=True)
    enrolled_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    enrolled_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    last_lesson_id: Mapped[int | None] = mapped_column(ForeignKey("lesson.id", ondelete="SET NULL"))
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    course: Mapped[Course] = relationship()
    user = relationship("User", foreign_keys=[user_id])


class LessonProgress(db.Model):
    __tablename__ = "lesson_progress"
    __table_args__ = (UniqueConstraint("user_id", "lesson_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lesson.id", ondelete="CASCADE"), index=True)
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


def _same_as_completed_at(context):
    return context.get_current_parameters()["completed_at"]


class CourseCompletion(db.Model):
    """The single fact that certificates, coverage, exports and the API read.

    One per person and course (a database constraint), whichever way it was earned (a later
    completion renews it, see ``first_completed_at``):
    ``online`` (lessons and quizzes), ``class`` (attendance) or ``historical`` (an
    imported record of training done before the platform).
    """

    __tablename__ = "course_completion"
    __table_args__ = (
        UniqueConstraint("person_id", "course_id"),
        CheckConstraint("via IN ('online', 'class', 'historical')", name="via_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), index=True)
    # The latest completion: a refresher (online, class or import) renews it, together
    # with ``via``, ``course_version`` and ``source_ref`` (lms.catalog.services.record_completion).
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    # The first time the person completed the course; never changed by a renewal.
    first_completed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=_same_as_completed_at)
    # How many times it was renewed; certification issues one certificate per renewal.
    renewals: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    via: Mapped[str] = mapped_column(String(16))
    # The course version (Course.version) completed; None for records from before it was kept.
    # Requirement sets can ask for a version or later (lms.coverage, ``min_version``).
    course_version: Mapped[str | None] = mapped_column(String(40))
    # Free reference to what produced it (a class id, an import file name …).
    source_ref: Mapped[str | None] = mapped_column(String(200))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    course: Mapped[Course] = relationship()

"""Assessment models: quizzes, their questions, attempts and answers.

A quiz's identity is its slug (its file name in ``quizzes/``). A question's identity is
its ``ident`` within the quiz; a question whose content changes gets a new row (the old
one is retired), so an attempt keeps pointing at exactly the question its learner saw.

Exactly-once rules are database rules:

- one row per attempt and question (``attempt_answer`` unique constraint); a save only
  overwrites a row whose sequence number is lower (a conditional upsert);
- an attempt is submitted by a conditional ``UPDATE … WHERE status = 'open'``: the
  request whose update changed the row grades it, every other one reads the result;
- attempt numbers are unique per quiz and user, so two concurrent starts cannot both
  create an attempt.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.assessments.questions import QuestionSpec
from lms.core.db import UTCDateTime, utcnow
from lms.extensions import db

ATTEMPT_STATUSES = ("open", "submitted", "pending_review", "graded")
# score: the score only; correctness: also which questions were right; answers: also the right
# answers and feedback, once the learner is done (passed, used the last attempt, or the quiz
# closed), correctness before that; answers_always: the right answers after every attempt.
REVIEW_MODES = ("score", "correctness", "answers", "answers_always")
CLOSE_REASONS = ("submitted", "timeout")


class Quiz(db.Model):
    __tablename__ = "quiz"
    __table_args__ = (
        CheckConstraint(
            "review IN ('score', 'correctness', 'answers', 'answers_always')", name="review_known"
        ),
        CheckConstraint("pass_mark >= 0 AND pass_mark <= 100", name="pass_mark_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    # A GIFT / Aiken file that no YAML quiz names: a question bank (no course, no attempts).
    is_bank: Mapped[bool] = mapped_column(Boolean, default=False)
    course_id: Mapped[int | None] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), index=True)
    module_id: Mapped[int | None] = mapped_column(ForeignKey("course_module.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(300), default="")
    title_en: Mapped[str | None] = mapped_column(String(300))
    pass_mark: Mapped[float] = mapped_column(Float, default=70.0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=0)  # 0: unlimited
    time_limit_minutes: Mapped[int] = mapped_column(Integer, default=0)  # 0: none
    opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    shuffle_questions: Mapped[bool] = mapped_column(Boolean, default=True)
    shuffle_choices: Mapped[bool] = mapped_column(Boolean, default=True)
    # None: every question; an int: that many at random; {category: n}: per category.
    draw: Mapped[Any] = mapped_column(JSON, nullable=True)
    review: Mapped[str] = mapped_column(String(16), default="answers")
    review_after_close: Mapped[bool] = mapped_column(Boolean, default=False)
    # The settings as read from the file (for export and display).
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    source_path: Mapped[str] = mapped_column(String(500), default="")
    source_hash: Mapped[str] = mapped_column(String(64), default="")
    # The hash of the file's bytes (and its question file's) bound to the parser and the
    # state stored from them: a re-import whose files hash to it skips parsing. None: parse.
    raw_hash: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    course = relationship("Course")
    module = relationship("Module")
    questions: Mapped[list[Question]] = relationship(
        back_populates="quiz", order_by="Question.position", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Quiz {self.slug}>"

    def display_title(self, locale: str) -> str:
        return self.title_en if locale == "en" and self.title_en else (self.title or self.slug)

    def is_open_at(self, now: datetime) -> bool:
        if self.opens_at is not None and now < self.opens_at:
            return False
        return not (self.closes_at is not None and now >= self.closes_at)


class Question(db.Model):
    __tablename__ = "quiz_question"
    __table_args__ = (UniqueConstraint("quiz_id", "ident", "content_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quiz.id", ondelete="CASCADE"), index=True)
    ident: Mapped[str] = mapped_column(String(200))
    qtype: Mapped[str] = mapped_column(String(20))
    category: Mapped[str] = mapped_column(String(200), default="")
    position: Mapped[int] = mapped_column(Integer, default=0)
    points: Mapped[float] = mapped_column(Float, default=1.0)
    # QuestionSpec.to_dict(): the source of truth for grading and export.
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    # Sanitised HTML rendered once at import: text, choices, feedback … (see services.render_question).
    html: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    content_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Set when the question left the file (or changed: the new content is a new row).
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    quiz: Mapped[Quiz] = relationship(back_populates="questions")

    def spec(self) -> QuestionSpec:
        return QuestionSpec.from_dict(self.data)


class Attempt(db.Model):
    __tablename__ = "quiz_attempt"
    __table_args__ = (
        UniqueConstraint("quiz_id", "user_id", "number"),
        CheckConstraint(
            "status IN ('open', 'submitted', 'pending_review', 'graded')", name="status_known"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quiz.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    # A trainer trying the quiz: never counted in gradebooks, statistics or completion.
    preview: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(20), default="open", index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Time limit (or the quiz's close date), whichever comes first; None: no limit.
    deadline: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    # [{"q": question id, "choices": [original choice index by display position],
    #   "pool": [original pool index by display position]}, …] in display order.
    layout: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    close_reason: Mapped[str | None] = mapped_column(String(16))
    graded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    points: Mapped[float | None] = mapped_column(Float)
    max_points: Mapped[float | None] = mapped_column(Float)
    score: Mapped[float | None] = mapped_column(Float)  # percent 0..100
    passed: Mapped[bool | None] = mapped_column(Boolean)

    quiz: Mapped[Quiz] = relationship()
    user = relationship("User")
    answers: Mapped[list[AttemptAnswer]] = relationship(
        back_populates="attempt", cascade="all, delete-orphan"
    )

    def closes_at(self, grace_seconds: int) -> datetime | None:
        """The last moment a save or a submit is accepted."""
        if self.deadline is None:
            return None
        return self.deadline + timedelta(seconds=grace_seconds)

    def is_overdue(self, now: datetime, grace_seconds: int) -> bool:
        limit = self.closes_at(grace_seconds)
        return self.status == "open" and limit is not None and now > limit


class AttemptAnswer(db.Model):
    __tablename__ = "attempt_answer"
    __table_args__ = (UniqueConstraint("attempt_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(
        ForeignKey("quiz_attempt.id", ondelete="CASCADE"), index=True
    )
    question_id: Mapped[int] = mapped_column(ForeignKey("quiz_question.id"), index=True)
    # The cleaned response (see questions.validate_response), in original indexes.
    response: Mapped[Any] = mapped_column(JSON, nullable=True)
    # Canonical text of the response, for counting choices with GROUP BY.
    response_key: Mapped[str | None] = mapped_column(String(200))
    seq: Mapped[int] = mapped_column(Integer, default=0)
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Grading (set at submit; essays by a trainer).
    fraction: Mapped[float | None] = mapped_column(Float)
    points: Mapped[float | None] = mapped_column(Float)
    needs_review: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    comment: Mapped[str | None] = mapped_column(Text)
    graded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    graded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    attempt: Mapped[Attempt] = relationship(back_populates="answers")
    question: Mapped[Question] = relationship()

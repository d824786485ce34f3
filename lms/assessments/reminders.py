"""The "quiz closing" rule of ``flask lms remind`` (rule ``quizzes-closing``).

A learner whose attempt is still open (started, not submitted) is told once when the quiz
closes within ``QUIZ_CLOSING_DAYS`` days of ``as_of`` (key ``quiz:<attempt>``).
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from lms.assessments.models import Attempt, Quiz
from lms.auth.models import User
from lms.core.localtime import end_of_day_utc, local_midnight_utc, zone
from lms.extensions import db
from lms.messages import services as messages
from lms.messages.hooks import Rule
from lms.registry.models import AdminUnit, Person

QUIZ_CLOSING_DAYS = 3


def quizzes_closing(batch) -> None:
    start, end = local_midnight_utc(batch.as_of), end_of_day_utc(batch.as_of + timedelta(days=QUIZ_CLOSING_DAYS))
    rows = db.session.execute(
        select(Attempt.id, Quiz.slug, Quiz.title, Quiz.title_en, Quiz.closes_at, User.id.label("user_id"),
               User.email, User.phone, User.locale, User.display_name, Person.id.label("person_id"),
               Person.full_name, Person.phone.label("person_phone"), Person.email.label("person_email"),
               AdminUnit.name.label("unit_name"))
        .join(Quiz, Quiz.id == Attempt.quiz_id)
        .join(User, User.id == Attempt.user_id)
        .outerjoin(Person, Person.id == User.person_id)
        .outerjoin(AdminUnit, AdminUnit.id == Person.unit_id)
        .where(Attempt.status == "open", Attempt.preview.is_(False), User.active.is_(True),
               Quiz.closes_at >= start, Quiz.closes_at < end)
        .order_by(Attempt.id)
    ).all()
    for row in rows:
        title = (row.title_en if row.locale == "en" and row.title_en else row.title) or row.slug
        batch.add(
            "reminder", "quiz_closing", key=f"quiz:{row.id}", unit=row.unit_name, topic=f"quiz:{row.slug}"[:100],
            context={"full_name": row.full_name or row.display_name, "quiz": title, "closes_on": row.closes_at.astimezone(zone()).date(),
                     "closes_at": row.closes_at.astimezone(zone()).strftime("%H:%M"),
                     "url": messages.public_url("assessments.attempt_page", attempt_id=row.id)},
            person_id=row.person_id, user_id=row.user_id, phone=row.person_phone or row.phone,
            email=row.person_email or row.email, locale=row.locale,
        )


RULE = Rule("quizzes-closing", quizzes_closing)

"""Demo data for quizzes: one finished attempt of the demo learner, if the quiz exists.

Quizzes themselves come from ``flask lms import-quizzes`` (``make run`` imports them
before ``seed-demo``); this imports nothing. Idempotent: an existing attempt is kept.
"""

from __future__ import annotations

from sqlalchemy import select

from lms.assessments import services
from lms.assessments.models import Attempt, Quiz
from lms.auth import services as auth_services
from lms.catalog.models import Enrolment
from lms.extensions import db

DEMO_QUIZ = "quan-tri-cuoi-khoa"
DEMO_LEARNER = "0912345678"


def seed_demo() -> bool:
    """Return True when an attempt was created."""
    quiz = db.session.scalar(select(Quiz).where(Quiz.slug == DEMO_QUIZ))
    learner = auth_services.find_user_by_login(DEMO_LEARNER)
    if quiz is None or learner is None or quiz.course_id is None:
        return False
    if db.session.scalar(select(Attempt.id).where(Attempt.quiz_id == quiz.id, Attempt.user_id == learner.id)):
        return False
    if not db.session.scalar(
        select(Enrolment.id).where(Enrolment.user_id == learner.id, Enrolment.course_id == quiz.course_id)
    ):
        db.session.add(Enrolment(user_id=learner.id, course_id=quiz.course_id))
        db.session.flush()
    attempt = services.start_attempt(learner, quiz, preview=False)
    questions = services.questions_of(attempt)
    raw = {}
    for slot, entry in enumerate(attempt.layout, start=1):
        spec = services.question_spec(questions[entry["q"]])
        answer = spec.type_class.demo_answer(spec, entry, slot)
        if answer is not None:
            raw[slot] = answer
    services.save_answers(attempt, raw, 1)
    services.submit_attempt(attempt)
    return True

"""Catalog demo data: the demo learner is enrolled in the sample course, one lesson done.

Courses themselves come from ``flask lms import-courses`` (``make run`` runs it first);
without them this does nothing.
"""

from __future__ import annotations

from sqlalchemy import select

from lms.auth.services import find_user_by_login
from lms.catalog import services
from lms.catalog.models import Course, Lesson
from lms.extensions import db

SAMPLE_COURSE = "lam-quen-ocop"
DEMO_LEARNER = "0912345678"


def seed_demo() -> None:
    course = db.session.scalar(select(Course).where(Course.slug == SAMPLE_COURSE))
    learner = find_user_by_login(DEMO_LEARNER)
    if course is None or learner is None:
        return
    if services.enrol(learner, course):
        first = db.session.scalar(
            select(Lesson).where(Lesson.course_id == course.id, Lesson.retired_at.is_(None)).order_by(Lesson.position)
        )
        if first is not None:
            services.mark_done(learner, first)
    db.session.flush()

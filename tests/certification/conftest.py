"""Factories for the certificate tests: courses, people, completions (ids, not objects)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from lms.extensions import db


@pytest.fixture
def make_course(app):
    from lms.catalog.models import Course

    counter = {"n": 0}

    def factory(title="Quản trị sản xuất, kinh doanh cho chủ thể OCOP", hours=24, template=None,
                title_en=None) -> int:
        counter["n"] += 1
        with app.app_context():
            course = Course(slug=f"khoa-{counter['n']}", title=title, title_en=title_en, hours=hours,
                            certificate_template=template)
            db.session.add(course)
            db.session.commit()
            return course.id

    return factory


@pytest.fixture
def make_person(app):
    from lms.registry.models import Person

    def factory(name="Nguyễn Thị Hường", phone=None, email=None) -> int:
        with app.app_context():
            person = Person(full_name=name, phone=phone, email=email)
            db.session.add(person)
            db.session.commit()
            return person.id

    return factory


@pytest.fixture
def complete(app):
    """Record a completion (as the catalog does) and return the code of the person's latest
    certificate for the course, or None."""
    from lms.catalog.models import Course
    from lms.catalog.services import record_completion
    from lms.certification.models import Certificate

    def factory(person_id: int, course_id: int, via: str = "online", completed_at=None) -> str | None:
        with app.app_context():
            course = db.session.get(Course, course_id)
            record_completion(person_id, course, via=via, completed_at=completed_at)
            db.session.commit()
            return db.session.scalar(
                select(Certificate.code).where(
                    Certificate.person_id == person_id, Certificate.course_id == course_id
                ).order_by(Certificate.renewal.desc()).limit(1)
            )

    return factory


@pytest.fixture
def certificate(app):
    """Load a certificate by code inside a fresh app context: ``with certificate(code) as c``."""
    from contextlib import contextmanager

    from lms.certification.models import Certificate

    @contextmanager
    def loader(code: str):
        with app.app_context():
            yield db.session.scalar(select(Certificate).where(Certificate.code == code))

    return loader

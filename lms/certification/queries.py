"""Certificate reads, scoped to the people the current user may see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, and_, func, or_, select

from lms.catalog.models import Course, CourseCompletion
from lms.certification.codes import normalize_code
from lms.certification.models import EXPIRED, REVOKED, VALID, Certificate
from lms.extensions import db
from lms.registry.models import AdminUnit, Person
from lms.registry.queries import person_scope, subtree_condition


@dataclass
class CertificateFilter:
    q: str = ""
    course_id: int | None = None
    status: str | None = None
    issued_from: date | None = None
    issued_to: date | None = None
    unit: AdminUnit | None = None


def scoped_certificates(user) -> Select:
    """Certificates of the people ``user`` may see (managers, trainers, administrators)."""
    return select(Certificate).join(Person, Person.id == Certificate.person_id).where(person_scope(user))


def status_condition(status: str, today: date):
    if status == REVOKED:
        return Certificate.revoked_at.is_not(None)
    if status == EXPIRED:
        return and_(Certificate.revoked_at.is_(None), Certificate.expires_on < today)
    if status == VALID:
        return and_(
            Certificate.revoked_at.is_(None),
            or_(Certificate.expires_on.is_(None), Certificate.expires_on >= today),
        )
    raise ValueError(status)


def search(user, flt: CertificateFilter, today: date) -> Select:
    stmt = scoped_certificates(user)
    if flt.q:
        code = normalize_code(flt.q)
        if code:
            stmt = stmt.where(Certificate.code == code)
        else:
            like = f"%{flt.q.lower()}%"
            stmt = stmt.where(
                or_(func.lower(Certificate.holder_name).like(like), func.lower(Person.full_name).like(like))
            )
    if flt.course_id:
        stmt = stmt.where(Certificate.course_id == flt.course_id)
    if flt.status:
        stmt = stmt.where(status_condition(flt.status, today))
    if flt.issued_from:
        stmt = stmt.where(Certificate.issued_on >= flt.issued_from)
    if flt.issued_to:
        stmt = stmt.where(Certificate.issued_on <= flt.issued_to)
    if flt.unit is not None:
        stmt = stmt.join(AdminUnit, AdminUnit.id == Person.unit_id).where(subtree_condition(flt.unit))
    return stmt.order_by(Certificate.issued_on.desc(), Certificate.holder_name, Certificate.id)


def count(stmt: Select) -> int:
    return db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0


def by_code(raw: str | None) -> Certificate | None:
    code = normalize_code(raw)
    if code is None:
        return None
    return db.session.scalar(select(Certificate).where(Certificate.code == code))


def my_certificates(user) -> list[Certificate]:
    if not getattr(user, "person_id", None):
        return []
    return list(
        db.session.scalars(
            select(Certificate)
            .where(Certificate.person_id == user.person_id)
            .order_by(Certificate.issued_on.desc(), Certificate.id.desc())
        )
    )


def pending_completions(user, limit: int = 200) -> list[tuple[CourseCompletion, Person, Course]]:
    """Completions in the user's area that have no certificate yet (a renewed completion
    needs a certificate of its own)."""
    stmt = (
        select(CourseCompletion, Person, Course)
        .join(Person, Person.id == CourseCompletion.person_id)
        .join(Course, Course.id == CourseCompletion.course_id)
        .outerjoin(
            Certificate,
            and_(
                Certificate.person_id == CourseCompletion.person_id,
                Certificate.course_id == CourseCompletion.course_id,
                Certificate.renewal == CourseCompletion.renewals,
            ),
        )
        .where(Certificate.id.is_(None), person_scope(user))
        .order_by(CourseCompletion.completed_at.desc(), CourseCompletion.id)
        .limit(limit)
    )
    return [tuple(row) for row in db.session.execute(stmt).all()]


def courses_with_certificates(user) -> list[Course]:
    stmt = (
        select(Course)
        .where(Course.id.in_(scoped_certificates(user).with_only_columns(Certificate.course_id)))
        .order_by(Course.title)
    )
    return list(db.session.scalars(stmt))

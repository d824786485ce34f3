"""Onboarding reads: whom to print slips for, registration requests, a learner's required courses.

Scoped by the viewer's area through the registry's ``person_scope`` / ``unit_scope``.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import aliased

from lms.catalog.models import Course, CourseCompletion
from lms.core.localtime import local_today
from lms.core.text import fold
from lms.coverage import queries as coverage_queries
from lms.extensions import db
from lms.onboarding.models import PENDING, RegistrationRequest
from lms.registry.models import AdminUnit, Person
from lms.registry.queries import person_scope, subtree_condition, unit_scope


class Everyone:
    """The CLI runs as the operator of the server: it sees everything."""

    is_authenticated = True
    id = None

    def has_role(self, *roles):
        return "admin" in roles


def people_in_area(viewer, unit: AdminUnit | None, *, scheme: str = "2025", group: str | None = None,
                   only_untrained: bool = False, as_of: date | None = None):
    """A select of the people of ``unit``'s subtree that ``viewer`` may see, with a phone on record
    (activation asks for it), by name."""
    stmt = select(Person).where(person_scope(viewer), Person.phone.is_not(None))
    if unit is not None:
        stmt = stmt.where(Person.unit_id.in_(select(AdminUnit.id).where(subtree_condition(unit))))
    if group:
        stmt = stmt.where(Person.target_group == group)
    if only_untrained:
        area = coverage_queries.Area(unit, unit.scheme if unit is not None else scheme)
        gap = coverage_queries.gap_query(viewer, area, as_of or local_today(), group).subquery()
        stmt = stmt.where(Person.id.in_(select(gap.c.id)))
    return stmt.order_by(Person.full_name, Person.id)


def scoped_people(viewer, person_ids: list[int]) -> tuple[list[Person], bool]:
    """The people of ``person_ids`` the viewer may see, and whether every id was one of them."""
    ids = list(dict.fromkeys(person_ids))
    found = list(db.session.scalars(
        select(Person).where(Person.id.in_(ids), person_scope(viewer)).order_by(Person.full_name, Person.id)
    )) if ids else []
    return found, len(found) == len(ids)


def requests_query(viewer, status: str = PENDING):
    """Registration requests from the units the viewer may see, oldest first."""
    return (
        select(RegistrationRequest)
        .join(AdminUnit, AdminUnit.id == RegistrationRequest.unit_id)
        .where(RegistrationRequest.status == status, unit_scope(viewer))
        .order_by(RegistrationRequest.created_at, RegistrationRequest.id)
    )


def can_see_request(viewer, request: RegistrationRequest) -> bool:
    return bool(db.session.scalar(
        select(RegistrationRequest.id).join(AdminUnit, AdminUnit.id == RegistrationRequest.unit_id)
        .where(RegistrationRequest.id == request.id, unit_scope(viewer))
    ))


def communes(province: AdminUnit | None) -> list[AdminUnit]:
    """The 2025 communes of a province, by name (the registration form's list)."""
    if province is None:
        return []
    return list(db.session.scalars(
        select(AdminUnit).where(AdminUnit.scheme == "2025", AdminUnit.parent_id == province.id)
        .order_by(AdminUnit.name)
    ))


def search_communes(text: str, limit: int = 30) -> list[tuple[AdminUnit, AdminUnit]]:
    """2025 communes whose name contains ``text``, accents and case ignored, with their province
    ("dong hoi" finds "Phường Đồng Hới"). About 3,300 names: folded in Python."""
    wanted = fold(text)
    if len(wanted) < 2:
        return []
    province = aliased(AdminUnit)
    rows = db.session.execute(
        select(AdminUnit, province).join(province, province.id == AdminUnit.parent_id)
        .where(AdminUnit.scheme == "2025", AdminUnit.level == "commune")
    ).all()
    found = [(c, p) for c, p in rows if wanted in fold(c.name)]
    found.sort(key=lambda row: (fold(row[0].name), fold(row[1].name)))
    return found[:limit]


def provinces() -> list[AdminUnit]:
    return list(db.session.scalars(
        select(AdminUnit).where(AdminUnit.scheme == "2025", AdminUnit.level == "province").order_by(AdminUnit.name)
    ))


def learning_plan(user) -> dict | None:
    """The learner's requirement: course ids in order, the deadline and how many are done.

    Registered in the catalog's ``learning_plans`` hook (the catalog cannot read coverage).
    """
    person = getattr(user, "person", None)
    if person is None or not person.target_group:
        return None
    requirement = coverage_queries.requirement_set()  # the primary set
    slugs = coverage_queries.required_courses(person.target_group) if requirement is not None else []
    if not slugs:
        return None
    by_slug = dict(db.session.execute(select(Course.slug, Course.id).where(Course.slug.in_(slugs))).all())
    course_ids = [by_slug[s] for s in slugs if s in by_slug]
    done = set(db.session.scalars(
        select(CourseCompletion.course_id).where(CourseCompletion.person_id == person.id,
                                                 CourseCompletion.course_id.in_(course_ids))
    )) if course_ids else set()
    return {"course_ids": course_ids, "deadline": requirement.deadline, "done": len(done),
            "total": len(slugs)}

"""Onboarding reads: whom to print slips for, registration requests, a learner's required courses.

Scoped by the viewer's area through the registry's ``person_scope`` / ``unit_scope``.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import bindparam, select
from sqlalchemy.orm import aliased

from lms.catalog.models import Course, CourseCompletion
from lms.core.db import plain_rows
from lms.core.localtime import local_today
from lms.core.text import fold
from lms.coverage import queries as coverage_queries
from lms.coverage.models import REQUIRED, RequirementCourse, RequirementSet
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


# Built once (My learning asks on every view): the primary set's required courses for the
# person's target group, in order, with the set's deadline, each course's id and whether
# the person has completed it, in one statement.
_PLAN = (
    select(RequirementCourse.course_slug, RequirementSet.deadline, Course.id, CourseCompletion.id.is_not(None))
    .select_from(Person)
    .join(RequirementSet, RequirementSet.is_primary.is_(True))
    .join(RequirementCourse, (RequirementCourse.set_id == RequirementSet.id)
          & (RequirementCourse.target_group == Person.target_group) & (RequirementCourse.kind == REQUIRED))
    .outerjoin(Course, Course.slug == RequirementCourse.course_slug)
    .outerjoin(CourseCompletion, (CourseCompletion.person_id == Person.id) & (CourseCompletion.course_id == Course.id))
    .where(Person.id == bindparam("person_id"))
    .order_by(RequirementCourse.position)
)


def learning_plan(user) -> dict | None:
    """The learner's requirement: course ids in order, the deadline and how many are done.

    Registered in the catalog's ``learning_plans`` hook (the catalog cannot read coverage).
    One query: the person's target group, the primary set, its required courses, their ids
    and the person's completions of them.
    """
    person_id = getattr(user, "person_id", None)
    if person_id is None:
        return None
    rows = plain_rows(_PLAN, {"person_id": person_id}).all()
    if not rows:
        return None
    course_ids = [course_id for _slug, _deadline, course_id, _done in rows if course_id is not None]
    done = {course_id for _slug, _deadline, course_id, is_done in rows if is_done}
    return {"course_ids": course_ids, "deadline": rows[0][1], "done": len(done), "total": len(rows)}

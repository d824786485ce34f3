"""Coverage figures, trends and gap lists: SQL GROUP BYs over the registry and
CourseCompletion, always within the viewer's area (``person_scope``).

A person is *trained* at date D when they have a CourseCompletion on or before D for
every course their target group requires; *in progress* when they have some of them,
or are enrolled in one; *not started* otherwise. Only people active at D count (and,
for leaders, whose organisation has joined by D's year and not withdrawn by D).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import (
    Date,
    Integer,
    and_,
    case,
    distinct,
    exists,
    func,
    literal,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.orm import aliased

from lms.auth.models import User
from lms.catalog.models import Course, CourseCompletion, Enrolment
from lms.core.db import UTCDateTime, vi_collate
from lms.core.groups import TARGET_GROUPS
from lms.core.localtime import end_of_day_utc, local_today  # noqa: F401 - local_today re-exported
from lms.core.security import is_admin
from lms.coverage.models import Requirement, RequirementCourse
from lms.extensions import db
from lms.registry.models import ORG_TYPES, AdminUnit, Organisation, Person
from lms.registry.queries import (
    assigned_units,
    legacy_place,
    listable,
    organisation_scope,
    person_scope,
    sort_units,
    subtree_condition,
    unit_scope,
)


def percent(part: int, whole: int) -> float | None:
    return round(part * 100.0 / whole, 1) if whole else None


def cutoff(as_of: date) -> datetime:
    """The first instant after ``as_of`` in the configured time zone, in UTC."""
    return end_of_day_utc(as_of)


@dataclass
class Area:
    """What a coverage request looks at: a unit (None: the whole country) in a scheme."""

    unit: AdminUnit | None
    scheme: str
    # Without a unit: the level of the top units shown (provinces for an administrator;
    # for staff viewing the other scheme, the highest level present in their area).
    top_level: str = "province"

    def condition(self):
        if self.unit is not None:
            return subtree_condition(self.unit)
        if self.scheme == "legacy":
            return AdminUnit.scheme == "legacy"
        return true()

    def place(self, unit_id):
        """The unit a row registered in ``unit_id`` counts under: itself under the 2025
        scheme (legacy units roll up through their columns); under the legacy scheme, people
        registered in 2025 units count under a legacy unit (``legacy_place``)."""
        return legacy_place(unit_id) if self.scheme == "legacy" else unit_id

    def child_key(self):
        """The column naming the child unit (one level down) that a row falls in."""
        unit, scheme = self.unit, self.scheme
        if scheme == "2025":
            if unit is None:
                return AdminUnit.new_province_id
            if unit.level == "province":
                return AdminUnit.new_commune_id
            return literal(None, Integer)
        if unit is None:
            return {"province": AdminUnit.province_id, "district": AdminUnit.district_id}.get(
                self.top_level, case((AdminUnit.level == "commune", AdminUnit.id), else_=None))
        if unit.level == "province":
            return AdminUnit.district_id
        if unit.level == "district":
            return case((AdminUnit.level == "commune", AdminUnit.id), else_=None)
        return literal(None, Integer)


def default_area(user, scheme: str = "2025") -> Area | None:
    """Admins: the whole country; staff with one assigned unit: that unit; else None."""
    if is_admin(user):
        return Area(None, scheme)
    units = assigned_units(user)
    if len(units) == 1 and units[0].scheme == scheme:
        return Area(units[0], scheme)
    if units and all(u.scheme != scheme for u in units):
        # The other scheme's view of one's area: its top units within the area.
        for level in ("province", "district", "commune"):
            if db.session.scalar(select(AdminUnit.id).where(
                    AdminUnit.scheme == scheme, AdminUnit.level == level, unit_scope(user)).limit(1)):
                return Area(None, scheme, level)
        return Area(None, scheme)
    return None


def requirement_tables():
    req = (
        select(RequirementCourse.target_group.label("target_group"), Course.id.label("course_id"))
        .join(Course, Course.slug == RequirementCourse.course_slug)
        .subquery("req")
    )
    nreq = (
        select(RequirementCourse.target_group.label("target_group"), func.count().label("n"))
        .group_by(RequirementCourse.target_group)
        .subquery("nreq")
    )
    return req, nreq


def _active_at(as_of: date):
    return and_(
        or_(Person.active_from.is_(None), Person.active_from <= as_of),
        or_(Person.active_until.is_(None), Person.active_until >= as_of),
        or_(
            Person.organisation_id.is_(None),
            and_(
                or_(Organisation.joined_year.is_(None), Organisation.joined_year <= as_of.year),
                or_(Organisation.withdrawn_on.is_(None), Organisation.withdrawn_on > as_of),
            ),
        ),
    )


def per_person(user, area: Area, as_of: date, group: str | None = None, *, with_child: bool = True):
    """One row per counted person: required and completed counts at ``as_of``."""
    req, nreq = requirement_tables()
    cc = aliased(CourseCompletion)
    child = area.child_key() if with_child else literal(None, Integer)
    stmt = (
        select(
            Person.id.label("person_id"),
            Person.target_group.label("grp"),
            Person.organisation_id.label("org_id"),
            child.label("child"),
            nreq.c.n.label("n_req"),
            func.count(cc.id).label("n_done"),
        )
        .select_from(Person)
        .join(AdminUnit, AdminUnit.id == area.place(Person.unit_id))
        .join(nreq, nreq.c.target_group == Person.target_group)
        .outerjoin(Organisation, Organisation.id == Person.organisation_id)
        .outerjoin(req, req.c.target_group == Person.target_group)
        .outerjoin(cc, and_(cc.person_id == Person.id, cc.course_id == req.c.course_id,
                            cc.completed_at < cutoff(as_of)))
        .where(_active_at(as_of), person_scope(user), area.condition())
        .group_by(Person.id, Person.target_group, Person.organisation_id, child, nreq.c.n)
    )
    if group:
        stmt = stmt.where(Person.target_group == group)
    return stmt.subquery("pp")


def _status_columns(pp, as_of: date):
    req, _ = requirement_tables()
    enrolled = exists(
        select(Enrolment.id)
        .join(User, User.id == Enrolment.user_id)
        .join(req, req.c.course_id == Enrolment.course_id)
        .where(User.person_id == pp.c.person_id, req.c.target_group == pp.c.grp,
               Enrolment.enrolled_at < cutoff(as_of))
    )
    trained = pp.c.n_done >= pp.c.n_req
    started = and_(pp.c.n_done < pp.c.n_req, or_(pp.c.n_done > 0, enrolled))
    return trained, started


def figures(user, area: Area, as_of: date, group: str | None = None) -> dict:
    """Coverage of an area: totals, per target group and per child unit (two queries)."""
    pp = per_person(user, area, as_of, group)
    trained, started = _status_columns(pp, as_of)
    rows = db.session.execute(
        select(
            pp.c.child, pp.c.grp, func.count().label("required"),
            func.sum(case((trained, 1), else_=0)).label("trained"),
            func.sum(case((started, 1), else_=0)).label("in_progress"),
        ).group_by(pp.c.child, pp.c.grp)
    ).all()
    groups: dict[str, dict] = {}
    children: dict[int | None, dict] = {}
    total = {"required": 0, "trained": 0, "in_progress": 0}
    for row in rows:
        for bucket in (groups.setdefault(row.grp, {"required": 0, "trained": 0, "in_progress": 0}),
                       children.setdefault(row.child, {"required": 0, "trained": 0, "in_progress": 0}),
                       total):
            bucket["required"] += row.required
            bucket["trained"] += int(row.trained or 0)
            bucket["in_progress"] += int(row.in_progress or 0)

    def finish(bucket):
        bucket["not_started"] = bucket["required"] - bucket["trained"] - bucket["in_progress"]
        bucket["percent"] = percent(bucket["trained"], bucket["required"])
        return bucket

    unit = area.unit
    child_units = _child_units(user, area)
    result = {
        "unit": unit.as_dict() if unit is not None else None,
        "as_of": as_of.isoformat(),
        "total": finish(total),
        "groups": [
            {"group": g, **finish(groups[g])} for g in TARGET_GROUPS if g in groups
        ],
        "children": [
            {"unit": u.as_dict(), "id": u.id,
             "required": children.get(u.id, {}).get("required", 0),
             "trained": children.get(u.id, {}).get("trained", 0),
             "percent": percent(children.get(u.id, {}).get("trained", 0),
                                children.get(u.id, {}).get("required", 0))}
            for u in child_units
        ],
    }
    direct = children.get(None)
    result["direct"] = finish(direct) if direct else None
    return result


def _child_units(user, area: Area) -> list[AdminUnit]:
    if area.unit is not None and (area.scheme == "2025" and area.unit.level == "commune"
                                  or area.scheme == "legacy" and area.unit.level == "commune"):
        return []
    stmt = select(AdminUnit).where(AdminUnit.scheme == area.scheme, unit_scope(user))
    if area.unit is None:
        stmt = stmt.where(AdminUnit.level == area.top_level)
    else:
        stmt = stmt.where(AdminUnit.parent_id == area.unit.id)
    return sort_units(db.session.scalars(stmt))


def organisation_figures(user, area: Area, as_of: date) -> list[dict]:
    """Organisations active at ``as_of`` by type, and how many have a trained leader."""
    pp = per_person(user, area, as_of, with_child=False)
    trained, _ = _status_columns(pp, as_of)
    rows = db.session.execute(
        select(
            Organisation.org_type,
            func.count(distinct(Organisation.id)),
            func.count(distinct(case((trained, Organisation.id), else_=None))),
        )
        .select_from(Organisation)
        .join(AdminUnit, AdminUnit.id == area.place(Organisation.unit_id))
        .outerjoin(pp, pp.c.org_id == Organisation.id)
        .where(
            or_(Organisation.joined_year.is_(None), Organisation.joined_year <= as_of.year),
            or_(Organisation.withdrawn_on.is_(None), Organisation.withdrawn_on > as_of),
            organisation_scope(user), area.condition(),
        )
        .group_by(Organisation.org_type)
    ).all()
    found = {t: (n, c) for t, n, c in rows}
    return [
        {"type": t, "total": found[t][0], "covered": found[t][1], "percent": percent(found[t][1], found[t][0])}
        for t in ORG_TYPES if t in found
    ]


def month_ends(as_of: date, months: int = 12) -> list[date]:
    """The last day of each of the ``months`` months before ``as_of``, then ``as_of``."""
    result = []
    year, month = as_of.year, as_of.month
    for _ in range(months):
        month -= 1
        if month == 0:
            year, month = year - 1, 12
        result.append(date(year, month, calendar.monthrange(year, month)[1]))
    return list(reversed(result)) + [as_of]


def trend(user, area: Area, as_of: date, group: str | None = None, months: int = 12) -> list[dict]:
    """Required and trained at each month end (one query)."""
    req, nreq = requirement_tables()
    cc = aliased(CourseCompletion)
    pt = (
        select(
            Person.id.label("person_id"),
            Person.active_from, Person.active_until, Person.organisation_id,
            Organisation.joined_year, Organisation.withdrawn_on,
            case((func.count(cc.id) >= nreq.c.n, func.max(cc.completed_at)), else_=None).label("trained_at"),
        )
        .select_from(Person)
        .join(AdminUnit, AdminUnit.id == area.place(Person.unit_id))
        .join(nreq, nreq.c.target_group == Person.target_group)
        .outerjoin(Organisation, Organisation.id == Person.organisation_id)
        .outerjoin(req, req.c.target_group == Person.target_group)
        .outerjoin(cc, and_(cc.person_id == Person.id, cc.course_id == req.c.course_id))
        .where(person_scope(user), area.condition())
        .group_by(Person.id, Person.active_from, Person.active_until, Person.organisation_id,
                  Organisation.joined_year, Organisation.withdrawn_on, nreq.c.n)
    )
    if group:
        pt = pt.where(Person.target_group == group)
    pt = pt.subquery("pt")
    days = month_ends(as_of, months)
    m = union_all(*(
        select(literal(i, Integer).label("idx"), literal(d, Date()).label("day"),
               literal(d.year, Integer).label("year"), literal(cutoff(d), UTCDateTime()).label("cut"))
        for i, d in enumerate(days)
    )).subquery("m")
    rows = db.session.execute(
        select(m.c.idx, func.count(pt.c.person_id),
               func.sum(case((pt.c.trained_at < m.c.cut, 1), else_=0)))
        .select_from(m)
        .join(pt, and_(
            or_(pt.c.active_from.is_(None), pt.c.active_from <= m.c.day),
            or_(pt.c.active_until.is_(None), pt.c.active_until >= m.c.day),
            or_(pt.c.organisation_id.is_(None), and_(
                or_(pt.c.joined_year.is_(None), pt.c.joined_year <= m.c.year),
                or_(pt.c.withdrawn_on.is_(None), pt.c.withdrawn_on > m.c.day),
            )),
        ))
        .group_by(m.c.idx)
    ).all()
    found = {idx: (req_n, int(tr or 0)) for idx, req_n, tr in rows}
    return [
        {"date": d, "required": found.get(i, (0, 0))[0], "trained": found.get(i, (0, 0))[1],
         "percent": percent(found.get(i, (0, 0))[1], found.get(i, (0, 0))[0])}
        for i, d in enumerate(days)
    ]


MIN_TREND = 5  # completions in the period shown, at least, before projecting a date


def projection(points: list[dict], target_percent: int = 100) -> dict:
    """When the target will be reached at the pace of the period shown (trained per month)."""
    if not points:
        return {"pace": 0.0, "months": None, "date": None}
    first, last = points[0], points[-1]
    if not last["required"]:
        # Nobody on the list: nothing is "reached" (0 of 0 is no achievement).
        return {"pace": 0.0, "months": None, "date": None, "reached": False, "empty": True}
    span = max(len(points) - 1, 1)
    pace = (last["trained"] - first["trained"]) / span
    goal = -(-last["required"] * target_percent // 100)
    remaining = max(goal - last["trained"], 0)
    if remaining == 0:
        return {"pace": pace, "months": 0, "date": last["date"], "reached": True}
    if pace <= 0:
        return {"pace": pace, "months": None, "date": None, "reached": False}
    if last["trained"] - first["trained"] < MIN_TREND:
        # A handful of completions is no trend to extrapolate from.
        return {"pace": pace, "months": None, "date": None, "reached": False, "few": True}
    months = -(-remaining // pace)
    months = int(months)
    year, month = last["date"].year, last["date"].month + months
    year += (month - 1) // 12
    month = (month - 1) % 12 + 1
    return {"pace": pace, "months": months, "reached": False,
            "date": date(year, month, calendar.monthrange(year, month)[1])}


def requirements() -> list[Requirement]:
    return list(db.session.scalars(select(Requirement).order_by(Requirement.target_group)))


def missing_courses() -> list[str]:
    """Required course slugs that no imported course has."""
    return list(db.session.scalars(
        select(RequirementCourse.course_slug).distinct()
        .where(~exists().where(Course.slug == RequirementCourse.course_slug))
        .order_by(RequirementCourse.course_slug)
    ))


def gap_query(user, area: Area, as_of: date, group: str | None = None):
    """The people not trained at ``as_of`` (a select of Person, Organisation and unit names)."""
    pp = per_person(user, area, as_of, group, with_child=False)
    unit = aliased(AdminUnit)
    return (
        select(Person, Organisation.name.label("org_name"), unit.name.label("unit_name"))
        .join(pp, pp.c.person_id == Person.id)
        .join(unit, unit.id == Person.unit_id)
        .outerjoin(Organisation, Organisation.id == Person.organisation_id)
        .where(pp.c.n_done < pp.c.n_req, listable())
        .order_by(vi_collate(unit.name), vi_collate(Person.full_name), Person.id)
    )


def gap_count(user, area: Area, as_of: date, group: str | None = None) -> int:
    return db.session.scalar(select(func.count()).select_from(gap_query(user, area, as_of, group).subquery()))


def missing_for(person_rows: list, as_of: date) -> dict[int, list[str]]:
    """For each person, the required course slugs not completed at ``as_of`` (one query)."""
    ids = [p.id for p in person_rows]
    required: dict[str, list[str]] = {}
    for grp, slug in db.session.execute(
        select(RequirementCourse.target_group, RequirementCourse.course_slug)
        .order_by(RequirementCourse.target_group, RequirementCourse.position)
    ):
        required.setdefault(grp, []).append(slug)
    done: dict[int, set[str]] = {}
    for start in range(0, len(ids), 1000):
        for pid, slug in db.session.execute(
            select(CourseCompletion.person_id, Course.slug)
            .join(Course, Course.id == CourseCompletion.course_id)
            .where(CourseCompletion.person_id.in_(ids[start:start + 1000]),
                   CourseCompletion.completed_at < cutoff(as_of))
        ):
            done.setdefault(pid, set()).add(slug)
    return {
        p.id: [s for s in required.get(p.target_group, []) if s not in done.get(p.id, set())]
        for p in person_rows
    }


def untrained_by_commune(user, area: Area, as_of: date, limit: int = 10) -> list[dict]:
    """The communes of an area with the most people not trained at ``as_of`` (one GROUP BY)."""
    pp = per_person(user, area, as_of, with_child=False)
    commune = AdminUnit.new_commune_id if area.scheme == "2025" else case(
        (AdminUnit.level == "commune", AdminUnit.id), else_=None)
    counts = (
        select(commune.label("commune_id"), func.count().label("untrained"))
        .select_from(pp).join(Person, Person.id == pp.c.person_id).join(AdminUnit, AdminUnit.id == Person.unit_id)
        .where(pp.c.n_done < pp.c.n_req, commune.is_not(None))
        .group_by(commune).subquery("uc")
    )
    named = aliased(AdminUnit)
    rows = db.session.execute(
        select(named.name, named.code, counts.c.untrained).join(named, named.id == counts.c.commune_id)
        .order_by(counts.c.untrained.desc(), named.name).limit(limit)
    ).all()
    return [{"name": name, "code": code, "untrained": n} for name, code, n in rows]


def course_titles(slugs) -> dict[str, str]:
    """slug → title of the imported courses among ``slugs`` (people read titles, not slugs)."""
    slugs = set(slugs)
    if not slugs:
        return {}
    return dict(db.session.execute(select(Course.slug, Course.title).where(Course.slug.in_(slugs))).all())


def missing_titles(missing: dict[int, list[str]]) -> dict[int, list[str]]:
    """``missing_for``'s slugs as course titles (a slug stays where no course has it yet)."""
    titles = course_titles(s for slugs in missing.values() for s in slugs)
    return {pid: [titles.get(s, s) for s in slugs] for pid, slugs in missing.items()}

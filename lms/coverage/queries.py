"""Coverage figures, trends and gap lists: SQL GROUP BYs over the registry and
CourseCompletion, always within the viewer's area (``person_scope``).

Everything is counted against a requirement set (``requirement=`` a set name; default:
the primary set). A person is *trained* at date D when they have, for every course their
target group requires in the set, a CourseCompletion on or before D that still *counts*
(recent enough for ``valid_months``, on or after ``valid_from``, of ``min_version`` or
later); *needs refresher* when none of their completions counts any more although some
exist; *in progress* when some count, or they are enrolled in one; *not started*
otherwise. Only people active at D count (and, for leaders, whose organisation has
joined by D's year and not withdrawn by D; district officials not from 1 July 2025).
"""

from __future__ import annotations

import calendar
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import (
    Date,
    Integer,
    String,
    and_,
    bindparam,
    case,
    distinct,
    exists,
    false,
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
from lms.core.groups import GROUP_ENDS, TARGET_GROUPS
from lms.core.localtime import (  # noqa: F401 - local_today and add_months re-exported
    add_months,
    end_of_day_utc,
    local_midnight_utc,
    local_today,
    zone,
)
from lms.core.security import is_admin
from lms.core.text import vi_sort_key_cached
from lms.coverage.models import (
    RECOMMENDED,
    REQUIRED,
    Requirement,
    RequirementCourse,
    RequirementSet,
    RequirementValidity,
)
from lms.extensions import db
from lms.registry.models import ORG_TYPES, AdminUnit, Organisation, Person
from lms.registry.queries import (
    assigned_units,
    legacy_place,
    listable,
    organisation_scope,
    person_scope,
    scope_key,
    subtree_condition,
    unit_scope,
)

# Column types of the literal tables, made once: a new type instance per query costs a
# cache-key computation (an introspection of its constructor) every time a statement runs.
_INT, _STR, _DATE, _DT = Integer(), String(), Date(), UTCDateTime()


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

    def key(self) -> tuple:
        """Everything of the area that a coverage statement depends on (hashable)."""
        unit = self.unit
        return (self.scheme, self.top_level, None if unit is None else (unit.id, unit.scheme, unit.level))

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


# --- requirement sets and their rules --------------------------------------------------------


def requirement_sets() -> list[RequirementSet]:
    return list(db.session.scalars(select(RequirementSet).order_by(
        RequirementSet.is_primary.desc(), RequirementSet.position, RequirementSet.name)))


def requirement_set(requirement: str | RequirementSet | None = None) -> RequirementSet | None:
    """A set by name (or the set itself); the primary set when None."""
    if isinstance(requirement, RequirementSet):
        return requirement
    stmt = select(RequirementSet)
    stmt = stmt.where(RequirementSet.name == requirement) if requirement else \
        stmt.where(RequirementSet.is_primary.is_(True))
    return db.session.scalar(stmt)


def required_courses(group: str, requirement: str | None = None) -> list[str]:
    """The course slugs a target group must complete in a set (default: the primary), in order."""
    return _courses(group, requirement, REQUIRED)


def recommended_courses(group: str, requirement: str | None = None) -> list[str]:
    return _courses(group, requirement, RECOMMENDED)


def _courses(group: str, requirement, kind: str) -> list[str]:
    rset = requirement_set(requirement)
    if rset is None:
        return []
    return list(db.session.scalars(
        select(RequirementCourse.course_slug)
        .where(RequirementCourse.set_id == rset.id, RequirementCourse.target_group == group,
               RequirementCourse.kind == kind)
        .order_by(RequirementCourse.position)
    ))


def version_key(version: str | None) -> tuple:
    """Natural order of course versions: "2" < "10", "1.5" < "2"."""
    parts = re.findall(r"\d+|[^\d.\-_ ]+", version or "")
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in parts)


@dataclass(frozen=True)
class Rule:
    """One required course of one group in a set, and when a completion of it counts."""

    group: str
    slug: str
    course_id: int | None
    valid_months: int | None
    valid_from: date | None
    min_version: str | None

    def since(self, as_of: date) -> datetime | None:
        """The earliest completion instant that still counts at ``as_of`` (None: any)."""
        bounds = []
        if self.valid_from is not None:
            bounds.append(local_midnight_utc(self.valid_from))
        if self.valid_months is not None:
            bounds.append(cutoff(add_months(as_of, -self.valid_months)))
        return max(bounds) if bounds else None

    def counts(self, completed_at: datetime, version: str | None, as_of: date) -> bool:
        """The same test as the SQL of ``per_person``, for one completion."""
        if completed_at >= cutoff(as_of):
            return False
        since = self.since(as_of)
        if since is not None and completed_at < since:
            return False
        return self.min_version is None or (
            version is not None and version_key(version) >= version_key(self.min_version))


_RULES = (
    select(RequirementCourse.target_group, RequirementCourse.course_slug, Course.id,
           RequirementValidity.valid_months, RequirementValidity.valid_from, RequirementValidity.min_version)
    .outerjoin(Course, Course.slug == RequirementCourse.course_slug)
    .outerjoin(RequirementValidity, and_(RequirementValidity.set_id == RequirementCourse.set_id,
                                         RequirementValidity.course_slug == RequirementCourse.course_slug))
    .where(RequirementCourse.kind == REQUIRED)
    .order_by(RequirementCourse.target_group, RequirementCourse.position)
)
_RULES_OF_SET = _RULES.where(RequirementCourse.set_id == bindparam("set_id"))
_RULES_BY_NAME = _RULES.join(RequirementSet, RequirementSet.id == RequirementCourse.set_id).where(
    RequirementSet.name == bindparam("name"))
_RULES_OF_PRIMARY = _RULES.join(RequirementSet, RequirementSet.id == RequirementCourse.set_id).where(
    RequirementSet.is_primary.is_(True))


def _core_rows(stmt, params=None) -> list:
    """The rows of a plain-column select, run on the session's connection without the ORM
    layer (about half a millisecond less per query; pending changes are flushed first,
    as the session's own execute would)."""
    session = db.session()
    if session.autoflush:
        session.flush()
    return session.connection().execute(stmt, params).all()


def rules(requirement=None) -> list[Rule]:
    """The required courses of every group of a set (default: the primary), with their
    validity (one query; its statement is built once)."""
    if isinstance(requirement, RequirementSet):
        rows = _core_rows(_RULES_OF_SET, {"set_id": requirement.id})
    elif requirement:
        rows = _core_rows(_RULES_BY_NAME, {"name": requirement})
    else:
        rows = _core_rows(_RULES_OF_PRIMARY)
    return [Rule(*row) for row in rows]


def _table(name: str, columns: list[tuple[str, object]], rows: list[tuple]):
    """A small literal table (a UNION ALL of one-row selects) usable as a subquery."""
    if not rows:
        return select(*(literal(None, kind).label(col) for col, kind in columns)).where(false()).subquery(name)
    return union_all(*(
        select(*(literal(value, kind).label(col) for (col, kind), value in zip(columns, row, strict=True)))
        for row in rows
    )).subquery(name)


def _versions(known: list[Rule]) -> tuple:
    """(course id, the versions its completions name) of the courses of versioned rules."""
    if not known:
        return ()
    versions: dict[int, list[str]] = {}
    ids = {r.course_id for r in known}
    for course_id, version in db.session.execute(
        select(CourseCompletion.course_id, CourseCompletion.course_version).distinct()
        .where(CourseCompletion.course_id.in_(ids), CourseCompletion.course_version.is_not(None))
    ):
        versions.setdefault(course_id, []).append(version)
    return tuple(sorted((course_id, tuple(sorted(found))) for course_id, found in versions.items()))


def _version_condition(table, cc, known: list[Rule], versions: tuple | None = None):
    """A completion's version qualifies for its rule (``table.c.vkey`` indexes ``known``;
    ``versions``: ``_versions(known)``, fetched when not given)."""
    if not known:
        return true()
    versions = dict(_versions(known) if versions is None else versions)
    return or_(table.c.vkey.is_(None), *(
        and_(table.c.vkey == key, cc.course_version.in_(
            [v for v in versions.get(rule.course_id, []) if version_key(v) >= version_key(rule.min_version)]))
        for key, rule in enumerate(known)
    ))


def _rule_tables(rule_list: list[Rule], as_of: date | None):
    """(req, nreq, versioned rules): req has one row per rule whose course exists, with the
    earliest counting instant at ``as_of`` (``since``; without ``as_of``: only ``valid_from``)."""
    present = [r for r in rule_list if r.course_id is not None]
    known = [r for r in present if r.min_version is not None]
    rows = []
    for r in present:
        if as_of is not None:
            since = r.since(as_of)
        else:
            since = local_midnight_utc(r.valid_from) if r.valid_from else None
        rows.append((r.group, r.course_id, since, r.valid_months,
                     known.index(r) if r.min_version is not None else None))
    req = _table("req", [("target_group", _STR), ("course_id", _INT), ("since", _DT),
                         ("months", _INT), ("vkey", _INT)], rows)
    counts: dict[str, int] = {}
    for r in rule_list:
        counts[r.group] = counts.get(r.group, 0) + 1
    nreq = _table("nreq", [("target_group", _STR), ("n", _INT)], sorted(counts.items()))
    return req, nreq, known


def requirement_tables(requirement=None, as_of: date | None = None):
    """(req, nreq) of a set: its required courses per group, and their number per group."""
    req, nreq, _known = _rule_tables(rules(requirement), as_of)
    return req, nreq


def _counting(day, grp=None):
    """Groups that have stopped counting by ``day`` (district officials from 1 July 2025)."""
    day = literal(day, _DATE) if isinstance(day, date) else day
    grp = Person.target_group if grp is None else grp
    return and_(true(), *(
        or_(grp.is_(None), grp != group, day < literal(end, _DATE)) for group, end in GROUP_ENDS.items()
    ))


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
        _counting(as_of),
    )


def per_person(user, area: Area, as_of: date, group: str | None = None, *, with_child: bool = True,
               requirement=None, rule_list: list[Rule] | None = None, versions: tuple | None = None):
    """One row per counted person: required, counting (``n_done``) and any (``n_any``)
    completions at ``as_of``, in a requirement set (default: the primary; ``rule_list``:
    its rules when the caller has them already, and ``versions`` their ``_versions``)."""
    req, nreq, known = _rule_tables(rules(requirement) if rule_list is None else rule_list, as_of)
    cc = aliased(CourseCompletion)
    valid = and_(or_(req.c.since.is_(None), cc.completed_at >= req.c.since),
                 _version_condition(req, cc, known, versions))
    child = area.child_key() if with_child else literal(None, Integer)
    stmt = (
        select(
            Person.id.label("person_id"),
            Person.target_group.label("grp"),
            Person.organisation_id.label("org_id"),
            child.label("child"),
            nreq.c.n.label("n_req"),
            func.count(case((valid, cc.id), else_=None)).label("n_done"),
            func.count(cc.id).label("n_any"),
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


def _status_columns(pp, as_of: date, requirement=None, rule_list: list[Rule] | None = None):
    """(trained, in progress, needs refresher): a person who is not trained and none of whose
    completions counts any more, while some exist, needs a refresher (not "in progress")."""
    req, _nreq, _known = _rule_tables(rules(requirement) if rule_list is None else rule_list, None)
    enrolled = exists(
        select(Enrolment.id)
        .join(User, User.id == Enrolment.user_id)
        .join(req, req.c.course_id == Enrolment.course_id)
        .where(User.person_id == pp.c.person_id, req.c.target_group == pp.c.grp,
               Enrolment.enrolled_at < cutoff(as_of))
    )
    trained = pp.c.n_done >= pp.c.n_req
    refresher = and_(pp.c.n_done == 0, pp.c.n_any > 0)
    started = and_(pp.c.n_done < pp.c.n_req, ~refresher, or_(pp.c.n_done > 0, enrolled))
    return trained, started, refresher


# Built statements by everything they depend on (see ``_statement``). The figures and
# child-unit statements of one area hold about 0.45 MiB with their memoised cache keys
# (the literal requirement tables are many small SQL elements): 24 entries, the last 12
# areas viewed, some 5 MiB per worker.
_STATEMENTS: OrderedDict[tuple, object] = OrderedDict()
_STATEMENTS_MAX = 24
_STATEMENTS_LOCK = threading.Lock()


def _statement(key: tuple, build):
    """The statement ``build()`` makes, kept by ``key`` (least recently used dropped).

    Building a coverage statement (its literal requirement tables, scope and area
    conditions) costs more Python time than the database takes to answer it for a province;
    the same statement object runs again without being built, cache-keyed or compiled. The
    key holds every input of the statement: the viewer's scope units, the area, the day and
    time zone, the group, the requirement rules and the course versions they accept.
    """
    with _STATEMENTS_LOCK:
        stmt = _STATEMENTS.get(key)
        if stmt is not None:
            _STATEMENTS.move_to_end(key)
            return stmt
    stmt = build()
    with _STATEMENTS_LOCK:
        _STATEMENTS[key] = stmt
        while len(_STATEMENTS) > _STATEMENTS_MAX:
            _STATEMENTS.popitem(last=False)
    return stmt


def _figures_statement(user, area: Area, as_of: date, group: str | None, rule_list: list[Rule],
                       versions: tuple):
    pp = per_person(user, area, as_of, group, rule_list=rule_list, versions=versions)
    trained, started, refresher = _status_columns(pp, as_of, rule_list=rule_list)
    return select(
        pp.c.child, pp.c.grp, func.count().label("required"),
        func.sum(case((trained, 1), else_=0)).label("trained"),
        func.sum(case((started, 1), else_=0)).label("in_progress"),
        func.sum(case((refresher, 1), else_=0)).label("needs_refresher"),
    ).group_by(pp.c.child, pp.c.grp)


def figures(user, area: Area, as_of: date, group: str | None = None, *, requirement=None) -> dict:
    """Coverage of an area in a requirement set (default: the primary): totals, per target
    group and per child unit (three queries: the rules, the figures, the child units)."""
    rule_list = rules(requirement)
    versions = _versions([r for r in rule_list if r.course_id is not None and r.min_version is not None])
    key = ("figures", scope_key(user), area.key(), as_of, zone().key, group, tuple(rule_list), versions)
    stmt = _statement(key, lambda: _figures_statement(user, area, as_of, group, rule_list, versions))
    # Sums per group, per child unit and in total, over plain tuples (a few hundred rows
    # for a province: attribute access on result rows would cost more than the query).
    groups: dict[str, list[int]] = {}
    children: dict[int | None, list[int]] = {}
    total = [0, 0, 0, 0]
    for child, grp, *counts in _core_rows(stmt):
        counts = [int(n or 0) for n in counts]
        for bucket in (groups.get(grp), children.get(child), total):
            if bucket is None:
                continue
            for i in range(4):
                bucket[i] += counts[i]
        if grp not in groups:
            groups[grp] = list(counts)
        if child not in children:
            children[child] = list(counts)

    def finish(bucket: list[int]) -> dict:
        required, trained, in_progress, refresher = bucket
        return {"required": required, "trained": trained, "in_progress": in_progress,
                "needs_refresher": refresher, "not_started": required - trained - in_progress - refresher,
                "percent": percent(trained, required)}

    unit = area.unit
    result = {
        "unit": unit.as_dict() if unit is not None else None,
        "as_of": as_of.isoformat(),
        "total": finish(total),
        "groups": [
            {"group": g, **finish(groups[g])} for g in TARGET_GROUPS if g in groups
        ],
        "children": [],
    }
    for unit_id, code, name, scheme in _child_units(user, area):
        required, trained = children.get(unit_id, (0, 0))[:2]
        result["children"].append({"unit": {"code": code, "name": name, "scheme": scheme}, "id": unit_id,
                                   "required": required, "trained": trained, "percent": percent(trained, required)})
    direct = children.get(None)
    result["direct"] = finish(direct) if direct else None
    return result


def _child_units(user, area: Area) -> list:
    """The child units of an area the viewer may see, as rows (id, code, name, scheme), in
    Vietnamese alphabetical order."""
    if area.unit is not None and (area.scheme == "2025" and area.unit.level == "commune"
                                  or area.scheme == "legacy" and area.unit.level == "commune"):
        return []

    def build():
        stmt = select(AdminUnit.id, AdminUnit.code, AdminUnit.name, AdminUnit.scheme).where(
            AdminUnit.scheme == area.scheme, unit_scope(user))
        if area.unit is None:
            return stmt.where(AdminUnit.level == area.top_level)
        return stmt.where(AdminUnit.parent_id == area.unit.id)

    rows = _core_rows(_statement(("child_units", scope_key(user), area.key()), build))
    return sorted(rows, key=lambda row: (vi_sort_key_cached(row[2]), row[1]))


def organisation_figures(user, area: Area, as_of: date, *, requirement=None) -> list[dict]:
    """Organisations active at ``as_of`` by type, and how many have a trained leader."""
    pp = per_person(user, area, as_of, with_child=False, requirement=requirement)
    trained, _started, _refresher = _status_columns(pp, as_of, requirement)
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


def trend(user, area: Area, as_of: date, group: str | None = None, months: int = 12, *,
          requirement=None) -> list[dict]:
    """Required and trained at each month end (one query).

    Without ``valid_months`` in the set, being trained never ends: each person's training
    date is computed once and compared with each month end. With it, each month end counts
    the completions still valid on that day.
    """
    rule_list = rules(requirement)
    days = month_ends(as_of, months)
    m = _table("m", [("idx", _INT), ("day", _DATE), ("year", _INT), ("cut", _DT)],
               [(i, d, d.year, cutoff(d)) for i, d in enumerate(days)])
    req, nreq, known = _rule_tables(rule_list, None)
    cc = aliased(CourseCompletion)
    static = and_(or_(req.c.since.is_(None), cc.completed_at >= req.c.since), _version_condition(req, cc, known))
    lasting = sorted({r.valid_months for r in rule_list if r.valid_months is not None})
    if not lasting:
        # Trained once, trained for good: each person's training date (the last counting
        # completion, when all count) against each month end.
        pt = (
            select(
                Person.id.label("person_id"), Person.target_group.label("grp"),
                Person.active_from, Person.active_until, Person.organisation_id,
                Organisation.joined_year, Organisation.withdrawn_on,
                case((func.count(cc.id) >= nreq.c.n, func.max(cc.completed_at)), else_=None).label("trained_at"),
            )
            .select_from(Person)
            .join(AdminUnit, AdminUnit.id == area.place(Person.unit_id))
            .join(nreq, nreq.c.target_group == Person.target_group)
            .outerjoin(Organisation, Organisation.id == Person.organisation_id)
            .outerjoin(req, req.c.target_group == Person.target_group)
            .outerjoin(cc, and_(cc.person_id == Person.id, cc.course_id == req.c.course_id, static))
            .where(person_scope(user), area.condition())
            .group_by(Person.id, Person.target_group, Person.active_from, Person.active_until,
                      Person.organisation_id, Organisation.joined_year, Organisation.withdrawn_on, nreq.c.n)
        )
        if group:
            pt = pt.where(Person.target_group == group)
        pt = pt.subquery("pt")
        stmt = (
            select(m.c.idx, func.count(pt.c.person_id), func.sum(case((pt.c.trained_at < m.c.cut, 1), else_=0)))
            .select_from(m)
            .join(pt, and_(
                or_(pt.c.active_from.is_(None), pt.c.active_from <= m.c.day),
                or_(pt.c.active_until.is_(None), pt.c.active_until >= m.c.day),
                or_(pt.c.organisation_id.is_(None), and_(
                    or_(pt.c.joined_year.is_(None), pt.c.joined_year <= m.c.year),
                    or_(pt.c.withdrawn_on.is_(None), pt.c.withdrawn_on > m.c.day),
                )),
                _counting(m.c.day, pt.c.grp),
            ))
            .group_by(m.c.idx)
        )
    else:
        # Each month end × person: the completions still valid on that day.
        w = _table("w", [("idx", _INT), ("months", _INT), ("since", _DT)],
                   [(i, n, cutoff(add_months(d, -n))) for i, d in enumerate(days) for n in lasting])
        pt = (
            select(m.c.idx, Person.id.label("person_id"), nreq.c.n, func.count(cc.id).label("done"))
            .select_from(m)
            .join(Person, true())
            .join(AdminUnit, AdminUnit.id == area.place(Person.unit_id))
            .join(nreq, nreq.c.target_group == Person.target_group)
            .outerjoin(Organisation, Organisation.id == Person.organisation_id)
            .outerjoin(req, req.c.target_group == Person.target_group)
            .outerjoin(w, and_(w.c.idx == m.c.idx, w.c.months == req.c.months))
            .outerjoin(cc, and_(cc.person_id == Person.id, cc.course_id == req.c.course_id,
                                cc.completed_at < m.c.cut, static,
                                or_(w.c.since.is_(None), cc.completed_at >= w.c.since)))
            .where(
                or_(Person.active_from.is_(None), Person.active_from <= m.c.day),
                or_(Person.active_until.is_(None), Person.active_until >= m.c.day),
                or_(Person.organisation_id.is_(None), and_(
                    or_(Organisation.joined_year.is_(None), Organisation.joined_year <= m.c.year),
                    or_(Organisation.withdrawn_on.is_(None), Organisation.withdrawn_on > m.c.day),
                )),
                _counting(m.c.day), person_scope(user), area.condition(),
            )
            .group_by(m.c.idx, Person.id, nreq.c.n)
        )
        if group:
            pt = pt.where(Person.target_group == group)
        pt = pt.subquery("pt")
        stmt = select(pt.c.idx, func.count(pt.c.person_id),
                      func.sum(case((pt.c.done >= pt.c.n, 1), else_=0))).group_by(pt.c.idx)
    found = {idx: (req_n, int(tr or 0)) for idx, req_n, tr in db.session.execute(stmt).all()}
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


def requirements(requirement=None) -> list[Requirement]:
    """The groups of a set (default: the primary) with their courses."""
    rset = requirement_set(requirement)
    if rset is None:
        return []
    return list(db.session.scalars(select(Requirement).where(Requirement.set_id == rset.id)
                                   .order_by(Requirement.target_group)))


def group_deadlines(requirement=None) -> dict[str, date | None]:
    """target group → the deadline of the set (default: the primary) for the groups it names."""
    rset = requirement_set(requirement)
    return {r.target_group: rset.deadline for r in requirements(rset)} if rset is not None else {}


def requirement_summary(rset: RequirementSet | None, as_of: date) -> dict | None:
    """The "requirement" member of the coverage document."""
    if rset is None:
        return None
    milestone = rset.next_milestone(as_of)
    return {
        "name": rset.name, "title": rset.title, "target": rset.target_percent,
        "deadline": rset.deadline.isoformat() if rset.deadline else None,
        "milestone": {"date": milestone.due_on.isoformat(), "percent": milestone.percent} if milestone else None,
    }


def missing_courses(requirement=None) -> list[str]:
    """Course slugs of a set (default: the primary; required or recommended) that no imported course has."""
    stmt = (select(RequirementCourse.course_slug).distinct()
            .where(~exists().where(Course.slug == RequirementCourse.course_slug))
            .order_by(RequirementCourse.course_slug))
    rset = requirement_set(requirement)
    if rset is None:
        return []
    return list(db.session.scalars(stmt.where(RequirementCourse.set_id == rset.id)))


def gap_query(user, area: Area, as_of: date, group: str | None = None, *, requirement=None):
    """The people not trained at ``as_of`` (a select of Person, Organisation and unit names)."""
    pp = per_person(user, area, as_of, group, with_child=False, requirement=requirement)
    unit = aliased(AdminUnit)
    return (
        select(Person, Organisation.name.label("org_name"), unit.name.label("unit_name"))
        .join(pp, pp.c.person_id == Person.id)
        .join(unit, unit.id == Person.unit_id)
        .outerjoin(Organisation, Organisation.id == Person.organisation_id)
        .where(pp.c.n_done < pp.c.n_req, listable())
        .order_by(vi_collate(unit.name), vi_collate(Person.full_name), Person.id)
    )


def gap_count(user, area: Area, as_of: date, group: str | None = None, *, requirement=None) -> int:
    return db.session.scalar(select(func.count()).select_from(
        gap_query(user, area, as_of, group, requirement=requirement).subquery()))


def missing_for(person_rows: list, as_of: date, *, requirement=None) -> dict[int, list[str]]:
    """For each person, the required course slugs without a completion that counts at
    ``as_of`` (expired or too old ones included; one query)."""
    ids = [p.id for p in person_rows]
    required: dict[str, list[Rule]] = {}
    for rule in rules(requirement):
        required.setdefault(rule.group, []).append(rule)
    done: dict[int, dict[str, tuple]] = {}
    for start in range(0, len(ids), 1000):
        for pid, slug, completed_at, version in db.session.execute(
            select(CourseCompletion.person_id, Course.slug, CourseCompletion.completed_at,
                   CourseCompletion.course_version)
            .join(Course, Course.id == CourseCompletion.course_id)
            .where(CourseCompletion.person_id.in_(ids[start:start + 1000]),
                   CourseCompletion.completed_at < cutoff(as_of))
        ):
            done.setdefault(pid, {})[slug] = (completed_at, version)

    def counts(person_id: int, rule: Rule) -> bool:
        found = done.get(person_id, {}).get(rule.slug)
        return found is not None and rule.counts(found[0], found[1], as_of)

    return {
        p.id: [r.slug for r in required.get(p.target_group, []) if not counts(p.id, r)]
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

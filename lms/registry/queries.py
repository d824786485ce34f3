"""Registry reads, scoped to the area of the current user.

Every list, count, export and API answer that shows people, organisations or units
filters through ``person_scope`` / ``organisation_scope`` / ``unit_scope`` here, so that
no page can leak another area's people.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, false, func, or_, select, true

from lms.core.db import vi_collate
from lms.core.phone import normalize_phone
from lms.core.text import clean_name
from lms.extensions import db
from lms.registry.models import AdminUnit, Organisation, Person, UnitAssignment


def subtree_condition(unit: AdminUnit, scheme: str | None = None) -> ColumnElement[bool]:
    """A condition on AdminUnit rows: inside ``unit``'s subtree.

    Under the 2025 scheme (the default for a 2025 unit) a 2025 unit also covers the
    legacy units that map into it (through the default mapping). A legacy unit covers
    its legacy subtree only.
    """
    if unit.scheme == "2025":
        if unit.level == "province":
            return AdminUnit.new_province_id == unit.id
        return AdminUnit.new_commune_id == unit.id
    if unit.level == "province":
        return and_(AdminUnit.scheme == "legacy", AdminUnit.province_id == unit.id)
    if unit.level == "district":
        return AdminUnit.district_id == unit.id
    return AdminUnit.id == unit.id


def _assigned_units(user) -> list[AdminUnit]:
    return list(db.session.scalars(
        select(AdminUnit).join(UnitAssignment, UnitAssignment.unit_id == AdminUnit.id)
        .where(UnitAssignment.user_id == user.id).order_by(AdminUnit.scheme, AdminUnit.code)
    ))


def assigned_units(user) -> list[AdminUnit]:
    """The units assigned to a staff user (empty for everyone else)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    return _assigned_units(user)


def _scope_units(user) -> list[AdminUnit] | None:
    """None: everything (admins); a list (maybe empty): the units whose subtrees are visible."""
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    if user.has_role("admin"):
        return None
    if not user.has_role("manager", "trainer"):
        return []
    return _assigned_units(user)


def scope_key(user) -> tuple | None:
    """What ``person_scope``, ``organisation_scope`` and ``unit_scope`` of ``user`` depend
    on, hashable (for statements kept by their inputs): None for everything, else the
    units whose subtrees are visible, as (id, scheme, level) (empty: nothing)."""
    units = _scope_units(user)
    return None if units is None else tuple(sorted((u.id, u.scheme, u.level) for u in units))


def _unit_condition(units: list[AdminUnit]) -> ColumnElement[bool]:
    return or_(*(subtree_condition(u) for u in units)) if units else false()


def unit_scope(user) -> ColumnElement[bool]:
    """A condition on AdminUnit rows that ``user`` may see."""
    units = _scope_units(user)
    if units is None:
        return true()
    return _unit_condition(units)


def person_scope(user) -> ColumnElement[bool]:
    """A condition on Person rows that ``user`` may see.

    Admins everything; managers and trainers the people registered in the subtrees of
    the units assigned to them (a 2025 unit also covers the legacy units that map into
    it); everyone else nothing.
    """
    units = _scope_units(user)
    if units is None:
        return true()
    if not units:
        return false()
    return Person.unit_id.in_(select(AdminUnit.id).where(_unit_condition(units)))


def organisation_scope(user) -> ColumnElement[bool]:
    """The same as ``person_scope`` for Organisation rows."""
    units = _scope_units(user)
    if units is None:
        return true()
    if not units:
        return false()
    return Organisation.unit_id.in_(select(AdminUnit.id).where(_unit_condition(units)))


def listable() -> ColumnElement[bool]:
    """People who may appear in lists and exports: not restricted at their request and not
    anonymised (lms.privacy). Counts and coverage figures still include them."""
    return and_(Person.restricted_at.is_(None), Person.anonymised_at.is_(None))


def can_see_person(user, person: Person) -> bool:
    return bool(db.session.scalar(
        select(func.count()).select_from(Person).where(Person.id == person.id, person_scope(user))
    ))


def can_see_organisation(user, organisation: Organisation) -> bool:
    return bool(db.session.scalar(
        select(func.count()).select_from(Organisation)
        .where(Organisation.id == organisation.id, organisation_scope(user))
    ))


def can_see_unit(user, unit: AdminUnit) -> bool:
    return bool(db.session.scalar(
        select(func.count()).select_from(AdminUnit).where(AdminUnit.id == unit.id, unit_scope(user))
    ))


def find_unit(code: str | None, scheme: str = "2025") -> AdminUnit | None:
    if not code:
        return None
    return db.session.scalar(
        select(AdminUnit).where(AdminUnit.scheme == scheme, AdminUnit.code == code.strip()[:10])
    )


def child_units(unit: AdminUnit | None, scheme: str) -> list[AdminUnit]:
    """The units one level below ``unit`` in ``scheme`` (provinces at the top)."""
    stmt = select(AdminUnit).where(AdminUnit.scheme == scheme)
    if unit is None:
        stmt = stmt.where(AdminUnit.level == "province")
    else:
        stmt = stmt.where(AdminUnit.parent_id == unit.id)
    return sort_units(db.session.scalars(stmt))


def ancestors(unit: AdminUnit | None) -> list[AdminUnit]:
    """The unit's ancestors, the top first (for breadcrumbs)."""
    chain = []
    node = unit.parent if unit is not None else None
    while node is not None:
        chain.append(node)
        node = node.parent
    return list(reversed(chain))


def people_query(user, *, q: str | None = None, group: str | None = None, unit: AdminUnit | None = None):
    """Scoped people, optionally filtered by name/phone, target group and unit subtree."""

    stmt = select(Person).where(person_scope(user), listable())
    if group:
        stmt = stmt.where(Person.target_group == group)
    if unit is not None:
        stmt = stmt.where(Person.unit_id.in_(select(AdminUnit.id).where(subtree_condition(unit))))
    if q:
        phone = normalize_phone(q)
        like = f"%{clean_name(q).lower()}%"
        conds = [func.lower(Person.full_name).like(like), Person.national_id == q.strip()]
        if phone:
            conds.append(Person.phone == phone)
        stmt = stmt.where(or_(*conds))
    return stmt.order_by(vi_collate(Person.full_name), Person.id)


def organisations_query(user, *, q: str | None = None, org_type: str | None = None,
                        unit: AdminUnit | None = None):
    stmt = select(Organisation).where(organisation_scope(user))
    if org_type:
        stmt = stmt.where(Organisation.org_type == org_type)
    if unit is not None:
        stmt = stmt.where(Organisation.unit_id.in_(select(AdminUnit.id).where(subtree_condition(unit))))
    if q:
        like = f"%{q.strip().lower()}%"
        stmt = stmt.where(or_(func.lower(Organisation.name).like(like), Organisation.code == q.strip()))
    return stmt.order_by(vi_collate(Organisation.name), Organisation.id)


def search_units(q: str, *, limit: int = 30) -> list[AdminUnit]:
    """Units whose name contains ``q`` (with or without diacritics) or whose code is ``q``;
    2025 units first, then by level and name. Names are folded in Python: the few
    thousand unit names fit in memory, and no database folds "Gio Linh" and "gio linh" alike."""
    from lms.core.text import fold

    needle = fold(q)
    if not needle:
        return []
    code = q.strip()[:10]
    rows = db.session.execute(select(AdminUnit.id, AdminUnit.name, AdminUnit.code)).all()
    ids = [uid for uid, name, ucode in rows if ucode == code or needle in fold(name)]
    if not ids:
        return []
    found = db.session.scalars(select(AdminUnit).where(AdminUnit.id.in_(ids[:2000]))).all()
    level_order = {"province": 0, "district": 1, "commune": 2}
    found = sorted(found, key=lambda u: (u.code != code, u.scheme != "2025", level_order.get(u.level, 3),
                                         fold(u.name), u.code))
    return found[:limit]


def legacy_place(unit_id):
    """SQL: the unit before 1 July 2025 that a unit counts under in legacy reports.

    A legacy unit is itself. A 2025 unit counts under the legacy unit whose default mapping
    leads into it (the lowest id where several were merged), else under any legacy unit that
    has a part in it (a split commune): an approximation, which the reports say.
    """
    from lms.registry.models import UnitMapping

    default = select(func.min(UnitMapping.legacy_unit_id)).where(
        UnitMapping.new_unit_id == unit_id, UnitMapping.is_default.is_(True)).scalar_subquery()
    part = select(func.min(UnitMapping.legacy_unit_id)).where(UnitMapping.new_unit_id == unit_id).scalar_subquery()
    return func.coalesce(default, part, unit_id)


def sort_units(units) -> list[AdminUnit]:
    """Units (or rows with a name and code) in Vietnamese alphabetical order of their
    names (then by code)."""
    from lms.core.text import vi_sort_key_cached

    return sorted(units, key=lambda u: (vi_sort_key_cached(u.name), u.code))

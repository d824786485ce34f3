"""Validating sheets of rows into an import plan: what would be created, updated or left
unchanged, and every row error.
"""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import select

from lms.core.crypto import identifier_hash
from lms.core.groups import COUNCIL_MEMBER
from lms.core.localtime import local_today
from lms.core.phone import normalize_phone
from lms.core.text import clean_name
from lms.extensions import db
from lms.registry.hooks import import_handlers, protected_people
from lms.registry.imports.schema import (
    _EMAIL,
    _NATIONAL_ID,
    _ORG_CODE,
    COUNCIL_VALUES,
    GENDER_VALUES,
    KINDS,
    LEVEL_GROUP,
    LEVEL_VALUES,
    ORG_TYPE_GROUP,
    ORG_TYPE_VALUES,
    STATUS_VALUES,
    ImportFileError,
    ImportPlan,
    RowError,
    Sheet,
    _fold,
)
from lms.registry.models import AdminUnit, Organisation, Person, Product


def _parse_date(text: str) -> date | None:
    text = text.strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%Y-%m-%d %H:%M:%S", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def _clean(text: str, limit: int) -> str:
    return clean_name(text)[:limit]


class RowChecker:
    def __init__(self, plan: ImportPlan, sheet: Sheet, number: int, row: dict[str, str]):
        self.plan, self.sheet, self.number, self.row = plan, sheet, number, row
        self.failed = False

    def error(self, column: str, message: str) -> None:
        self.failed = True
        self.plan.errors.append(RowError(self.sheet.name, self.number, column, message))

    def text(self, key: str, limit: int, required: bool = False) -> str | None:
        value = _clean(self.row.get(key, ""), 10_000)
        if not value:
            if required:
                self.error(key, _("a value is required"))
            return None
        if len(value) > limit:
            self.error(key, _("longer than %(n)d characters", n=limit))
            return None
        return value

    def choice(self, key: str, values: dict[str, str], required: bool = False) -> str | None:
        raw = self.text(key, 100, required)
        if raw is None:
            return None
        value = values.get(_fold(raw))
        if value is None:
            self.error(key, _("unknown value “%(value)s”", value=raw))
        return value

    def phone(self, key: str) -> str | None:
        raw = self.text(key, 30)
        if raw is None:
            return None
        value = normalize_phone(raw)
        if value is None:
            self.error(key, _("“%(value)s” is not a Vietnamese mobile number", value=raw))
        return value

    def email(self, key: str) -> str | None:
        raw = self.text(key, 254)
        if raw is None:
            return None
        value = raw.lower()
        if not _EMAIL.fullmatch(value):
            self.error(key, _("“%(value)s” is not an e-mail address", value=raw))
            return None
        return value

    def national_id(self, key: str) -> str | None:
        raw = self.text(key, 20)
        if raw is None:
            return None
        value = raw.replace(" ", "")
        if value.isdigit() and len(value) in (8, 11):
            value = "0" + value  # a leading zero lost by a spreadsheet number format
        if not _NATIONAL_ID.fullmatch(value):
            self.error(key, _("“%(value)s” is not a national ID number (9 or 12 digits)", value=raw))
            return None
        return value

    def year(self, key: str, earliest: int = 1900) -> int | None:
        raw = self.text(key, 10)
        if raw is None:
            return None
        if not raw.isdigit() or not earliest <= int(raw) <= local_today().year:
            self.error(key, _("“%(value)s” is not a year between %(a)d and %(b)d",
                              value=raw, a=earliest, b=local_today().year))
            return None
        return int(raw)

    def past_date(self, key: str, required: bool = False) -> date | None:
        raw = self.text(key, 30, required)
        if raw is None:
            return None
        value = _parse_date(raw)
        if value is None:
            self.error(key, _("“%(value)s” is not a date (use YYYY-MM-DD or DD/MM/YYYY)", value=raw))
            return None
        if value > local_today():
            self.error(key, _("the date %(value)s is in the future", value=value.isoformat()))
            return None
        return value


class _Index:
    """What the database already holds, plus what this file adds, for matching rows."""

    def __init__(self, scheme: str, scope_units: set[int] | None):
        self.scheme = scheme
        self.units = {
            code: (uid, level) for code, uid, level in db.session.execute(
                select(AdminUnit.code, AdminUnit.id, AdminUnit.level).where(AdminUnit.scheme == scheme)
            )
        }
        self.scope_units = scope_units
        p = Person.__table__
        # National IDs are held as keyed hashes (lms.core.crypto): matching never decrypts.
        self.person_cols = ("id", "full_name", "phone", "email", "national_id_hash", "gender", "target_group",
                            "organisation_id", "agency", "position", "unit_id")
        self.people: dict[int, dict] = {}
        self.by_phone: dict[str, int] = {}
        self.by_nid: dict[str, int] = {}
        self.by_org_name: dict[tuple[int, str], int] = {}
        self.by_unit_name: dict[tuple[int, str, str], int] = {}
        for row in db.session.execute(select(*(p.c[c] for c in self.person_cols))):
            self._add_person(dict(row._mapping))
        o = Organisation.__table__
        self.org_cols = ("id", "code", "name", "org_type", "unit_id", "joined_year", "status", "withdrawn_on")
        self.orgs = {r.code: dict(r._mapping) for r in db.session.execute(select(*(o.c[c] for c in self.org_cols)))}
        self.org_codes_by_id = {v["id"]: code for code, v in self.orgs.items()}
        pr = Product.__table__
        self.products = {
            (r.organisation_id, _fold(r.name)): dict(r._mapping)
            for r in db.session.execute(select(pr.c.id, pr.c.organisation_id, pr.c.name, pr.c.product_group,
                                               pr.c.stars, pr.c.rated_year, pr.c.rated_on))
        }
        self.protected: set[int] = set()
        if scope_units is not None:
            for provider in protected_people.functions():
                self.protected.update(provider())
        self.new_orgs: dict[str, dict] = {}
        self.next_key = -1  # negative keys stand for people created by this file

    def _add_person(self, person: dict) -> None:
        pid = person["id"]
        self.people[pid] = person
        if person.get("phone"):
            self.by_phone[person["phone"]] = pid
        nid_hash = _nid_hash(person)
        if nid_hash:
            self.by_nid[nid_hash] = pid
        if person.get("organisation_id") is not None:
            self.by_org_name[(person["organisation_id"], _fold(person["full_name"]))] = pid
        if person.get("unit_id") is not None:
            self.by_unit_name[(person["unit_id"], _fold(person["full_name"]), person.get("target_group"))] = pid

    def new_person_key(self) -> int:
        key = self.next_key
        self.next_key -= 1
        return key


def _unit(check: RowChecker, index: _Index, key: str = "unit_code") -> tuple[int, str] | None:
    code = check.text(key, 10, required=True)
    if code is None:
        return None
    found = index.units.get(code)
    if found is None:
        check.error(key, _("unknown unit code %(code)s in the %(scheme)s scheme", code=code, scheme=index.scheme))
        return None
    if index.scope_units is not None and found[0] not in index.scope_units:
        check.error(key, _("the unit %(code)s is outside your area", code=code))
        return None
    return found


def _outside(index: _Index, unit_id: int | None) -> bool:
    """A record outside the importer's area. A record without a unit is in no manager's area:
    only administrators and the CLI (``scope_units is None``) may change it."""
    return index.scope_units is not None and (unit_id is None or unit_id not in index.scope_units)


def _refuse_outsider(index: _Index, person_id: int | None, check, column: str) -> bool:
    """An existing person of another area, without a unit, or with a staff account, matched by
    this row: an error, not an update (unless an administrator imports)."""
    if person_id is None or person_id <= 0:
        return False
    if _outside(index, index.people[person_id].get("unit_id")) or (
        index.scope_units is not None and person_id in index.protected
    ):
        check.error(column, _("this person is outside your area"))
        return True
    return False


def _nid_hash(person: dict) -> str | None:
    """The keyed hash of a planned or stored person's national ID (clear in a file's row,
    a hash when loaded from the database)."""
    if person.get("national_id"):
        return identifier_hash(person["national_id"])
    return person.get("national_id_hash")


def match_person(index: _Index, nid: str | None, phone: str | None, fallback: tuple | None,
                  check: RowChecker, nid_key: str, phone_key: str) -> int | None:
    by_nid = index.by_nid.get(identifier_hash(nid)) if nid else None
    by_phone = index.by_phone.get(phone) if phone else None
    if by_nid is not None and by_phone is not None and by_nid != by_phone:
        check.error(phone_key, _("this phone number belongs to another person than the national ID"))
        return None
    found = by_nid if by_nid is not None else by_phone
    if found is None and fallback is not None:
        if len(fallback) == 2:
            found = index.by_org_name.get(fallback)
        else:
            found = index.by_unit_name.get(fallback)
        if found is not None:
            other = index.people[found]
            if (nid and _nid_hash(other) and _nid_hash(other) != identifier_hash(nid)) or (
                phone and other.get("phone") and other["phone"] != phone
            ):
                found = None
    return found


def _upsert_person(plan: ImportPlan, index: _Index, kind: str, person_id: int | None, values: dict,
                   seen: dict, check: RowChecker) -> int:
    """Plan a person's creation or update; return its (possibly negative) key."""
    for field_name in ("phone", "national_id"):
        value = values.get(field_name)
        if value and value in seen.setdefault(field_name, {}):
            check.error(check.sheet_key(field_name),
                        _("repeated in this file (row %(row)d)", row=seen[field_name][value]))
        elif value:
            seen[field_name][value] = check.number
    counts = plan.count(kind)
    if person_id is None:
        key = index.new_person_key()
        person = {"id": key, **values}
        index._add_person(person)
        plan.people_new.append(person)
        counts.create += 1
        counts.note(check.number, values["full_name"], "create")
        return key
    current = index.people[person_id]
    changes = {k: v for k, v in values.items() if v is not None and (
        _nid_hash(current) != identifier_hash(v) if k == "national_id" else current.get(k) != v)}
    if changes:
        current.update(changes)
        index._add_person(current)
        if person_id > 0:
            plan.people_changed.append({"id": person_id, **changes})
        counts.update += 1
        counts.note(check.number, values["full_name"], "update")
    else:
        counts.unchanged += 1
        counts.note(check.number, values["full_name"], "unchanged")
    return person_id


def _plan_organizations(plan: ImportPlan, sheet: Sheet, index: _Index) -> None:
    seen_codes: dict[str, int] = {}
    seen_people: dict = {}
    for number, row in sheet.rows:
        check = RowChecker(plan, sheet, number, row)
        code = check.text("org_code", 20, required=True)
        if code is not None:
            code = code.upper()
            if not _ORG_CODE.fullmatch(code):
                check.error("org_code", _("“%(value)s” is not a tax or registration number", value=code))
            elif code in seen_codes:
                check.error("org_code", _("repeated in this file (row %(row)d)", row=seen_codes[code]))
            else:
                seen_codes[code] = number
        name = check.text("org_name", 300, required=True)
        org_type = check.choice("org_type", ORG_TYPE_VALUES, required=True)
        unit = _unit(check, index)
        leader = check.text("leader_name", 200, required=True)
        phone = check.phone("leader_phone")
        email = check.email("leader_email")
        nid = check.national_id("leader_national_id")
        gender = check.choice("leader_gender", GENDER_VALUES)
        joined = check.year("joined_year", 2018)
        status = check.choice("status", STATUS_VALUES) or "active"
        withdrawn_on = check.past_date("withdrawn_on")
        if status == "withdrawn" and withdrawn_on is None and not check.failed:
            check.error("withdrawn_on", _("a withdrawn organisation needs the date it withdrew"))
        if status == "active" and withdrawn_on is not None:
            check.error("status", _("an active organisation has no withdrawal date"))
        if check.failed:
            continue
        org_values = {"code": code, "name": name, "org_type": org_type, "unit_id": unit[0],
                      "joined_year": joined, "status": status, "withdrawn_on": withdrawn_on}
        existing = index.orgs.get(code)
        if existing is not None and _outside(index, existing["unit_id"]):
            check.error("org_code", _("the organisation %(code)s is outside your area", code=code))
            continue
        counts = plan.count("organizations")
        if existing is None:
            org_ref: int | str = code
            plan.orgs_new.append(org_values)
            index.new_orgs[code] = org_values
            counts.create += 1
            counts.note(number, name, "create")
        else:
            org_ref = existing["id"]
            changes = {k: v for k, v in org_values.items() if existing.get(k) != v}
            if changes:
                plan.orgs_changed.append({"id": existing["id"], **changes})
                existing.update(changes)
                counts.update += 1
                counts.note(number, name, "update")
            else:
                counts.unchanged += 1
                counts.note(number, name, "unchanged")
        fallback = (org_ref, _fold(leader)) if isinstance(org_ref, int) else None
        person_id = match_person(index, nid, phone, fallback, check, "leader_national_id", "leader_phone")
        if check.failed or _refuse_outsider(
            index, person_id, check, "leader_national_id" if nid else "leader_phone" if phone else "leader_name"
        ):
            continue
        values = {"full_name": leader, "phone": phone, "email": email, "national_id": nid, "gender": gender,
                  "target_group": ORG_TYPE_GROUP[org_type], "unit_id": unit[0],
                  "organisation_id": org_ref if isinstance(org_ref, int) else None}
        key = _upsert_person(plan, index, "leaders", person_id, values,
                             seen_people, _ColumnAlias(check, "leader_"))
        if not isinstance(org_ref, int):
            index.people[key]["_org_code"] = code
            if key < 0:
                plan.people_new[-1]["_org_code"] = code
            else:
                plan.people_changed.append({"id": key, "_org_code": code})


class _ColumnAlias:
    """Reports person errors under the organisation sheet's ``leader_…`` columns."""

    def __init__(self, check: RowChecker, prefix: str):
        self._check, self._prefix = check, prefix
        self.number = check.number

    def sheet_key(self, name: str) -> str:
        return self._prefix + name

    def error(self, column: str, message: str) -> None:
        self._check.error(column, message)


def _plan_officials(plan: ImportPlan, sheet: Sheet, index: _Index) -> None:
    seen_people: dict = {}
    for number, row in sheet.rows:
        check = RowChecker(plan, sheet, number, row)
        name = check.text("full_name", 200, required=True)
        phone = check.phone("phone")
        email = check.email("email")
        nid = check.national_id("national_id")
        gender = check.choice("gender", GENDER_VALUES)
        agency = check.text("agency", 300)
        position = check.text("position", 200)
        level = check.choice("level", LEVEL_VALUES, required=True)
        council = check.choice("council", COUNCIL_VALUES)
        unit = _unit(check, index)
        if unit is not None and level is not None and unit[1] != level:
            check.error("unit_code", _("the unit is not at the %(level)s level", level=level))
        if check.failed:
            continue
        group = COUNCIL_MEMBER if council else LEVEL_GROUP[level]
        person_id = match_person(index, nid, phone, (unit[0], _fold(name), group), check,
                                  "national_id", "phone")
        if check.failed or _refuse_outsider(
            index, person_id, check, "national_id" if nid else "phone" if phone else "full_name"
        ):
            continue
        values = {"full_name": name, "phone": phone, "email": email, "national_id": nid, "gender": gender,
                  "agency": agency, "position": position, "target_group": group, "unit_id": unit[0]}
        _upsert_person(plan, index, "officials", person_id, values, seen_people, _ColumnAlias(check, ""))


def _plan_products(plan: ImportPlan, sheet: Sheet, index: _Index) -> None:
    seen: dict[tuple, int] = {}
    for number, row in sheet.rows:
        check = RowChecker(plan, sheet, number, row)
        code = check.text("org_code", 20, required=True)
        name = check.text("product_name", 300, required=True)
        group = check.text("product_group", 100)
        stars_raw = check.text("stars", 5)
        stars = None
        if stars_raw is not None:
            if stars_raw.isdigit() and 1 <= int(stars_raw) <= 5:
                stars = int(stars_raw)
            else:
                check.error("stars", _("“%(value)s” is not a star rating from 1 to 5", value=stars_raw))
        rated = check.year("rated_year", 2018)
        rated_on = check.past_date("rated_on")
        if rated_on is not None and rated is None:
            rated = rated_on.year
        org = None
        if code is not None:
            code = code.upper()
            org = index.orgs.get(code) or index.new_orgs.get(code)
            if org is None:
                check.error("org_code", _("unknown organisation %(code)s", code=code))
            elif index.scope_units is not None and org["unit_id"] not in index.scope_units:
                check.error("org_code", _("the organisation %(code)s is outside your area", code=code))
        if check.failed:
            continue
        key = (code, _fold(name))
        if key in seen:
            check.error("product_name", _("repeated in this file (row %(row)d)", row=seen[key]))
            continue
        seen[key] = number
        values = {"name": name, "product_group": group, "stars": stars, "rated_year": rated, "rated_on": rated_on}
        counts = plan.count("products")
        existing = index.products.get((org["id"], _fold(name))) if "id" in org else None
        if existing is None:
            plan.products_new.append({"_org_code": code, **values})
            counts.create += 1
            counts.note(number, name, "create")
        else:
            changes = {k: v for k, v in values.items() if v is not None and existing.get(k) != v}
            if changes:
                plan.products_changed.append({"id": existing["id"], **changes})
                counts.update += 1
                counts.note(number, name, "update")
            else:
                counts.unchanged += 1
                counts.note(number, name, "unchanged")


_PLANNERS = {
    "organizations": _plan_organizations,
    "officials": _plan_officials,
    "products": _plan_products,
}


def plan_import(sheets: list[Sheet], *, scheme: str = "2025", scope_units: set[int] | None = None,
                source_ref: str = "") -> ImportPlan:
    """Validate every row of every sheet and work out the changes; write nothing."""
    if scheme not in ("2025", "legacy"):
        raise ImportFileError(_("Unknown scheme: %(scheme)s", scheme=scheme))
    plan = ImportPlan(scheme=scheme, source_ref=source_ref[:200])
    index = _Index(scheme, scope_units)
    handlers = {handler.kind: handler for handler in import_handlers.functions()}
    for kind in KINDS:
        for sheet in sheets:
            if sheet.kind != kind:
                continue
            if kind in _PLANNERS:
                _PLANNERS[kind](plan, sheet, index)
            elif kind in handlers:
                handlers[kind].plan(plan, sheet, index)
            else:
                plan.errors.append(RowError(sheet.name, 1, "-", _("this kind of file cannot be imported here")))
    plan.errors.sort(key=lambda e: (KINDS.index(next(s.kind for s in sheets if s.name == e.sheet)), e.row))
    return plan

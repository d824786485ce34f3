"""Registry mutations: loading administrative units, assigning units to staff.

Services validate, change and flush; the caller commits. Imports of organisations,
people, products and past training records are in ``lms.registry.imports``.
"""

from __future__ import annotations

import csv
import logging
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, insert, select, update

from lms.core import audit
from lms.core.db import utcnow
from lms.core.errors import ServiceError
from lms.extensions import db
from lms.registry import imports
from lms.registry.models import SCHEMES, AdminUnit, ImportBatch, UnitAssignment, UnitMapping

log = logging.getLogger("lms.registry")

DATA_DIR = Path(__file__).resolve().parent / "data"
_LEVEL_ORDER = {"province": 0, "district": 1, "commune": 2}


@dataclass
class LoadReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    mappings: int = 0


def _read_units(scheme: str) -> list[dict]:
    with (DATA_DIR / f"units_{scheme}.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _read_mapping() -> list[dict]:
    with (DATA_DIR / "unit_mapping.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _select_rows(rows: list[dict], province: str | None) -> list[dict]:
    if province is None:
        return rows
    by_code = {r["code"]: r for r in rows}

    def province_of(row):
        while row["parent_code"]:
            row = by_code[row["parent_code"]]
        return row["code"]

    return [r for r in rows if province_of(r) == province]


def load_units(scheme: str | None = None, province: str | None = None) -> LoadReport:
    """Load units from the shipped CSV files, idempotently, with bulk statements.

    ``scheme`` None loads both schemes. ``province`` is a province code in ``scheme``;
    without a scheme it is a 2025 code and the legacy provinces merged into it come too.
    """
    if scheme is not None and scheme not in SCHEMES:
        raise ServiceError(_("Unknown scheme: %(scheme)s", scheme=scheme), "scheme")
    mapping = _read_mapping()
    wanted: dict[str, list[dict]] = {}
    for sch in ("2025", "legacy"):
        if scheme is not None and sch != scheme:
            continue
        rows = _read_units(sch)
        if province is not None:
            codes = {province}
            if scheme is None and sch == "legacy":
                codes = {m["legacy_code"] for m in mapping
                         if m["level"] == "province" and m["new_code"] == province}
            if sch == (scheme or "2025") and not any(
                r["code"] == province and r["level"] == "province" for r in rows
            ):
                raise ServiceError(_("Unknown province code: %(code)s", code=province), "province")
            rows = [r for code in sorted(codes) for r in _select_rows(rows, code)]
        wanted[sch] = rows

    report = LoadReport()
    for sch, rows in wanted.items():
        _upsert_units(sch, rows, report)
    report.mappings = _sync_mapping(mapping)
    _derive_ancestors()
    db.session.flush()
    log.info("units loaded: %s", report)
    return report


def _upsert_units(scheme: str, rows: list[dict], report: LoadReport) -> None:
    table = AdminUnit.__table__
    existing = {
        code: (uid, name, level, typ, parent_id)
        for uid, code, name, level, typ, parent_id in db.session.execute(
            select(table.c.id, table.c.code, table.c.name, table.c.level, table.c.type,
                   table.c.parent_id).where(table.c.scheme == scheme)
        )
    }
    ids = {code: v[0] for code, v in existing.items()}
    rows = sorted(rows, key=lambda r: _LEVEL_ORDER[r["level"]])
    for level in ("province", "district", "commune"):
        level_rows = [r for r in rows if r["level"] == level]
        to_insert, to_update = [], []
        for r in level_rows:
            parent_id = ids.get(r["parent_code"]) if r["parent_code"] else None
            if r["parent_code"] and parent_id is None:
                raise ServiceError(_("Unknown parent unit %(code)s", code=r["parent_code"]))
            values = {"name": r["name"], "level": r["level"], "type": r["type"], "parent_id": parent_id}
            if r["code"] in existing:
                uid, name, lvl, typ, pid = existing[r["code"]]
                if (name, lvl, typ, pid) == (values["name"], values["level"], values["type"], parent_id):
                    report.unchanged += 1
                else:
                    to_update.append({"id": uid, **values})
            else:
                to_insert.append({"scheme": scheme, "code": r["code"], **values})
        if to_insert:
            db.session.execute(insert(AdminUnit), to_insert)
            report.created += len(to_insert)
            ids.update(
                dict(db.session.execute(
                    select(table.c.code, table.c.id).where(
                        table.c.scheme == scheme, table.c.level == level
                    )
                ).all())
            )
        if to_update:
            db.session.execute(update(AdminUnit), to_update)
            report.updated += len(to_update)


def _sync_mapping(mapping: list[dict]) -> int:
    """Insert the mapping rows whose two units are both loaded; return how many were added."""
    legacy = dict(db.session.execute(
        select(AdminUnit.code, AdminUnit.id).where(AdminUnit.scheme == "legacy")
    ).all())
    new = dict(db.session.execute(
        select(AdminUnit.code, AdminUnit.id).where(AdminUnit.scheme == "2025")
    ).all())
    if not legacy or not new:
        return 0
    have = {
        (a, b): d for a, b, d in db.session.execute(
            select(UnitMapping.legacy_unit_id, UnitMapping.new_unit_id, UnitMapping.is_default)
        )
    }
    to_insert = []
    for m in mapping:
        a, b = legacy.get(m["legacy_code"]), new.get(m["new_code"])
        if a is None or b is None or (a, b) in have:
            continue
        have[(a, b)] = m["is_default"] == "1"
        to_insert.append({"legacy_unit_id": a, "new_unit_id": b, "is_default": m["is_default"] == "1"})
    if to_insert:
        db.session.execute(insert(UnitMapping), to_insert)
    return len(to_insert)


def _derive_ancestors() -> None:
    """Recompute province/district ancestors and the 2025 place of every unit."""
    t = AdminUnit.__table__
    units = {
        row.id: row for row in db.session.execute(
            select(t.c.id, t.c.scheme, t.c.level, t.c.parent_id, t.c.province_id, t.c.district_id,
                   t.c.new_province_id, t.c.new_commune_id)
        )
    }
    defaults = dict(db.session.execute(
        select(UnitMapping.legacy_unit_id, UnitMapping.new_unit_id).where(UnitMapping.is_default)
    ).all())

    def ancestors(u):
        province = district = None
        node = u
        while node is not None:
            if node.level == "province":
                province = node.id
            elif node.level == "district":
                district = node.id
            node = units.get(node.parent_id) if node.parent_id else None
        return province, district

    changes = []
    own: dict[int, tuple[int | None, int | None]] = {}
    for u in units.values():
        own[u.id] = ancestors(u)
    for u in units.values():
        province, district = own[u.id]
        if u.scheme == "2025":
            new_province, new_commune = province, (u.id if u.level == "commune" else None)
        else:
            target = defaults.get(u.id)
            if target is not None and target in units:
                t_unit = units[target]
                new_province = own[target][0]
                new_commune = target if t_unit.level == "commune" else None
            else:
                # A legacy district without its own mapping lies in one legacy province,
                # which maps to exactly one 2025 province.
                new_province = units[defaults[province]].id if province in defaults else None
                new_commune = None
        values = (province, district, new_province, new_commune)
        if values != (u.province_id, u.district_id, u.new_province_id, u.new_commune_id):
            changes.append({"id": u.id, "province_id": province, "district_id": district,
                            "new_province_id": new_province, "new_commune_id": new_commune})
    if changes:
        db.session.execute(update(AdminUnit), changes)


def assign_unit(user, unit: AdminUnit, *, actor=None) -> bool:
    """Let a manager or trainer see ``unit``'s subtree; return False if already assigned."""
    if not user.has_role("manager", "trainer"):
        raise ServiceError(_("Only managers and trainers are assigned units."), "user")
    exists = db.session.get(UnitAssignment, (user.id, unit.id))
    if exists is not None:
        return False
    db.session.add(UnitAssignment(user_id=user.id, unit_id=unit.id))
    db.session.flush()
    audit.record(actor, "unit.assign", "user", user.id, unit=f"{unit.scheme}:{unit.code}")
    return True


def unassign_unit(user, unit: AdminUnit, *, actor=None) -> bool:
    result = db.session.execute(
        delete(UnitAssignment).where(UnitAssignment.user_id == user.id, UnitAssignment.unit_id == unit.id)
    )
    db.session.flush()
    if result.rowcount:
        audit.record(actor, "unit.unassign", "user", user.id, unit=f"{unit.scheme}:{unit.code}")
    return bool(result.rowcount)


def purge_stale_imports(*, now=None) -> int:
    """Delete the uploaded files that were never imported and are older than
    ``IMPORT_KEEP_HOURS`` (they hold people's numbers); returns how many went."""
    hours = current_app.config.get("IMPORT_KEEP_HOURS", 24)
    cutoff = (now or utcnow()) - timedelta(hours=hours)
    result = db.session.execute(
        delete(ImportBatch).where(ImportBatch.applied_at.is_(None), ImportBatch.created_at < cutoff)
    )
    db.session.flush()
    if result.rowcount:
        log.info("deleted %s registry files never imported (older than %s h)", result.rowcount, hours)
    return result.rowcount or 0


def store_import(user, filename: str, data: bytes, *, kind: str | None, scheme: str) -> ImportBatch:
    """Keep an uploaded registry file until its owner confirms the preview (and drop the
    stale files of everyone on the way, so that they go even without a timer)."""
    purge_stale_imports()
    batch = ImportBatch(user_id=user.id, filename=filename, kind=kind, scheme=scheme, content=data)
    db.session.add(batch)
    db.session.flush()
    log.info("user %s uploaded registry file %s (batch %s)", user.id, filename, batch.id)
    return batch


def apply_import(batch: ImportBatch, plan, *, actor) -> None:
    """Apply a previewed, valid plan and mark its batch applied (its file is dropped)."""
    if batch.applied_at is not None:
        raise ServiceError(_("This file has already been imported."))
    if not plan.ok:
        raise ServiceError(_("The file has errors: nothing was imported."))
    imports.apply_plan(plan, actor=actor)
    batch.applied_at = utcnow()
    batch.content = b""
    db.session.flush()

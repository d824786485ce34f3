"""Writing a valid import plan with bulk statements, and reading, planning and applying a
file in one call. The caller commits.
"""

from __future__ import annotations

import logging

from flask import current_app
from sqlalchemy import insert, select, update

from lms.core import audit
from lms.core.crypto import encrypt_identifier, identifier_hash
from lms.core.signals import people_imported
from lms.extensions import db
from lms.registry.hooks import import_handlers
from lms.registry.imports.reading import read_file
from lms.registry.imports.schema import ImportPlan, KindCounts
from lms.registry.imports.validation import plan_import
from lms.registry.models import Organisation, Person, Product

log = logging.getLogger("lms.registry.import")


def apply_plan(plan: ImportPlan, *, actor=None, create_accounts: bool = False) -> dict[str, KindCounts]:
    """Write a valid plan with bulk statements (the caller commits)."""
    if not plan.ok:
        raise ValueError("refusing to apply a plan with errors")
    if plan.orgs_new:
        db.session.execute(insert(Organisation), plan.orgs_new)
    if plan.orgs_changed:
        db.session.execute(update(Organisation), plan.orgs_changed)
    org_ids = {}
    needed = {p["_org_code"] for p in plan.people_new + plan.people_changed if "_org_code" in p}
    needed |= {p["_org_code"] for p in plan.products_new}
    codes = list(needed)
    for start in range(0, len(codes), 1000):
        org_ids.update(db.session.execute(
            select(Organisation.code, Organisation.id).where(Organisation.code.in_(codes[start:start + 1000]))
        ).all())

    def person_row(p: dict) -> dict:
        row = _encrypted({k: v for k, v in p.items() if not k.startswith("_") and k != "id"})
        if "_org_code" in p:
            row["organisation_id"] = org_ids[p["_org_code"]]
        return row

    keys = {}
    if plan.people_new:
        rows = [person_row(p) for p in plan.people_new]
        db.session.execute(insert(Person), rows)
        nids = [identifier_hash(p["national_id"]) for p in plan.people_new if p.get("national_id")]
        phones = [p["phone"] for p in plan.people_new if p.get("phone")]
        by_nid, by_phone = {}, {}
        for start in range(0, len(nids), 1000):
            by_nid.update(db.session.execute(select(Person.national_id_hash, Person.id)
                                             .where(Person.national_id_hash.in_(nids[start:start + 1000]))).all())
        for start in range(0, len(phones), 1000):
            by_phone.update(db.session.execute(select(Person.phone, Person.id)
                                               .where(Person.phone.in_(phones[start:start + 1000]))).all())
        for p in plan.people_new:
            pid = (by_nid.get(identifier_hash(p["national_id"])) if p.get("national_id") else None) \
                or by_phone.get(p.get("phone"))
            if pid is None:
                pid = db.session.scalar(
                    select(Person.id).where(Person.full_name == p["full_name"], Person.unit_id == p["unit_id"],
                                            Person.target_group == p["target_group"])
                    .order_by(Person.id.desc()).limit(1)
                )
            keys[p["id"]] = pid
    changed = []
    for p in plan.people_changed:
        row = _encrypted({k: v for k, v in p.items() if not k.startswith("_")})
        if "_org_code" in p:
            row["organisation_id"] = org_ids[p["_org_code"]]
        changed.append(row)
    if changed:
        db.session.execute(update(Person), changed)
    if plan.products_new:
        db.session.execute(insert(Product), [
            {**{k: v for k, v in p.items() if k != "_org_code"}, "organisation_id": org_ids[p["_org_code"]]}
            for p in plan.products_new
        ])
    if plan.products_changed:
        db.session.execute(update(Product), plan.products_changed)
    handlers = {handler.kind: handler for handler in import_handlers.functions()}
    person_ids = {key: pid for key, pid in keys.items() if pid is not None}
    for kind, rows in plan.extra_rows.items():
        if rows:
            handlers[kind].apply(plan, rows, person_ids, actor)
    db.session.flush()
    people_imported.send(
        current_app._get_current_object(),
        created=[keys[p["id"]] for p in plan.people_new if keys.get(p["id"]) is not None],
        changed=[p["id"] for p in plan.people_changed],
        actor=actor, create_accounts=create_accounts,
    )
    summary = {k: {"create": v.create, "update": v.update, "unchanged": v.unchanged}
               for k, v in plan.counts.items()}
    audit.record(actor, "registry.import", "registry", plan.source_ref or "-", scheme=plan.scheme, **summary)
    log.info("registry import %s: %s", plan.source_ref, summary)
    return plan.counts


def _encrypted(row: dict) -> dict:
    """A person row for a bulk statement: the national ID as its token and keyed hash."""
    row.pop("national_id_hash", None)
    if "national_id" in row:
        nid = row.pop("national_id")
        row["national_id_enc"] = encrypt_identifier(nid) if nid else None
        row["national_id_hash"] = identifier_hash(nid) if nid else None
    return row


def import_file(filename: str, data: bytes, *, kind: str | None = None, scheme: str = "2025",
                dry_run: bool = False, actor=None, scope_units: set[int] | None = None,
                create_accounts: bool = False) -> ImportPlan:
    """Read, validate and (unless ``dry_run`` or invalid) apply a file. The caller commits."""
    sheets = read_file(filename, data, kind)
    plan = plan_import(sheets, scheme=scheme, scope_units=scope_units, source_ref=filename)
    if plan.ok and not dry_run:
        apply_plan(plan, actor=actor, create_accounts=create_accounts)
    return plan

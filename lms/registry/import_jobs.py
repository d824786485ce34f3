"""Large registry files (more than ``JOBS_INLINE_IMPORT_ROWS`` rows) are checked and applied
by ``flask lms worker``, with progress, instead of inside a request:

1. the upload queues a **check** (``registry-check``): the worker reads the stored file and
   checks every row as its owner (their area), reporting progress every ``PROGRESS_ROWS``
   rows, and keeps a summary (the counts, the first rows by name, the first 500 errors) for
   the preview page, which then shows it without reading the file again;
2. "Import now" on that page queues the **apply** (``registry-import``): the worker checks the
   file again (the registry may have changed since) and applies the plan in **one
   transaction** together with the job's "done": the import stays all or nothing (a worker
   killed while writing leaves nothing, and the next worker starts over).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from types import SimpleNamespace

from flask import current_app, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from lms.core.errors import ServiceError
from lms.core.security import ADMIN, MANAGER, is_admin
from lms.extensions import db
from lms.jobs import services as jobs
from lms.jobs.hooks import Handler
from lms.jobs.models import QUEUED, RUNNING, Job
from lms.registry import imports, queries, services
from lms.registry.models import AdminUnit, ImportBatch

KIND = "registry-import"
CHECK_KIND = "registry-check"
PROGRESS_ROWS = 1000
PREVIEW_ERRORS = 500

KIND_NAMES = {
    "organizations": _l("Organisations"), "leaders": _l("Leaders"), "officials": _l("Officials"),
    "products": _l("OCOP products"), "completions": _l("Past training records"),
}


def scope_unit_ids(user) -> set[int] | None:
    """The units whose people ``user`` may import (None: all of them)."""
    if is_admin(user):
        return None
    return set(db.session.scalars(select(AdminUnit.id).where(queries.unit_scope(user))))


def row_count(sheets) -> int:
    return sum(len(sheet.rows) for sheet in sheets)


def is_large(rows: int) -> bool:
    return rows > current_app.config["JOBS_INLINE_IMPORT_ROWS"]


def summary(plan) -> list[str]:
    return [_("%(kind)s: %(create)d created, %(update)d updated, %(unchanged)d unchanged.",
              kind=KIND_NAMES.get(kind, kind), create=counts.create, update=counts.update,
              unchanged=counts.unchanged)
            for kind, counts in plan.counts.items()]


# --- queueing (the views) ---------------------------------------------------------------------


def _pending(kind: str, batch: ImportBatch, owner) -> Job | None:
    for job in db.session.scalars(select(Job).where(Job.owner_id == owner.id, Job.kind == kind)
                                  .order_by(Job.id.desc())):
        if job.params.get("batch_id") == batch.id:
            return job
    return None


def queue_check(batch: ImportBatch, rows: int, *, actor) -> Job:
    """Queue the check of an uploaded file (flush only)."""
    return jobs.enqueue(CHECK_KIND, {"batch_id": batch.id}, owner=actor, total=rows,
                        title=_("Check of %(file)s (%(n)s rows)", file=batch.filename, n=format_decimal(rows)))


def latest_check(batch: ImportBatch, owner) -> Job | None:
    """The owner's last check of this file, if any."""
    return _pending(CHECK_KIND, batch, owner)


def queue_apply(batch: ImportBatch, rows: int, *, actor) -> Job:
    """Queue the apply of a previewed file (flush only); a second click finds the first job."""
    job = _pending(KIND, batch, actor)
    if job is not None and job.status in (QUEUED, RUNNING):
        return job
    return jobs.enqueue(KIND, {"batch_id": batch.id}, owner=actor, total=2 * rows,
                        title=_("Import of %(file)s (%(n)s rows)", file=batch.filename, n=format_decimal(rows)))


# --- the check's summary, for the preview page --------------------------------------------------


@dataclass
class PlanSummary:
    """What the preview page shows of a plan, kept in the check job as JSON."""

    rows: int
    counts: dict = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    error_count: int = 0

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    def to_json(self) -> bytes:
        return json.dumps({"rows": self.rows, "counts": self.counts, "errors": self.errors,
                           "error_count": self.error_count}, ensure_ascii=False).encode()

    @classmethod
    def of(cls, plan, rows: int) -> PlanSummary:
        counts = {kind: {"create": c.create, "update": c.update, "unchanged": c.unchanged,
                         "first_rows": [list(r) for r in c.first_rows]} for kind, c in plan.counts.items()}
        return cls(rows, counts, [str(e) for e in plan.errors[:PREVIEW_ERRORS]], len(plan.errors))

    @classmethod
    def load(cls, job: Job) -> PlanSummary:
        data = json.loads(job.result or b"{}")
        counts = {kind: SimpleNamespace(**c) for kind, c in data.get("counts", {}).items()}
        return cls(int(data.get("rows", 0)), counts, list(data.get("errors", [])), int(data.get("error_count", 0)))


# --- the worker's side ---------------------------------------------------------------------------


class _CountedRows(list):
    """A sheet's rows that report progress while the planner walks through them."""

    def __init__(self, rows, report) -> None:
        super().__init__(rows)
        self._report = report

    def __iter__(self):
        for n, row in enumerate(super().__iter__(), start=1):
            yield row
            if n % PROGRESS_ROWS == 0:
                self._report(PROGRESS_ROWS)


def _batch(ctx: jobs.JobContext) -> ImportBatch:
    batch = db.session.get(ImportBatch, int(ctx.params.get("batch_id") or 0))
    if batch is None or batch.user_id != ctx.owner.id:
        raise ServiceError(_("The uploaded file is no longer kept (files are kept for %(hours)d hours). "
                             "Upload it again.", hours=int(current_app.config["IMPORT_KEEP_HOURS"])))
    if batch.applied_at is not None:
        raise ServiceError(_("This file has already been imported."))
    return batch


def _plan(ctx: jobs.JobContext, batch: ImportBatch, steps: int):
    """Read and check the file as the owner, with progress (total: ``steps`` × rows)."""
    filename, kind, scheme = batch.filename, batch.kind, batch.scheme
    ctx.progress(0, message=_("Reading the file"), force=True)
    try:
        sheets = imports.read_file(filename, batch.content, kind)
    except imports.ImportFileError as exc:
        raise ServiceError(str(exc)) from None
    rows = row_count(sheets)
    checked = 0
    message = _("Checking the rows")

    def report(step: int) -> None:
        nonlocal checked
        checked += step
        ctx.progress(checked, message=message)

    for sheet in sheets:
        sheet.rows = _CountedRows(sheet.rows, report)
    ctx.progress(0, total=steps * rows, message=message, force=True)
    plan = imports.plan_import(sheets, scheme=scheme, scope_units=scope_unit_ids(ctx.owner), source_ref=filename)
    return plan, rows


def run_check(ctx: jobs.JobContext) -> jobs.JobResult:
    batch = _batch(ctx)
    plan, rows = _plan(ctx, batch, 1)
    found = PlanSummary.of(plan, rows)
    if found.ok:
        message = _("No errors: check the counts, then import.")
    else:
        message = _("%(n)d errors: nothing will be imported.", n=found.error_count)
    return jobs.JobResult(data=found.to_json(), mimetype="application/json", download=False, message=message,
                          url=url_for("registry.import_preview", batch_id=batch.id))


def run(ctx: jobs.JobContext) -> jobs.JobResult:
    batch = _batch(ctx)
    plan, rows = _plan(ctx, batch, 2)
    if not plan.ok:
        first = "; ".join(str(error) for error in plan.errors[:3])
        raise ServiceError(_("The file has errors: nothing was imported. %(errors)s", errors=first))
    # The last commit before the write: from here to the end, one transaction.
    ctx.progress(rows, message=_("Saving %(n)d rows (all or nothing)", n=rows), force=True)
    batch = db.session.get(ImportBatch, batch.id)
    services.apply_import(batch, plan, actor=ctx.owner)
    return jobs.JobResult(message=" ".join(summary(plan)), url=url_for("registry.people"))


HANDLER = Handler(KIND, _l("Registry import"), run, roles=(MANAGER, ADMIN))
CHECK_HANDLER = Handler(CHECK_KIND, _l("Check of a registry file"), run_check, roles=(MANAGER, ADMIN))

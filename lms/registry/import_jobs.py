"""The registry import applied as a job (``registry-import``): files above
``JOBS_INLINE_IMPORT_ROWS`` rows are applied by ``flask lms worker``, with progress.

The job re-reads the stored file and re-checks every row as its owner (their area, at the
time it runs), reporting progress every ``PROGRESS_ROWS`` rows, then applies the plan in
**one transaction** together with the job's "done": the import stays all or nothing (a
worker killed while writing leaves nothing, and the next worker starts over).
"""

from __future__ import annotations

from flask import current_app, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from lms.core.errors import ServiceError
from lms.core.security import is_admin
from lms.extensions import db
from lms.jobs import services as jobs
from lms.jobs.hooks import Handler
from lms.jobs.models import QUEUED, RUNNING, Job
from lms.registry import imports, queries, services
from lms.registry.models import AdminUnit, ImportBatch

KIND = "registry-import"
PROGRESS_ROWS = 1000

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


def summary(plan) -> list[str]:
    return [_("%(kind)s: %(create)d created, %(update)d updated, %(unchanged)d unchanged.",
              kind=KIND_NAMES.get(kind, kind), create=counts.create, update=counts.update,
              unchanged=counts.unchanged)
            for kind, counts in plan.counts.items()]


def queue_apply(batch: ImportBatch, rows: int, *, actor) -> Job:
    """Queue the apply of a previewed file (flush only); refuse a second one for the same file."""
    pending = db.session.scalars(select(Job).where(Job.owner_id == actor.id, Job.kind == KIND,
                                                   Job.status.in_((QUEUED, RUNNING)))).all()
    for job in pending:
        if job.params.get("batch_id") == batch.id:
            return job
    return jobs.enqueue(KIND, {"batch_id": batch.id}, owner=actor, total=2 * rows,
                        title=_("Import of %(file)s (%(n)d rows)", file=batch.filename, n=rows))


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


def run(ctx: jobs.JobContext) -> jobs.JobResult:
    batch = db.session.get(ImportBatch, int(ctx.params.get("batch_id") or 0))
    if batch is None or batch.user_id != ctx.owner.id:
        raise ServiceError(_("The uploaded file is no longer kept (files are kept for %(hours)d hours). "
                             "Upload it again.", hours=int(current_app.config["IMPORT_KEEP_HOURS"])))
    if batch.applied_at is not None:
        raise ServiceError(_("This file has already been imported."))
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
    ctx.progress(0, total=2 * rows, message=message, force=True)
    plan = imports.plan_import(sheets, scheme=scheme, scope_units=scope_unit_ids(ctx.owner), source_ref=filename)
    if not plan.ok:
        first = "; ".join(str(error) for error in plan.errors[:3])
        raise ServiceError(_("The file has errors: nothing was imported. %(errors)s", errors=first))
    # The last commit before the write: from here to the end, one transaction.
    ctx.progress(rows, message=_("Saving %(n)d rows (all or nothing)", n=rows), force=True)
    batch = db.session.get(ImportBatch, batch.id)
    services.apply_import(batch, plan, actor=ctx.owner)
    return jobs.JobResult(message=" ".join(summary(plan)), url=url_for("registry.people"))


HANDLER = Handler(KIND, _l("Registry import"), run)

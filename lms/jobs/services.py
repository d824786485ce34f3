"""Queue, claim and run jobs.

A request queues a job (``enqueue``, inside its unit of work) and sends the user to the
job's page; ``flask lms worker`` claims and runs it (``run_next``):

1. **claim**, in its own short transaction: the oldest job that is ``queued``, or
   ``running`` with a lease that ran out (its worker was killed), becomes ``running`` with
   a fresh claim token, ``attempts + 1`` and a lease of ``JOBS_LEASE_SECONDS``. On
   PostgreSQL the candidate row is chosen ``FOR UPDATE SKIP LOCKED``, so that several
   workers never wait for or double each other; on SQLite the ``UPDATE … WHERE`` repeats the
   condition and its row count tells whether the claim won (SQLite serialises writers, so
   one claim at a time is all it needs). A job whose lease ran out after
   ``JOBS_MAX_ATTEMPTS`` tries is failed instead, with a message that says so.
2. **run** the kind's handler (``lms.jobs.hooks.handlers``) as the job's owner: a request
   context is made for the job, with ``current_user`` the owner (loaded through
   ``owner_loaders``: an owner who was deactivated fails the job), so that the scope
   filters, the audit log and the owner's language apply exactly as they do in the views.
   The handler reports progress with ``ctx.progress(done, total, message)``, which writes
   the job row, extends the lease and **commits the session**: handlers call it only where
   what they did so far may be committed (a read phase, or between independent steps).
3. **finish** in the same transaction as the handler's last writes: ``done`` with the
   result (a file kept in the job row, or a link), on the condition that the claim is
   still ours. A ``ServiceError`` fails the job with its message (the owner's language);
   any other exception fails it with a neutral message and is logged with its traceback.

A worker killed at any point loses nothing that was committed: an import that had not
committed is re-run from its start by the next worker once the lease has passed.
"""

from __future__ import annotations

import logging
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app, g
from flask_babel import gettext as _
from sqlalchemy import and_, delete, func, or_, select, update

from lms.core.crypto import DataKeyError, seal, unseal
from lms.core.db import utcnow
from lms.core.errors import ServiceError
from lms.extensions import db
from lms.jobs.hooks import Handler, handlers, owner_loaders
from lms.jobs.models import DONE, FAILED, QUEUED, RUNNING, Job

log = logging.getLogger("lms.jobs")

# Progress is written at most this often (seconds), besides the first and the last report.
PROGRESS_EVERY = 1.0
# What a job's sealed file is bound to (``lms.core.crypto.seal``).
SEAL_PURPOSE = b"lms.jobs.result"


class JobLost(Exception):
    """The claim passed to another worker (this one was too slow to extend its lease)."""


@dataclass
class JobResult:
    """What a handler gives back: a file to download, or a page to go to, and a summary."""

    data: bytes | None = None
    filename: str | None = None
    mimetype: str = "application/octet-stream"
    message: str = ""
    url: str | None = None
    # False: the data is kept for the page named by ``url`` (e.g. a check's summary), and the
    # job page offers no download.
    download: bool = True
    # True: the file holds secrets (plain activation codes) and is kept encrypted
    # (``lms.core.crypto.seal``); only the download opens it.
    sealed: bool = False


def handler_for(kind: str) -> Handler | None:
    for handler in handlers.functions():
        if handler.kind == kind:
            return handler
    return None


def enqueue(kind: str, params: dict[str, Any], *, owner, title: str = "", total: int = 0) -> Job:
    """Queue a job for ``owner`` (flush only: the caller's unit of work commits).

    ``params`` must be JSON; ``params["args"]`` (a dict of strings), if given, is the query
    string of the request the job runs in (see ``run_next``).
    """
    if handler_for(kind) is None:
        raise ValueError(f"no handler for job kind {kind!r}")
    job = Job(kind=kind, params=dict(params), owner_id=owner.id, title=title[:200], total=total, status=QUEUED)
    db.session.add(job)
    db.session.flush()
    log.info("user %s queued job %s (%s)", owner.id, job.id, kind)
    return job


def lease_seconds() -> int:
    return max(int(current_app.config.get("JOBS_LEASE_SECONDS", 600)), 1)


def max_attempts() -> int:
    return max(int(current_app.config.get("JOBS_MAX_ATTEMPTS", 3)), 1)


def _claimable(now: datetime):
    return or_(Job.status == QUEUED, and_(Job.status == RUNNING, Job.lease_until < now))


@dataclass
class Claim:
    job_id: int
    token: str
    kind: str
    owner_id: int
    params: dict
    attempts: int


def give_up_stale(now: datetime) -> int:
    """Fail the jobs whose worker died ``JOBS_MAX_ATTEMPTS`` times (flush only)."""
    result = db.session.execute(
        update(Job).where(Job.status == RUNNING, Job.lease_until < now, Job.attempts >= max_attempts())
        .values(status=FAILED, finished_at=now, claim_token=None, error=None)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount:
        log.warning("gave up %s job(s) whose worker stopped %s times", result.rowcount, max_attempts())
    return result.rowcount or 0


def claim(now: datetime | None = None) -> Claim | None:
    """Take the next job (one short transaction, committed here); None when there is none."""
    now = now or utcnow()
    give_up_stale(now)
    stmt = select(Job.id).where(_claimable(now)).order_by(Job.id).limit(1)
    if db.session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    job_id = db.session.scalar(stmt)
    if job_id is None:
        db.session.commit()
        return None
    token = secrets.token_hex(8)
    won = db.session.execute(
        update(Job).where(Job.id == job_id, _claimable(now))
        .values(status=RUNNING, claim_token=token, attempts=Job.attempts + 1, heartbeat_at=now,
                lease_until=now + timedelta(seconds=lease_seconds()), started_at=now, message="")
        .execution_options(synchronize_session=False)
    ).rowcount == 1
    row = db.session.execute(select(Job.kind, Job.owner_id, Job.params, Job.attempts).where(Job.id == job_id)).one()
    db.session.commit()
    if not won:
        return None
    if row.attempts > 1:
        log.warning("job %s: taken over after its worker stopped (attempt %s)", job_id, row.attempts)
    return Claim(job_id, token, row.kind, row.owner_id, dict(row.params or {}), row.attempts)


class JobContext:
    """What a handler receives: the job's parameters, its owner, and ``progress``."""

    def __init__(self, claim: Claim, owner) -> None:
        self.job_id = claim.job_id
        self.token = claim.token
        self.params = claim.params
        self.owner = owner
        self.attempt = claim.attempts
        self._last = 0.0
        self._reported: tuple | None = None

    def progress(self, done: int, total: int | None = None, message: str | None = None, *,
                 force: bool = False) -> None:
        """Record progress, extend the lease, and commit the session (see the module's note)."""
        moment = time.monotonic()
        changed = message is not None and (self._reported is None or self._reported[2] != message)
        if not (force or changed or self._reported is None or moment - self._last >= PROGRESS_EVERY):
            return
        values: dict[str, Any] = {"done": max(int(done), 0)}
        if total is not None:
            values["total"] = max(int(total), 0)
        if message is not None:
            values["message"] = str(message)[:300]
        self._write(values)
        db.session.commit()
        self._last, self._reported = moment, (done, total, message)

    def _write(self, values: dict[str, Any]) -> None:
        now = utcnow()
        result = db.session.execute(
            update(Job).where(Job.id == self.job_id, Job.claim_token == self.token, Job.status == RUNNING)
            .values({"heartbeat_at": now, "lease_until": now + timedelta(seconds=lease_seconds()), **values})
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:
            raise JobLost(self.job_id)

    def finish(self, result: JobResult | None) -> None:
        """Mark the job done with its result (flush only: run_next commits)."""
        result = result or JobResult()
        values: dict[str, Any] = {"status": DONE, "finished_at": utcnow(), "claim_token": None, "lease_until": None,
                                  "message": (result.message or "")[:300], "result_url": result.url}
        if result.data is not None:
            data = seal(result.data, SEAL_PURPOSE) if result.sealed else result.data
            values.update(result=data, result_sealed=result.sealed, result_type=result.mimetype[:100],
                          result_size=len(result.data))
            if result.download:
                values["result_name"] = (result.filename or "result")[:200]
        total = db.session.scalar(select(Job.total).where(Job.id == self.job_id))
        values["done"] = total or 0
        self._write(values)


def _fail(claim: Claim, error: str) -> None:
    db.session.execute(
        update(Job).where(Job.id == claim.job_id, Job.claim_token == claim.token)
        .values(status=FAILED, error=error[:2000], finished_at=utcnow(), claim_token=None, lease_until=None)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def _load_owner(owner_id: int):
    for loader in owner_loaders.functions():
        user = loader(owner_id)
        if user is not None:
            return user
    return None


def run_next(app=None) -> int | None:
    """Claim the next job and run it to its end; return its id (None when the queue is empty)."""
    app = app or current_app._get_current_object()
    with app.app_context():
        found = claim()
    if found is None:
        return None
    # The request the job runs in: as its owner, with the query string of the page that
    # queued it (``params["args"]``), so that a view's own filter reader serves the job too.
    args = found.params.get("args") if isinstance(found.params.get("args"), dict) else None
    with app.app_context(), app.test_request_context(f"/jobs/{found.job_id}", method="POST", query_string=args):
        owner = _load_owner(found.owner_id)
        g._login_user = owner
        handler = handler_for(found.kind)
        started = time.monotonic()
        try:
            if owner is None:
                raise ServiceError(_("The account that asked for this job is no longer active."))
            if handler is None:
                raise ServiceError(_("This kind of job is no longer known: %(kind)s.", kind=found.kind))
            if not handler.allows(owner):
                raise ServiceError(_("Your account may no longer do this."))
            context = JobContext(found, owner)
            result = handler.run(context)
            context.finish(result)
            db.session.commit()
        except JobLost:
            db.session.rollback()
            log.warning("job %s: another worker took it over; this run's work was rolled back", found.job_id)
        except ServiceError as exc:
            db.session.rollback()
            log.info("job %s (%s) refused: %s", found.job_id, found.kind, exc.message)
            _fail(found, str(exc.message))
        except Exception:
            db.session.rollback()
            log.exception("job %s (%s) failed", found.job_id, found.kind)
            _fail(found, _("An unexpected error stopped this job. Nothing of it was saved. "
                           "Try again; if it fails again, tell an administrator (job %(id)d).", id=found.job_id))
        else:
            log.info("job %s (%s) done in %.1f s", found.job_id, found.kind, time.monotonic() - started)
    return found.job_id


def result_bytes(job: Job) -> bytes | None:
    """The job's file as the handler made it (opened if sealed); None when there is none, or
    when a sealed file no longer opens (its data key is no longer configured)."""
    if job.result is None:
        return None
    if not job.result_sealed:
        return job.result
    try:
        return unseal(job.result, SEAL_PURPOSE)
    except DataKeyError:
        log.warning("job %s: its sealed file does not open (data key rotated?)", job.id)
        return None


def failure_text(job: Job) -> str:
    """Why a failed job failed, in the reader's language."""
    if job.error:
        return job.error
    return _("The worker stopped %(n)d times while running this job, so it was given up. Nothing of it was "
             "saved. Try again with a smaller selection, or tell an administrator.", n=job.attempts)


def _finished_before_cutoff(now: datetime):
    """Finished jobs older than JOBS_KEEP_DAYS (their files with them)."""
    cutoff = now - timedelta(days=int(current_app.config.get("JOBS_KEEP_DAYS", 7)))
    return and_(Job.status.in_((DONE, FAILED)), Job.finished_at < cutoff)


def purge_finished(now: datetime) -> int:
    """Delete finished jobs (and their files) older than JOBS_KEEP_DAYS (flush only)."""
    result = db.session.execute(delete(Job).where(_finished_before_cutoff(now))
                                .execution_options(synchronize_session=False))
    return result.rowcount or 0


def count_finished(now: datetime) -> int:
    return db.session.scalar(select(func.count(Job.id)).where(_finished_before_cutoff(now))) or 0


def table_result(fmt: str, header, rows, filename: str, *, title: str, csv_rows=None) -> JobResult:
    """A table as the job's CSV or XLSX file (the job's side of ``lms.core.exports.table_download``)."""
    from lms.core.exports import table_file

    data, mimetype = table_file(fmt, header, rows, title=title, csv_rows=csv_rows)
    return JobResult(data=data, filename=filename, mimetype=mimetype)

"""The job pages: one job's progress (a ``<progress>`` bar refreshed by ``<meta>`` while it
runs, so that it works without JavaScript), the download of its result, and "My jobs".
Only the job's owner and administrators see a job or its file."""

from __future__ import annotations

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, select
from sqlalchemy.orm import undefer

from lms.core.forms import ConfirmForm
from lms.core.params import page_arg
from lms.core.security import is_admin
from lms.core.uow import unit_of_work
from lms.extensions import db
from lms.jobs.models import DONE, STATUS_LABELS, Job
from lms.jobs.services import enqueue, failure_text, handler_for, result_bytes

bp = Blueprint("jobs", __name__, template_folder="templates")

PAGE_SIZE = 30


def _own(job_id: int, *options) -> Job:
    job = db.session.get(Job, job_id, options=options)
    # Someone else's job is answered like a job that does not exist; so is the job of an owner
    # who no longer holds the roles of the route that queued it.
    if job is None or not job.can_view(current_user):
        abort(404)
    handler = handler_for(job.kind)
    if handler is not None and not is_admin(current_user) and not handler.allows(current_user):
        abort(404)
    return job


def _kind_label(kind: str):
    handler = handler_for(kind)
    return handler.label if handler is not None else kind


@bp.route("/jobs")
@login_required
def mine():
    page = page_arg()
    stmt = select(Job).where(Job.owner_id == current_user.id)
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    jobs = db.session.scalars(stmt.order_by(Job.id.desc()).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    return render_template("jobs/list.html", jobs=jobs, total=total, page=page, page_size=PAGE_SIZE,
                           status_labels=STATUS_LABELS, kind_label=_kind_label)


@bp.route("/jobs/<int:job_id>")
@login_required
def show(job_id: int):
    job = _own(job_id)
    response = Response(render_template("jobs/job.html", job=job, status_labels=STATUS_LABELS,
                                        kind_label=_kind_label(job.kind),
                                        failure=failure_text(job) if job.status == "failed" else None))
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/jobs/<int:job_id>/download")
@login_required
def download(job_id: int):
    job = _own(job_id, undefer(Job.result))
    data = result_bytes(job) if job.status == DONE and job.result_name else None
    if data is None:
        abort(404)
    response = Response(data, mimetype=job.result_type or "application/octet-stream")
    response.headers.set("Content-Disposition", "attachment", filename=job.result_name or "result")
    response.headers["Cache-Control"] = "private, no-store"
    return response


def confirm_page(title: str, text: str, back: str) -> str:
    """The GET page of a download that is made as a job: one button that queues it (POST to
    the same address, query string included)."""
    return render_template("jobs/confirm.html", title=title, text=text, back=back, form=ConfirmForm(),
                           action=request.full_path.rstrip("?"))


def queue_and_show(kind: str, params: dict, *, title: str, total: int = 0):
    """The POST of such a page: check the form, queue the job, go to its page."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    with unit_of_work():
        job = enqueue(kind, params, owner=current_user, title=title, total=total)
    return redirect(url_for("jobs.show", job_id=job.id))

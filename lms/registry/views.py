"""Registry pages: people, organisations, the import with its preview, unit assignments."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import func, select

from lms.core.db import vi_collate
from lms.core.forms import ConfirmForm
from lms.core.groups import TARGET_GROUP_LABELS, TARGET_GROUPS
from lms.core.localtime import local_today
from lms.core.params import page_arg
from lms.core.security import ADMIN, MANAGER, is_admin, roles_required, staff_required
from lms.core.uow import restart_for_write, unit_of_work
from lms.extensions import db
from lms.jobs.models import DONE as JOB_DONE
from lms.jobs.models import QUEUED as JOB_QUEUED
from lms.jobs.models import RUNNING as JOB_RUNNING
from lms.jobs.services import failure_text
from lms.registry import import_jobs, imports, queries, services
from lms.registry.forms import ImportForm
from lms.registry.hooks import people_list_actions, person_panels
from lms.registry.models import (
    GENDER_LABELS,
    ORG_TYPE_LABELS,
    ORG_TYPES,
    SCHEME_LABELS,
    ImportBatch,
    Organisation,
    Person,
)

bp = Blueprint("registry", __name__, template_folder="templates", url_prefix="/registry")


@bp.app_context_processor
def _missing_area():
    """``missing_area()`` in templates: a manager or trainer (not an administrator) to whom
    no unit is assigned, so that every list of people, units and classes is empty."""

    def missing_area() -> bool:
        user = current_user
        return (getattr(user, "is_authenticated", False) and user.has_role(MANAGER, "trainer")
                and not is_admin(user) and not queries.assigned_units(user))

    return {"missing_area": missing_area}

PAGE_SIZE = 50


def _page() -> int:
    return page_arg()


def _unit_filter():
    code = (request.args.get("unit") or "").strip()
    scheme = request.args.get("scheme", "2025")
    if not code:
        return None
    unit = queries.find_unit(code, scheme if scheme in SCHEME_LABELS else "2025")
    if unit is None:
        abort(404)
    if not queries.can_see_unit(current_user, unit):
        abort(403)
    return unit


def _paginate(stmt):
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    page = _page()
    rows = db.session.scalars(stmt.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    return rows, total, page


@bp.route("/people")
@staff_required
def people():
    q = (request.args.get("q") or "").strip()[:100]
    group = request.args.get("group") or None
    if group not in TARGET_GROUPS:
        group = None
    unit = _unit_filter()
    rows, total, page = _paginate(queries.people_query(current_user, q=q, group=group, unit=unit))
    filters = {"q": q, "group": group, "unit": unit.code if unit else None, "scheme": unit.scheme if unit else None}
    filters = {k: v for k, v in filters.items() if v}
    actions = [Markup(a) for fn in people_list_actions.functions() if (a := fn(filters, current_user))]  # noqa: S704 - actions render their own templates
    return render_template(
        "registry/people.html", people=rows, total=total, page=page, page_size=PAGE_SIZE, q=q, group=group,
        unit=unit, groups=TARGET_GROUPS, group_labels=TARGET_GROUP_LABELS,
        my_units=queries.assigned_units(current_user), actions=actions,
    )


@bp.route("/people/<int:person_id>")
@staff_required
def person(person_id: int):
    p = db.get_or_404(Person, person_id)
    if not queries.can_see_person(current_user, p):
        abort(403)
    if p.hidden:  # restricted or anonymised (lms.privacy): kept, never shown
        abort(404)
    panels = [Markup(html) for panel in person_panels.functions() if (html := panel(p, current_user))]  # noqa: S704 - panels render their own templates
    return render_template("registry/person.html", person=p, panels=panels,
                           group_labels=TARGET_GROUP_LABELS, gender_labels=GENDER_LABELS,
                           crumbs=queries.ancestors(p.unit) if p.unit else [])


@bp.route("/organisations")
@staff_required
def organisations():
    q = (request.args.get("q") or "").strip()[:100]
    org_type = request.args.get("type") or None
    if org_type not in ORG_TYPES:
        org_type = None
    unit = _unit_filter()
    rows, total, page = _paginate(queries.organisations_query(current_user, q=q, org_type=org_type, unit=unit))
    return render_template("registry/organisations.html", organisations=rows, total=total, page=page,
                           page_size=PAGE_SIZE, q=q, org_type=org_type, unit=unit, org_types=ORG_TYPES,
                           type_labels=ORG_TYPE_LABELS)


@bp.route("/organisations/<int:org_id>")
@staff_required
def organisation(org_id: int):
    org = db.get_or_404(Organisation, org_id)
    if not queries.can_see_organisation(current_user, org):
        abort(403)
    leaders = db.session.scalars(
        select(Person).where(Person.organisation_id == org.id, queries.person_scope(current_user), queries.listable())
        .order_by(vi_collate(Person.full_name))
    ).all()
    return render_template("registry/organisation.html", org=org, leaders=leaders, type_labels=ORG_TYPE_LABELS,
                           group_labels=TARGET_GROUP_LABELS, today=local_today())


# --- import ---------------------------------------------------------------------------------


@bp.route("/import", methods=["GET", "POST"])
@roles_required(MANAGER, ADMIN)
def import_upload():
    form = ImportForm()
    if form.validate_on_submit():
        upload = form.file.data
        data = upload.read()
        filename = (upload.filename or "upload")[-200:]
        try:
            rows = import_jobs.row_count(imports.read_file(filename, data, form.kind.data or None))
        except imports.ImportFileError as exc:
            form.file.errors = [str(exc)]
        else:
            with unit_of_work(form) as work:
                batch = services.store_import(current_user, filename, data, kind=form.kind.data or None,
                                              scheme=form.scheme.data)
                # A large file is checked by the worker (lms.jobs); its page leads to the preview.
                job = import_jobs.queue_check(batch, rows, actor=current_user) if import_jobs.is_large(rows) else None
            if work.ok and job is not None:
                return redirect(url_for("jobs.show", job_id=job.id))
            if work.ok:
                return redirect(url_for("registry.import_preview", batch_id=batch.id))
    return render_template("registry/import.html", form=form, kinds=imports.KIND_LABELS)


def _own_batch(batch_id: int) -> ImportBatch:
    batch = db.get_or_404(ImportBatch, batch_id)
    if batch.user_id != current_user.id:
        abort(404)
    return batch


@bp.route("/import/<int:batch_id>", methods=["GET", "POST"])
@roles_required(MANAGER, ADMIN)
def import_preview(batch_id: int):
    batch = _own_batch(batch_id)
    form = ConfirmForm()
    if batch.applied_at is not None:
        flash(_("This file has already been imported."), "info")
        return redirect(url_for("registry.import_upload"))
    check = import_jobs.latest_check(batch, current_user)
    if check is not None:
        return _checked_preview(batch, check, form)
    try:
        sheets = imports.read_file(batch.filename, batch.content, batch.kind)
        rows = import_jobs.row_count(sheets)
        if import_jobs.is_large(rows):  # uploaded before the limit was lowered: check it in the background
            restart_for_write()
            with unit_of_work():
                check = import_jobs.queue_check(batch, rows, actor=current_user)
            return redirect(url_for("jobs.show", job_id=check.id))
        plan = imports.plan_import(sheets, scheme=batch.scheme, scope_units=import_jobs.scope_unit_ids(current_user),
                                   source_ref=batch.filename)
    except imports.ImportFileError as exc:
        flash(str(exc), "error")
        return redirect(url_for("registry.import_upload"))
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        with unit_of_work() as work:
            services.apply_import(batch, plan, actor=current_user)
        if work.ok:
            flash(_("The file has been imported."), "success")
            for line in import_jobs.summary(plan):
                flash(line, "info")
            return redirect(url_for("registry.people"))
    return render_template("registry/import_preview.html", batch=batch, plan=plan, form=form,
                           kinds=imports.KIND_LABELS)


def _checked_preview(batch: ImportBatch, check, form):
    """The preview of a large file, from its check by the worker; "Import now" queues the apply."""
    if check.status in (JOB_QUEUED, JOB_RUNNING):
        return redirect(url_for("jobs.show", job_id=check.id))
    if check.status != JOB_DONE:
        flash(failure_text(check), "error")
        return redirect(url_for("registry.import_upload"))
    found = import_jobs.PlanSummary.load(check)
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        if found.ok:
            with unit_of_work():
                job = import_jobs.queue_apply(batch, found.rows, actor=current_user)
            return redirect(url_for("jobs.show", job_id=job.id))
    return render_template("registry/import_preview.html", batch=batch, plan=found, form=form,
                           kinds=imports.KIND_LABELS, background=True)


@bp.route("/import/template.xlsx")
@roles_required(MANAGER, ADMIN)
def import_template():
    return Response(
        imports.template_xlsx(),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": 'attachment; filename="mau-nhap-danh-sach-ocop.xlsx"'},
    )

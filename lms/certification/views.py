"""Public verification, learners' certificates, and the staff's certificate management."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select
from wtforms import SelectChoice

from lms.auth.audit import history as audit_history
from lms.catalog.models import Course, CourseCompletion
from lms.certification import print_jobs, queries, rendering, services
from lms.certification.codes import format_code, normalize_code
from lms.certification.forms import (
    VIA_LABELS,
    CorrectForm,
    DecisionForm,
    FilterForm,
    IssueForm,
    PolicyForm,
    RevokeForm,
    VerifyForm,
)
from lms.certification.models import (
    REVOCATION_REASON_LABELS,
    STATUS_LABELS,
    Certificate,
    CertificateVersion,
)
from lms.certification.rendering import CertificateTemplateError
from lms.core import exports
from lms.core.audit import audit_disclosure
from lms.core.errors import ServiceError, render_error
from lms.core.i18n import for_people
from lms.core.params import page_arg
from lms.core.ratelimit import rate_limited
from lms.core.security import ADMIN, MANAGER, TRAINER, is_admin, roles_required, staff_required
from lms.core.uow import unit_of_work
from lms.extensions import db
from lms.jobs import views as job_views
from lms.jobs.hooks import Handler
from lms.jobs.services import JobResult
from lms.registry.models import Person
from lms.registry.queries import can_see_person, find_unit

bp = Blueprint("certification", __name__, template_folder="templates")

# Certificates are issued in the transaction that records the completion.

PAGE_SIZE = 50


def _verify_rate_limit() -> str:
    return current_app.config.get("CERTIFICATE_VERIFY_RATE_LIMIT", "30/minute")


# One moving window per address for both pages, shared by every worker (lms.core.ratelimit).
_verify_limit = rate_limited("certificate-verify", _verify_rate_limit, methods=("GET", "POST"))


def _back_to_detail(certificate: Certificate, message: str, category: str) -> Response:
    """Flash the message and go to the certificate's staff page."""
    flash(message, category)
    return redirect(url_for("certification.detail", code=certificate.code))


def _pdf_response(data: bytes, filename: str, content_type: str = "application/pdf") -> Response:
    response = Response(data, mimetype=content_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _render_or_error(render, *args):
    try:
        return render(*args), None
    except CertificateTemplateError as exc:
        current_app.logger.error("certificate template error: %s", exc)
        return None, render_error(500, _("The certificate template could not be rendered: %(error)s", error=str(exc)))


# --- public verification --------------------------------------------------------------


@bp.route("/verify")
@_verify_limit
def verify_form():
    form = VerifyForm(request.args)
    if "code" in request.args and form.validate():
        code = normalize_code(form.code.data)
        if code is None:
            form.code.errors = [_("This is not a certificate code. Check the characters and try again.")]
        else:
            return redirect(url_for("certification.verify", code=code))
    return render_template("certification/verify_form.html", form=form)


def _no_such_certificate(code: str):
    """A mistyped or unknown code: say so on the verification form (404), with the code kept."""
    form = VerifyForm(formdata=None)
    form.code.data = code[:40]
    form.code.errors = [_("No certificate has this code. Check the characters and try again.")]
    response = Response(render_template("certification/verify_form.html", form=form), status=404)
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


@bp.route("/verify/<code>")
@_verify_limit
def verify(code: str):
    canonical = normalize_code(code)
    if canonical is None:
        return _no_such_certificate(code)
    if canonical != code:
        return redirect(url_for("certification.verify", code=canonical))
    certificate = db.session.scalar(select(Certificate).where(Certificate.code == canonical))
    if certificate is None:
        return _no_such_certificate(code)
    if certificate.person.hidden:
        # Restricted or anonymised at the holder's request: a neutral answer, nothing more.
        response = Response(render_template("certification/verify_unavailable.html"))
        response.headers["X-Robots-Tag"] = "noindex, nofollow"
        response.headers["Referrer-Policy"] = "no-referrer"
        return response
    today = services.local_today()
    # Only what the page shows is handed to the template: no person, no other certificate.
    shown = {
        "status": certificate.status(today),
        "holder_name": certificate.holder_name,
        "course_title": certificate.course_title,
        "hours": certificate.hours,
        "issued_on": certificate.issued_on,
        "issuer": certificate.issuer,
        "expires_on": certificate.expires_on,
        # Revoked and when; the reason ("wrong person", "fraud" …) is for staff only.
        "revoked_on": services.local_date(certificate.revoked_at) if certificate.revoked_at else None,
        "code": format_code(certificate.code),
    }
    response = Response(render_template("certification/verify.html", c=shown, status_labels=STATUS_LABELS))
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


# --- learners -------------------------------------------------------------------------


@bp.route("/my/certificates")
@login_required
def mine():
    today = services.local_today()
    rows = queries.my_certificates(current_user)
    return render_template(
        "certification/mine.html", certificates=rows, today=today, status_labels=STATUS_LABELS
    )


@bp.route("/my/certificates/<code>.pdf")
@login_required
def my_pdf(code: str):
    certificate = queries.by_code(code)
    if certificate is None:
        abort(404)
    if certificate.person_id != current_user.person_id or certificate.revoked_at is not None:
        abort(403)
    data, error = _render_or_error(services.render_certificate_pdf, certificate)
    if error:
        return error
    return _pdf_response(data, services.pdf_filename(certificate))


# --- staff: list, search, export, bulk ------------------------------------------------


def _filter_from_request() -> tuple[FilterForm, queries.CertificateFilter]:
    form = FilterForm(request.args)
    courses = queries.courses_with_certificates(current_user)
    form.course.choices = [SelectChoice("", _("Any course"))] + [
        SelectChoice(str(c.id), c.title) for c in courses
    ]
    flt = queries.CertificateFilter()
    if form.validate():
        flt.q = (form.q.data or "").strip()
        flt.course_id = int(form.course.data) if (form.course.data or "").isdigit() else None
        flt.status = form.status.data or None
        flt.issued_from = form.issued_from.data
        flt.issued_to = form.issued_to.data
        if form.unit.data:
            flt.unit = find_unit(form.unit.data.strip())
            if flt.unit is None:
                form.unit.errors = [_("No unit has this code in the 2025 list.")]
    return form, flt


def filter_args() -> dict[str, str]:
    keys = ("q", "course", "status", "issued_from", "issued_to", "unit")
    return {k: request.args[k] for k in keys if request.args.get(k)}


@bp.route("/certificates")
@staff_required
def manage():
    form, flt = _filter_from_request()
    page = page_arg()
    stmt = queries.search(current_user, flt, services.local_today())
    total = queries.count(stmt)
    rows = db.session.scalars(stmt.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    return render_template(
        "certification/list.html",
        form=form,
        certificates=rows,
        total=total,
        page=page,
        page_size=PAGE_SIZE,
        args=filter_args(),
        today=services.local_today(),
        status_labels=STATUS_LABELS,
    )


def filtered_certificates() -> list[Certificate]:
    _form, flt = _filter_from_request()
    stmt = queries.search(current_user, flt, services.local_today())
    return list(db.session.scalars(stmt))


_EXPORT_HEADER = (
    _l("Code"), _l("Holder's name"), _l("Course"), _l("Hours"), _l("Completed on"), _l("Issued on"),
    _l("Valid until"), _l("Status"), _l("Revoked on"), _l("Reason"), _l("Issuing agency"), _l("Decision number"),
)


def _export_rows(certificates: list[Certificate]):
    today = services.local_today()
    for c in certificates:
        yield (
            format_code(c.code), c.holder_name, c.course_title, c.hours, c.completed_on, c.issued_on,
            c.expires_on, str(STATUS_LABELS[c.status(today)]),
            services.local_date(c.revoked_at) if c.revoked_at else None,
            str(REVOCATION_REASON_LABELS[c.revocation_reason]) if c.revocation_reason else None,
            c.issuer, c.decision_number,
        )


_EXPORT_FORMATS = ("csv", "xlsx")
LIST_JOB = "certificate-list"
STAFF_ROLES = (TRAINER, MANAGER, ADMIN)  # the roles of staff_required, which the jobs keep checking


def _export_file(fmt: str, certificates: list[Certificate]) -> tuple[bytes, str]:
    """The certificate list as CSV (values written the people's way) or XLSX, with its MIME type."""
    return exports.table_file(
        fmt, [str(h) for h in _EXPORT_HEADER], _export_rows(certificates), title=_("Certificates"),
        csv_rows=([for_people(v) for v in row] for row in _export_rows(certificates)),
    )


def _export(fmt: str):
    _form, flt = _filter_from_request()
    stmt = queries.search(current_user, flt, services.local_today())
    count = queries.count(stmt)
    if count > current_app.config["JOBS_INLINE_EXPORT_ROWS"]:
        # A long list: the worker writes the file (lms.jobs).
        title = _("List of %(n)s certificates (%(format)s)", n=format_decimal(count), format=fmt.upper())
        if request.method == "POST":
            return job_views.queue_and_show(LIST_JOB, {"fmt": fmt, "args": filter_args()}, title=title, total=count)
        return job_views.confirm_page(title, _("Preparing this file takes a while."),
                                      back=url_for("certification.manage", **filter_args()))
    certificates = list(db.session.scalars(stmt))
    data, mimetype = _export_file(fmt, certificates)
    audit_disclosure(f"certificates.{fmt}", filter_args(), len(certificates))
    return _pdf_response(data, f"certificates.{fmt}", mimetype)


def _run_list_job(ctx):
    """The worker's side of a long certificate list: the list's filter, as the owner."""
    fmt = str(ctx.params.get("fmt"))
    if fmt not in _EXPORT_FORMATS:
        raise ServiceError(_("Unknown file format."))
    ctx.progress(0, message=_("Collecting the list"), force=True)
    certificates = filtered_certificates()
    ctx.progress(0, total=len(certificates), message=_("Writing the file"), force=True)
    data, mimetype = _export_file(fmt, certificates)
    audit_disclosure(f"certificates.{fmt}", filter_args(), len(certificates))
    return JobResult(data=data, filename=f"certificates.{fmt}", mimetype=mimetype)


LIST_JOB_HANDLER = Handler(LIST_JOB, _l("List of certificates"), _run_list_job, roles=STAFF_ROLES)


@bp.route("/certificates/export.csv", methods=["GET", "POST"])
@staff_required
def export_csv():
    return _export("csv")


@bp.route("/certificates/export.xlsx", methods=["GET", "POST"])
@staff_required
def export_xlsx():
    return _export("xlsx")


def _bulk(render, filename: str, content_type: str):
    certificates = [c for c in filtered_certificates() if c.revoked_at is None]
    limit = current_app.config.get("CERTIFICATE_BULK_MAX", 500)
    back = redirect(url_for("certification.manage", **filter_args()))
    if not certificates:
        flash(_("No valid certificate matches this filter."), "warning")
        return back
    if len(certificates) > limit:
        flash(_("Too many certificates for one file (%(n)d; at most %(max)d). Narrow the filter.",
                n=len(certificates), max=limit), "error")
        return back
    if print_jobs.too_many(len(certificates)):
        # Many certificates take minutes: the worker makes the file (lms.jobs).
        fmt = filename.rsplit(".", 1)[-1]
        title = _("%(n)s certificates (%(format)s)", n=format_decimal(len(certificates)), format=fmt.upper())
        if request.method == "POST":
            return job_views.queue_and_show(print_jobs.KIND, {"fmt": fmt, "args": filter_args()},
                                            title=title, total=len(certificates))
        return job_views.confirm_page(title, _("Preparing this file takes a while."),
                                      back=url_for("certification.manage", **filter_args()))
    data, error = _render_or_error(render, certificates)
    if error:
        return error
    audit_disclosure(f"certificates.{filename.rsplit('.', 1)[-1]}", filter_args(), len(certificates))
    return _pdf_response(data, filename, content_type)


def _run_job(ctx):
    """The worker's side of ``_bulk``: the list's filter (the job's query string), as the owner."""
    fmt = str(ctx.params.get("fmt"))
    certificates = [c for c in filtered_certificates() if c.revoked_at is None]
    return print_jobs.bundle(ctx, certificates, fmt, f"certificates.{fmt}", audit_kind=f"certificates.{fmt}",
                             audit_filters=filter_args())


JOB_HANDLER = Handler(print_jobs.KIND, _l("Certificates"), _run_job, roles=STAFF_ROLES)


@bp.route("/certificates/print.pdf", methods=["GET", "POST"])
@staff_required
def bulk_pdf():
    return _bulk(services.render_bulk_pdf, "certificates.pdf", "application/pdf")


@bp.route("/certificates/print.zip", methods=["GET", "POST"])
@staff_required
def bulk_zip():
    return _bulk(services.render_bulk_zip, "certificates.zip", "application/zip")


# --- staff: issue by hand ------------------------------------------------------------


@bp.route("/certificates/pending")
@staff_required
def pending():
    rows = queries.pending_completions(current_user)
    return render_template("certification/pending.html", rows=rows)


@bp.route("/certificates/issue/<int:completion_id>", methods=["GET", "POST"])
@staff_required
def issue(completion_id: int):
    completion = db.get_or_404(CourseCompletion, completion_id)
    person = db.session.get(Person, completion.person_id)
    if not can_see_person(current_user, person):
        abort(403)
    existing = db.session.scalar(
        select(Certificate).where(
            Certificate.person_id == completion.person_id, Certificate.course_id == completion.course_id,
            Certificate.renewal == completion.renewals,
        )
    )
    if existing is not None:
        return _back_to_detail(existing, _("This person already has a certificate for this course."), "info")
    course = db.session.get(Course, completion.course_id)
    form = IssueForm()
    if request.method == "GET":
        defaults = services.initial_details(completion, rendering.resolve_template(course.certificate_template))
        for name in ("issuer", "signer_title", "signer_name", "place", "decision_number"):
            getattr(form, name).data = defaults.get(name)
    if form.validate_on_submit():
        details = {name: getattr(form, name).data for name in services.ISSUE_FIELDS}
        with unit_of_work(form) as work:
            certificate, _created = services.issue_for_completion(
                completion, actor=current_user, details=details
            )
        if work.ok:
            return _back_to_detail(certificate, _("The certificate has been issued."), "success")
    return render_template(
        "certification/issue.html", form=form, completion=completion, person=person, course=course
    )


# --- staff: one certificate ----------------------------------------------------------


def _managed(code: str) -> Certificate:
    certificate = queries.by_code(code)
    if certificate is None:
        abort(404)
    if not can_see_person(current_user, certificate.person):
        abort(403)
    return certificate


@bp.route("/certificates/<code>")
@staff_required
def detail(code: str):
    certificate = _managed(code)
    return render_template(
        "certification/detail.html",
        c=certificate,
        code=format_code(certificate.code),
        status=certificate.status(services.local_today()),
        status_labels=STATUS_LABELS,
        reason_labels=REVOCATION_REASON_LABELS,
        versions=list(reversed(certificate.versions)),
        history=audit_history("certificate", certificate.id),
    )


@bp.route("/certificates/<code>/pdf")
@staff_required
def pdf(code: str):
    certificate = _managed(code)
    data, error = _render_or_error(services.render_certificate_pdf, certificate)
    if error:
        return error
    return _pdf_response(data, services.pdf_filename(certificate))


@bp.route("/certificates/<code>/versions/<int:number>.pdf")
@staff_required
def version_pdf(code: str, number: int):
    certificate = _managed(code)
    version = db.session.scalar(
        select(CertificateVersion).where(
            CertificateVersion.certificate_id == certificate.id, CertificateVersion.number == number
        )
    )
    if version is None:
        abort(404)
    data, error = _render_or_error(
        lambda: rendering.render_pdf(services.printable_version(certificate, version))
    )
    if error:
        return error
    return _pdf_response(data, services.pdf_filename(certificate, number))


@bp.route("/certificates/<code>/correct", methods=["GET", "POST"])
@staff_required
def correct(code: str):
    certificate = _managed(code)
    if certificate.revoked_at is not None:
        return _back_to_detail(certificate, _("A revoked certificate cannot be corrected."), "error")
    form = CorrectForm(obj=certificate if request.method == "GET" else None)
    if request.method == "GET":
        form.note.data = ""
    if form.validate_on_submit():
        changes = {name: getattr(form, name).data for name in CorrectForm.FIELD_ORDER}
        with unit_of_work(form) as work:
            changed = services.correct(certificate, changes, actor=current_user, note=form.note.data)
        if work.ok:
            if changed:
                return _back_to_detail(
                    certificate, _("The certificate has been corrected (version %(n)d).", n=certificate.version),
                    "success",
                )
            return _back_to_detail(certificate, _("Nothing was changed."), "info")
    return render_template("certification/correct.html", form=form, c=certificate, code=format_code(certificate.code))


@bp.route("/certificates/<code>/revoke", methods=["GET", "POST"])
@staff_required
def revoke(code: str):
    certificate = _managed(code)
    if certificate.revoked_at is not None:
        return _back_to_detail(certificate, _("This certificate has already been revoked."), "info")
    form = RevokeForm()
    if form.validate_on_submit():
        with unit_of_work(form) as work:
            services.revoke(certificate, reason=form.reason.data, note=form.note.data, actor=current_user)
        if work.ok:
            return _back_to_detail(certificate, _("The certificate has been revoked."), "success")
    return render_template("certification/revoke.html", form=form, c=certificate, code=format_code(certificate.code))


# --- course settings: template in use and automatic issuing ---------------------------

policy_required = roles_required(MANAGER, ADMIN)


@bp.route("/certificates/courses")
@policy_required
def courses():
    rows = db.session.scalars(select(Course).order_by(Course.title)).all()
    settings = [
        (course, rendering.resolve_template(course.certificate_template), services.auto_issue_vias(course))
        for course in rows
    ]
    return render_template("certification/courses.html", settings=settings, via_labels=VIA_LABELS)


@bp.route("/certificates/courses/<int:course_id>", methods=["GET", "POST"])
@policy_required
def course_policy(course_id: int):
    """Managers see the setting; only administrators change it, since it applies to every area
    (as the coverage requirements do)."""
    course = db.get_or_404(Course, course_id)
    if request.method == "POST" and not is_admin(current_user):
        abort(403)
    form = PolicyForm()
    if request.method == "GET":
        form.vias.data = services.auto_issue_vias(course)
    if form.validate_on_submit():
        with unit_of_work(form) as work:
            services.set_auto_issue_vias(course, form.vias.data or [], actor=current_user)
        if work.ok:
            flash(_("The certificate settings of the course have been saved."), "success")
            return redirect(url_for("certification.courses"))
    return render_template(
        "certification/course_policy.html", form=form, course=course, via_labels=VIA_LABELS,
        template=rendering.resolve_template(course.certificate_template),
        decision_form=_decision_form(course),
    )


def _decision_form(course: Course, form: DecisionForm | None = None) -> DecisionForm | None:
    """The decision form for administrators (None for others), filled from the course."""
    from lms.certification.models import CourseDecision

    if not current_user.has_role(ADMIN):
        return None
    if form is None:
        form = DecisionForm(formdata=None)
        decision = db.session.get(CourseDecision, course.id)
        if decision is not None:
            form.number.data, form.decided_on.data = decision.number, decision.decided_on
    return form


@bp.route("/certificates/courses/<int:course_id>/decision", methods=["POST"])
@roles_required(ADMIN)
def course_decision(course_id: int):
    """The decision number and date printed on the course's certificates from now on."""
    course = db.get_or_404(Course, course_id)
    form = DecisionForm()
    if form.validate_on_submit():
        with unit_of_work(form) as work:
            services.set_course_decision(course, form.number.data, form.decided_on.data, actor=current_user)
        if work.ok:
            flash(_("The decision has been saved; certificates issued from now on print it."), "success")
            return redirect(url_for("certification.course_policy", course_id=course.id))
    return render_template(
        "certification/course_policy.html", form=PolicyForm(formdata=None), course=course,
        template=rendering.resolve_template(course.certificate_template), decision_form=form,
    ), 400


@bp.app_template_filter("hours")
def _hours_filter(value) -> str:
    from flask_babel import format_decimal

    return format_decimal(value or 0, format="#,##0.#")



@bp.app_template_filter("certificate_code")
def _code_filter(value: str) -> str:
    return format_code(value or "")

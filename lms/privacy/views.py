"""The privacy notice, a person's own data and requests, and the managers' request queue."""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, flash, jsonify, redirect, render_template, url_for
from flask import request as http_request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms.core import exports
from lms.core.localtime import local_today
from lms.core.security import ADMIN, MANAGER, roles_required
from lms.core.uow import unit_of_work
from lms.extensions import db
from lms.privacy import queries, services
from lms.privacy.forms import CorrectForm, NoteForm, PurposeForm, RequestForm
from lms.privacy.models import KIND_LABELS, OPEN, STATUS_LABELS, DataRequest

bp = Blueprint("privacy", __name__, template_folder="templates")


def _controller() -> dict[str, str]:
    config = current_app.config
    return {
        "name": config.get("DATA_CONTROLLER_NAME") or "",
        "address": config.get("DATA_CONTROLLER_ADDRESS") or "",
        "contact": config.get("DATA_CONTROLLER_CONTACT") or "",
    }


@bp.route("/privacy")
def notice():
    """The privacy notice (Law 91/2025/QH15, Art. 4: the right to know), public."""
    lang = "en" if str(get_locale()) == "en" else "vi"
    return render_template(
        f"privacy/notice_{lang}.html",
        controller=_controller(),
        version=current_app.config.get("PRIVACY_NOTICE_VERSION", ""),
        periods={
            "left_years": current_app.config["RETAIN_LEFT_YEARS"],
            "audit_years": round(current_app.config["RETAIN_AUDIT_DAYS"] / 365, 1),
            "message_days": current_app.config["RETAIN_MESSAGE_BODY_DAYS"],
            "import_days": current_app.config["RETAIN_IMPORT_DAYS"],
        },
        ack_days=current_app.config["PRIVACY_ACK_DAYS"],
        due_days=current_app.config["PRIVACY_DUE_DAYS"],
    )


# --- the person's own data --------------------------------------------------------------
# No route here takes a person or user id: each reads the session's own user only.


def _my_sections():
    user = current_user._get_current_object()
    return queries.person_data(user.person, user)


def _render_my_data(form: RequestForm):
    return render_template("privacy/my_data.html", sections=_my_sections(), cell=queries.cell_value,
                           form=form, requests=queries.my_requests(current_user),
                           kind_labels=KIND_LABELS, status_labels=STATUS_LABELS)


@bp.route("/account/data")
@login_required
def my_data():
    return _render_my_data(RequestForm())


@bp.route("/account/data/requests", methods=["POST"])
@login_required
def my_request():
    """A request to correct, restrict or delete (Law 91/2025/QH15, Art. 4)."""
    form = RequestForm()
    if form.validate_on_submit():
        with unit_of_work(form) as work:
            request = services.submit_request(current_user, form.kind.data, form.message.data)
        if work.ok:
            flash(_("Your request has been received. It will be answered by %(day)s.",
                    day=request.ack_due.strftime("%d/%m/%Y")), "success")
            return redirect(url_for("privacy.my_data"))
    return _render_my_data(form), 400


def _download_headers(response: Response, ext: str) -> Response:
    name = f"du-lieu-cua-toi-{local_today().isoformat()}.{ext}"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/account/data.json")
@login_required
def my_data_json():
    response = jsonify(queries.as_json(_my_sections()))
    return _download_headers(response, "json")


@bp.route("/account/data.xlsx")
@login_required
def my_data_xlsx():
    notice = [_("This file contains personal data: keep it safe."),
              _("Everything the OCOP training platform holds about you, on %(day)s.",
                day=local_today().isoformat())]
    body = exports.to_xlsx_sheets(queries.as_sheets(_my_sections()), notice=notice)
    response = Response(body, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    return _download_headers(response, "xlsx")


# --- the queue of requests ----------------------------------------------------------------


@bp.route("/privacy/requests")
@roles_required(MANAGER, ADMIN)
def requests():
    show = "all" if http_request.args.get("show") == "all" else "open"
    rows = list(db.session.scalars(queries.requests_query(current_user, status=None if show == "all" else OPEN)))
    return render_template("privacy/requests.html", rows=rows, show=show, today=local_today(),
                           kind_labels=KIND_LABELS, status_labels=STATUS_LABELS)


def _request_or_404(request_id: int) -> DataRequest:
    request = db.get_or_404(DataRequest, request_id)
    if not queries.can_handle(current_user, request):
        abort(404)
    return request


def _render_request(request: DataRequest, *, correct_form=None, note_form=None, status=200):
    person = request.person
    if correct_form is None:
        correct_form = CorrectForm(data={"full_name": person.full_name, "gender": person.gender or "",
                                         "birth_year": person.birth_year or "", "ethnicity": person.ethnicity or ""})
    return render_template("privacy/request.html", r=request, person=person, today=local_today(),
                           correct_form=correct_form, note_form=note_form or NoteForm(),
                           kind_labels=KIND_LABELS, status_labels=STATUS_LABELS), status


@bp.route("/privacy/requests/<int:request_id>")
@roles_required(MANAGER, ADMIN)
def request_detail(request_id: int):
    return _render_request(_request_or_404(request_id))


def _admin_request(request_id: int) -> DataRequest:
    request = _request_or_404(request_id)
    if not current_user.has_role(ADMIN):
        abort(403)
    return request


@bp.route("/privacy/requests/<int:request_id>/correct", methods=["POST"])
@roles_required(ADMIN)
def request_correct(request_id: int):
    request = _admin_request(request_id)
    form = CorrectForm()
    if form.validate_on_submit():
        values = {name: getattr(form, name).data for name in services.CORRECTABLE}
        for name in ("phone", "email", "national_id"):
            if not (values[name] or "").strip():
                values.pop(name)  # empty: keep the current value
        with unit_of_work(form) as work:
            changed = services.correct(request, current_user, values, form.note.data or "")
        if work.ok:
            flash(_("Corrected: %(fields)s", fields=", ".join(changed) or "-"), "success")
            return redirect(url_for("privacy.request_detail", request_id=request.id))
    return _render_request(request, correct_form=form, status=400)


def _settle(request_id: int, action) -> Response:
    request = _admin_request(request_id)
    form = NoteForm()
    if form.validate_on_submit():
        with unit_of_work(form) as work:
            action(request, current_user, form.note.data or "")
        if work.ok:
            flash(_("The request has been settled."), "success")
            return redirect(url_for("privacy.request_detail", request_id=request.id))
    return _render_request(request, note_form=form, status=400)


@bp.route("/privacy/requests/<int:request_id>/restrict", methods=["POST"])
@roles_required(ADMIN)
def request_restrict(request_id: int):
    return _settle(request_id, services.restrict)


@bp.route("/privacy/requests/<int:request_id>/anonymise", methods=["POST"])
@roles_required(ADMIN)
def request_anonymise(request_id: int):
    return _settle(request_id, services.settle_by_anonymising)


@bp.route("/privacy/requests/<int:request_id>/reject", methods=["POST"])
@roles_required(ADMIN)
def request_reject(request_id: int):
    return _settle(request_id, services.reject)


# --- full identifiers: an explicit, audited choice for managers and admins ------------------


def person_identifiers_panel(person, viewer):
    """On a person's registry page: the button that shows the full identifiers."""
    if not viewer.has_role(MANAGER, ADMIN):
        return None
    return render_template("privacy/_identifiers_panel.html", person=person, form=PurposeForm())


@bp.route("/privacy/people/<int:person_id>/identifiers", methods=["POST"])
@roles_required(MANAGER, ADMIN)
def person_identifiers(person_id: int):
    from lms.registry.models import Person
    from lms.registry.queries import can_see_person

    person = db.get_or_404(Person, person_id)
    if not can_see_person(current_user, person) or person.hidden:
        abort(404)
    form = PurposeForm()
    if not form.validate_on_submit():
        return render_template("privacy/identifiers.html", person=person, form=form, shown=False), 400
    with unit_of_work(form) as work:
        services.record_full_view(current_user, person, form.purpose.data)
    if not work.ok:  # pragma: no cover - the service refuses nothing
        abort(400)
    response = Response(render_template("privacy/identifiers.html", person=person, form=form, shown=True))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/privacy/exports/gaps", methods=["GET", "POST"])
@roles_required(MANAGER, ADMIN)
def full_export():
    """The gap list with full phone numbers and e-mail addresses, for a stated purpose."""
    from lms.coverage import exports as coverage_exports
    from lms.coverage.views import BadParameter, _params

    try:
        area, as_of, group = _params(current_user)
    except BadParameter:
        abort(400)
    if area is None:
        abort(400)
    form = PurposeForm()
    filters = {"unit": area.unit.code if area.unit else None, "scheme": area.scheme,
               "as_of": as_of.isoformat(), "group": group}
    if not form.validate_on_submit():
        status = 400 if form.is_submitted() else 200
        return render_template("privacy/full_export.html", form=form, area=area, as_of=as_of, group=group,
                               filters={k: v for k, v in filters.items() if v}), status
    header, rows = coverage_exports.gap_table(current_user, area, as_of, group, full=True)
    with unit_of_work(form) as work:
        services.record_full_export(current_user, "coverage.gaps", filters, len(rows), form.purpose.data)
    if not work.ok:  # pragma: no cover
        abort(400)
    notice = [_("This file contains personal data: full phone numbers and e-mail addresses."),
              _("Use it only for: %(purpose)s", purpose=form.purpose.data),
              _("Exported by %(name)s on %(day)s; recorded in the audit log.",
                name=current_user.display_name, day=local_today().isoformat()),
              _("Delete it when it is no longer needed; do not forward it.")]
    body = exports.to_xlsx_sheets([(_("Not trained yet"), header, rows)], notice=notice)
    name = f"gap-list-full-{filters['unit'] or 'vn'}-{as_of.isoformat()}.xlsx"
    return Response(body, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})

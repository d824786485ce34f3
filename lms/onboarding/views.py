"""Onboarding pages: activation and reset with a code, "forgot password", self-registration,
the registration queue, and the "Print activation slips" action."""

from __future__ import annotations

import time
from datetime import date

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
from flask_babel import format_decimal, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select
from werkzeug.exceptions import HTTPException
from wtforms import SelectChoice

from lms.auth.views import log_in
from lms.core.errors import ServiceError
from lms.core.groups import TARGET_GROUP_LABELS, TARGET_GROUPS
from lms.core.localtime import local_today
from lms.core.phone import normalize_phone
from lms.core.ratelimit import rate_limited
from lms.core.security import ADMIN, MANAGER, TRAINER, is_staff, roles_required, safe_next_url
from lms.core.uow import unit_of_work
from lms.coverage.queries import default_area
from lms.extensions import db
from lms.jobs.hooks import Handler
from lms.jobs.models import QUEUED, RUNNING, Job
from lms.jobs.services import JobResult, enqueue
from lms.messages import services as messages
from lms.onboarding import queries, services, slips
from lms.onboarding.forms import AcceptForm, ForgotForm, RedeemForm, RegisterForm, RejectForm, SlipForm
from lms.onboarding.models import ACTIVATE, PENDING, RESET, ActivationCode, RegistrationRequest
from lms.registry.models import SCHEMES, AdminUnit, Person
from lms.registry.queries import can_see_unit, find_unit, people_query

bp = Blueprint("onboarding", __name__, template_folder="templates")


def _address_limit() -> str:
    return current_app.config["ACTIVATION_RATE_LIMIT"]


def _reset_phone_limit() -> str:
    return current_app.config["RESET_PHONE_RATE_LIMIT"]


def _phone_key() -> str:
    raw = (request.form.get("phone") or "").strip()
    return "phone:" + (normalize_phone(raw) or raw[:30])


def _no_sooner_than_floor(started: float) -> None:
    """Answer the requests whose result must not be guessed from their timing (is this phone
    known?) no sooner than LMS_NEUTRAL_RESPONSE_MS after they began: the few milliseconds a
    known phone costs (a code, a queued message) then disappear under the floor."""
    remaining = current_app.config["NEUTRAL_RESPONSE_MS"] / 1000 - (time.monotonic() - started)
    if remaining > 0:
        time.sleep(remaining)


def _limited(scope: str):
    # A moving window in the database, shared by every worker (lms.core.ratelimit).
    return rate_limited(scope, _address_limit)


# --- codes ----------------------------------------------------------------------------


def _redeem(purpose: str, code: str | None):
    form = RedeemForm()
    if code is not None and request.method == "GET":
        form.code.data = code
    if form.validate_on_submit():
        with unit_of_work(form) as work:
            user = services.redeem(purpose, form.code.data, form.phone.data, form.password.data)
            if purpose == ACTIVATE:
                # The person's answer to the consent question, recorded with the notice's version.
                messages.set_reminders(user.id, bool(form.reminders.data), actor=user, via="activation")
        if work.ok:
            log_in(user)  # a fresh session for the new password (lms.auth: server-side session)
            flash(_("Welcome! Your password is set. Log in next time with your phone number."), "success")
            return redirect(url_for("catalog.my_learning"))
        if work.error is not None and work.error.field == "code":
            with unit_of_work(show=False):
                services.count_failed_try(form.code.data)
    return render_template("onboarding/redeem.html", form=form, purpose=purpose, code_in_link=code is not None)


@bp.route("/activate", methods=["GET", "POST"])
@_limited("activate")
def activate():
    return _redeem(ACTIVATE, None)


@bp.route("/activate/<code>", methods=["GET", "POST"])
@_limited("activate")
def activate_code(code: str):
    return _redeem(ACTIVATE, code[:40])


@bp.route("/reset", methods=["GET", "POST"])
@_limited("activate")
def reset():
    return _redeem(RESET, None)


@bp.route("/reset/<code>", methods=["GET", "POST"])
@_limited("activate")
def reset_code(code: str):
    return _redeem(RESET, code[:40])


@bp.route("/forgot-password", methods=["GET", "POST"])
@_limited("forgot")
@rate_limited("forgot-phone", _reset_phone_limit, key=_phone_key)
def forgot():
    form = ForgotForm()
    if form.validate_on_submit():
        started = time.monotonic()
        with unit_of_work(form):
            services.request_reset(form.phone.data)
        _no_sooner_than_floor(started)
        return render_template("onboarding/forgot_done.html")
    return render_template("onboarding/forgot.html", form=form)


# --- self-registration ----------------------------------------------------------------


@bp.route("/register", methods=["GET", "POST"])
@_limited("register")
def register():
    if not current_app.config["SELF_REGISTRATION"]:
        abort(404)
    form = RegisterForm()
    province_code = (request.values.get("province") or "").strip()[:10]
    province = find_unit(province_code, "2025") if province_code else None
    if province is not None and province.level != "province":
        province = None
    communes = queries.communes(province)
    form.province.data = province.code if province else ""
    form.commune.choices = [SelectChoice("", _("Choose…"))] + [SelectChoice(u.code, u.name) for u in communes]
    if request.method == "GET" and request.args.get("commune"):
        form.commune.data = request.args["commune"][:10]
    search = (request.args.get("q") or "").strip()[:60] if province is None else ""
    if request.method == "POST" and form.validate_on_submit():
        commune = next((u for u in communes if u.code == form.commune.data), None)
        if commune is None:
            form.commune.errors = [_("Choose your commune.")]
        else:
            started = time.monotonic()
            with unit_of_work(form) as work:
                services.submit_request(
                    full_name=form.full_name.data, phone=form.phone.data, unit_id=commune.id,
                    org_code=form.org_code.data, is_official=form.is_official.data,
                    agency=form.agency.data, position=form.position.data, national_id=form.national_id.data,
                )
            _no_sooner_than_floor(started)
            if work.ok:
                return render_template("onboarding/register_done.html")
    return render_template("onboarding/register.html", form=form, province=province, search=search,
                           found=queries.search_communes(search) if search else [],
                           provinces=queries.provinces() if province is None else [])


# --- the registration queue -------------------------------------------------------------


def _request_or_404(request_id: int) -> RegistrationRequest:
    item = db.get_or_404(RegistrationRequest, request_id)
    if not queries.can_see_request(current_user, item):
        abort(403)
    return item


@bp.route("/registry/requests")
@roles_required(MANAGER, ADMIN)
def requests():
    status = request.args.get("status", PENDING)
    if status not in ("pending", "accepted", "rejected"):
        status = PENDING
    rows = db.session.scalars(queries.requests_query(current_user, status).limit(500)).all()
    matched = {r.id: bool(services.matches(r)) for r in rows} if status == PENDING else {}
    return render_template("onboarding/requests.html", rows=rows, status=status, matched=matched)


@bp.route("/registry/requests/<int:request_id>")
@roles_required(MANAGER, ADMIN)
def request_detail(request_id: int):
    item = _request_or_404(request_id)
    return render_template("onboarding/request.html", item=item, matches=services.matches(item),
                           accept_form=AcceptForm(), reject_form=RejectForm(), group_labels=TARGET_GROUP_LABELS)


@bp.route("/registry/requests/<int:request_id>/accept", methods=["POST"])
@roles_required(MANAGER, ADMIN)
def accept(request_id: int):
    item = _request_or_404(request_id)
    form = AcceptForm()
    if not form.validate_on_submit():
        abort(400)
    person_id = int(form.person_id.data) if (form.person_id.data or "").isdigit() else None
    with unit_of_work() as work:
        issued = services.accept_request(item, actor=current_user, person_id=person_id)
    if not work.ok:
        return redirect(url_for("onboarding.request_detail", request_id=item.id))
    if issued is None:
        flash(_("Accepted. This person already has a password; they can use “Forgot password?”."), "success")
    elif issued.channel != "slip":
        flash(_("Accepted. The activation code was sent by message."), "success")
    else:
        flash(_("Accepted. Print this slip and hand it to the person: the code is shown only now."), "success")
        return render_template("onboarding/slip_page.html", slips=[slips.slip_context(issued)])
    return redirect(url_for("onboarding.requests"))


@bp.route("/registry/requests/<int:request_id>/reject", methods=["POST"])
@roles_required(MANAGER, ADMIN)
def reject(request_id: int):
    item = _request_or_404(request_id)
    form = RejectForm()
    if not form.validate_on_submit():
        flash(_("Give a reason."), "error")
        return redirect(url_for("onboarding.request_detail", request_id=item.id))
    with unit_of_work(form) as work:
        services.reject_request(item, actor=current_user, reason=form.reason.data)
    if work.ok:
        flash(_("The request was rejected."), "success")
        return redirect(url_for("onboarding.requests"))
    return redirect(url_for("onboarding.request_detail", request_id=item.id))


# --- slips ------------------------------------------------------------------------------


def _ids(raw: str | None) -> list[int]:
    return [int(x) for x in (raw or "").replace(" ", "").split(",") if x.isdigit()][:5000]


# The fields of SlipForm that say who gets a slip; a job keeps them to choose the same people.
SELECTION_FIELDS = ("source", "person_ids", "unit", "scheme", "group", "q", "as_of")


def _selection(form: SlipForm) -> dict[str, str]:
    return {name: str(getattr(form, name).data or "") for name in SELECTION_FIELDS}


def _unit_arg(selection: dict[str, str]) -> AdminUnit | None:
    code = selection["unit"].strip()
    if not code:
        return None
    scheme = selection["scheme"] if selection["scheme"] in SCHEMES else "2025"
    unit = find_unit(code, scheme)
    if unit is None:
        abort(404)
    if not can_see_unit(current_user, unit):
        abort(403)
    return unit


def _people(selection: dict[str, str]) -> list[Person]:
    """The people of the selection with a phone number, as ``current_user`` may see them
    (at most SLIPS_MAX + 1); 403 or 404 for anything out of reach."""
    limit = current_app.config["SLIPS_MAX"]
    group = selection["group"] if selection["group"] in TARGET_GROUPS else None
    if selection["source"] == "people":
        ids = _ids(selection["person_ids"])
        people, all_seen = queries.scoped_people(current_user, ids)
        if not all_seen:
            existing = set(db.session.scalars(select(Person.id).where(Person.id.in_(ids))))
            abort(403 if existing == set(ids) else 404)
        return [p for p in people if p.phone]
    unit = _unit_arg(selection)
    if selection["source"] == "filter":
        stmt = people_query(current_user, q=selection["q"].strip()[:100] or None, group=group, unit=unit)
        stmt = stmt.where(Person.phone.is_not(None))
    else:  # the coverage gap list
        if unit is None:
            area = default_area(current_user, selection["scheme"] if selection["scheme"] in SCHEMES else "2025")
            if area is None:
                abort(403)
            unit = area.unit
        try:
            as_of = date.fromisoformat(selection["as_of"]) if selection["as_of"] else None
        except ValueError:
            abort(400)
        stmt = queries.people_in_area(current_user, unit, group=group, only_untrained=True, as_of=as_of)
    return list(db.session.scalars(stmt.limit(limit + 1)))


def _too_many() -> str:
    return _("More than %(n)d people: narrow the list (a commune, a target group) and print again.",
             n=current_app.config["SLIPS_MAX"])


def _nobody() -> str:
    return _("Nobody to print a slip for: everyone here already has an account, or has no phone number on record.")


@bp.route("/onboarding/slips", methods=["POST"])
@roles_required(TRAINER, MANAGER, ADMIN)
def print_slips():
    form = SlipForm()
    back = safe_next_url(request.form.get("next")) or url_for("registry.people")
    if not form.validate_on_submit():
        abort(400)
    selection = _selection(form)
    people = _people(selection)
    if len(people) > current_app.config["SLIPS_MAX"]:
        flash(_too_many(), "error")
        return redirect(back)
    if form.fmt.data == "pdf" and len(people) > current_app.config["JOBS_INLINE_SLIPS"]:
        # Laying out many slips takes a while (about 30 ms a slip): the worker makes the PDF
        # and issues the codes when it is ready (lms.jobs); the issuer follows it on the job's page.
        params = {"selection": selection, "include_active": bool(form.include_active.data)}
        # A second click while the same slips are still being made would void the first
        # file's codes: it goes to the job already under way instead.
        job = _unfinished_slips_job(params)
        if job is None:
            title = _("Activation slips (PDF), %(n)s people", n=format_decimal(len(people)))
            with unit_of_work():
                job = enqueue(SLIPS_JOB, params, owner=current_user, title=title, total=len(people))
        return redirect(url_for("jobs.show", job_id=job.id))
    with unit_of_work() as work:
        issued = services.issue_codes(people, actor=current_user, include_active=form.include_active.data)
    if not work.ok:
        return redirect(back)
    if not issued:
        flash(_nobody(), "info")
        return redirect(back)
    stamp = local_today().isoformat()
    if form.fmt.data == "csv":
        return Response(slips.csv_bytes(issued), mimetype="text/csv",
                        headers={"Content-Disposition": f'attachment; filename="activation-codes-{stamp}.csv"'})
    return Response(slips.pdf_bytes(issued), mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="activation-slips-{stamp}.pdf"'})


def _unfinished_slips_job(params: dict) -> Job | None:
    for job in db.session.scalars(select(Job).where(Job.owner_id == current_user.id, Job.kind == SLIPS_JOB,
                                                    Job.status.in_((QUEUED, RUNNING)))):
        if job.params == params:
            return job
    return None


def _run_slips_job(ctx) -> JobResult:
    """The worker's side of ``print_slips``: the same people, chosen again as the job's owner;
    the slips laid out with progress; then the codes stored, in the transaction that keeps
    the file (``lms.jobs.services.run_next`` commits both), so that a job that stops midway
    leaves every earlier slip valid. The file holds the plain codes: it is kept sealed."""
    selection = {name: str((ctx.params.get("selection") or {}).get(name) or "") for name in SELECTION_FIELDS}
    if selection["source"] not in ("people", "filter", "gaps"):
        raise ServiceError(_("This list of people is not known."))
    try:
        people = _people(selection)
    except HTTPException:
        raise ServiceError(_("Some of these people are no longer within your area, or no longer on the list. "
                             "Print again from the list.")) from None
    if len(people) > current_app.config["SLIPS_MAX"]:
        raise ServiceError(_too_many())
    planned = services.new_codes(people, include_active=bool(ctx.params.get("include_active")))
    if not planned:
        raise ServiceError(_nobody())
    texts = [slips.slip_text(item) for item in planned]  # read before the first report commits
    ctx.progress(0, total=len(texts), message=_("Printing the slips"), force=True)
    data = slips.render_pdf(texts, ctx.progress)
    services.store_codes(planned, actor=ctx.owner)
    return JobResult(data=data, filename=f"activation-slips-{local_today().isoformat()}.pdf",
                     mimetype="application/pdf", sealed=True,
                     message=ngettext("%(num)d slip", "%(num)d slips", len(planned)))


SLIPS_JOB = "activation-slips"
SLIPS_JOB_HANDLER = Handler(SLIPS_JOB, _l("Activation slips"), _run_slips_job, roles=(TRAINER, MANAGER, ADMIN))


# --- panels and buttons on other domains' pages ------------------------------------------


def slip_button(fields: dict, *, label: str | None = None, include_active: bool = False) -> Markup:
    """A small POST form that prints slips for ``fields`` (see ``SlipForm``)."""
    html = render_template("onboarding/_slip_button.html", fields=fields, label=label,
                           include_active=include_active, next_url=request.full_path.rstrip("?"))
    return Markup(html)  # noqa: S704 - an autoescaped template's output


def person_panel(person, viewer) -> str | None:
    """On a person's registry page: their account state and the slip button."""
    if not is_staff(viewer):
        return None
    from lms.auth.models import User

    account = db.session.scalar(select(User).where(User.person_id == person.id))
    last = db.session.scalar(
        select(ActivationCode).where(ActivationCode.person_id == person.id)
        .order_by(ActivationCode.created_at.desc(), ActivationCode.id.desc()).limit(1)
    )
    purpose = services.purpose_for(person, account)
    button = None
    if person.phone:
        label = _("Print activation slip") if purpose == ACTIVATE else _("Print password reset slip")
        button = slip_button({"source": "people", "person_ids": str(person.id)}, label=label,
                             include_active=purpose == RESET)
    return render_template("onboarding/_person_panel.html", person=person, account=account,
                           last=last, button=button)


def people_list_action(filters: dict, viewer) -> Markup | None:
    if not is_staff(viewer):
        return None
    fields = {"source": "filter", **{k: v for k, v in filters.items() if v}}
    return slip_button(fields)


def gap_list_action(filters: dict, viewer) -> Markup | None:
    if not is_staff(viewer):
        return None
    fields = {"source": "gaps", **{k: v for k, v in filters.items() if v}}
    return slip_button(fields)


def roster_action(person_ids: list[int]) -> Markup | None:
    if not person_ids:
        return None
    return slip_button({"source": "people", "person_ids": ",".join(str(i) for i in person_ids)})

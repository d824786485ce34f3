"""Coverage dashboard, gap lists and their exports, requirements, and the JSON API."""

from __future__ import annotations

from datetime import date

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
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

from lms.apitokens.services import user_from_bearer
from lms.core import exports as core_exports
from lms.core.audit import audit_disclosure
from lms.core.forms import ConfirmForm
from lms.core.groups import TARGET_GROUP_LABELS, TARGET_GROUPS, groups_at
from lms.core.params import page_arg
from lms.core.security import ADMIN, MANAGER, roles_required
from lms.core.uow import unit_of_work
from lms.coverage import charts, exports, queries, reminders
from lms.coverage import services as coverage_services
from lms.coverage.api import coverage_document
from lms.coverage.forms import (
    NewRequirementSetForm,
    RequirementForm,
    RequirementSetForm,
    format_milestones,
    format_validity,
)
from lms.coverage.hooks import gap_list_actions, slip_actions
from lms.extensions import csrf, db
from lms.jobs import services as job_services
from lms.jobs import views as job_views
from lms.jobs.hooks import Handler
from lms.messages.models import CHANNEL_LABELS
from lms.registry.models import ORG_TYPE_LABELS, ORG_TYPES, SCHEMES
from lms.registry.queries import ancestors, assigned_units, can_see_unit, find_unit

bp = Blueprint("coverage", __name__, template_folder="templates")

PAGE_SIZE = 50
SORTS = ("name", "percent", "required")


class BadParameter(ValueError):
    pass


def _params(user, *, api: bool = False):
    """(area, as_of, group) from the query string, checked against the user's area."""
    scheme = request.args.get("scheme", "2025")
    if scheme not in SCHEMES:
        raise BadParameter(_("Unknown scheme."))
    raw_date = request.args.get("as_of") or ""
    try:
        as_of = date.fromisoformat(raw_date) if raw_date else queries.local_today()
    except ValueError:
        raise BadParameter(_("The date must be written YYYY-MM-DD.")) from None
    group = request.args.get("group") or None
    if group is not None and group not in TARGET_GROUPS:
        raise BadParameter(_("Unknown target group."))
    code = (request.args.get("unit") or "").strip()
    if code:
        unit = find_unit(code, scheme)
        if unit is None:
            abort(404)
        if not can_see_unit(user, unit):
            abort(403)
        area = queries.Area(unit, scheme)
    else:
        area = queries.default_area(user, scheme)
    return area, as_of, group


def _requirement_param():
    """The requirement set named by ``?requirement=`` (default: the primary, None without any set)."""
    name = request.args.get("requirement") or None
    rset = queries.requirement_set(name)
    if name and rset is None:
        raise BadParameter(_("Unknown requirement set."))
    return rset


def _export_params(fmt: str):
    """(area, as_of, group, requirement set) of a CSV/XLSX export: 404 for another format,
    400 for a bad filter or no area (an export has no page to choose one on)."""
    if fmt not in ("csv", "xlsx"):
        abort(404)
    try:
        area, as_of, group = _params(current_user)
        rset = _requirement_param()
    except BadParameter:
        abort(400)
    if area is None:
        abort(400)
    return area, as_of, group, rset


def _offered_groups(as_of: date, group: str | None) -> tuple[str, ...]:
    """The filter's target groups at the date shown (the chosen one always stays)."""
    offered = groups_at(as_of)
    return offered if group is None or group in offered else (*offered, group)


def _area_args(area, as_of, current_group, **extra):
    args = {"scheme": area.scheme, "as_of": as_of.isoformat(), "group": current_group,
            "unit": area.unit.code if area.unit is not None else None}
    args.update(extra)
    return {k: v for k, v in args.items() if v is not None}


@bp.route("/coverage/")
@roles_required(MANAGER, ADMIN)
def dashboard():
    try:
        area, as_of, group = _params(current_user)
    except BadParameter as exc:
        flash(str(exc), "error")
        return redirect(url_for("coverage.dashboard"))
    if area is None:
        return render_template("coverage/choose.html", units=assigned_units(current_user))
    try:
        rset = _requirement_param()
    except BadParameter as exc:
        flash(str(exc), "error")
        return redirect(url_for("coverage.dashboard"))
    figures = queries.figures(current_user, area, as_of, group, requirement=rset)
    reqs = {r.target_group: r for r in queries.requirements(rset)}
    deadline = rset.deadline if rset is not None else None
    target = rset.target_percent if rset is not None else 100
    step = rset.next_milestone(as_of) if rset is not None else None
    milestone = {"date": step.due_on, "percent": step.percent} if step is not None else None
    points = queries.trend(current_user, area, as_of, group, requirement=rset)
    projection = queries.projection(points, target)
    chosen = rset.name if rset is not None and not rset.is_primary else None
    sort = request.args.get("sort", "name")
    children = _sorted_children(figures["children"], sort)
    return render_template(
        "coverage/dashboard.html",
        area=area, as_of=as_of, group=group, figures=figures, children=children, sort=sort,
        crumbs=[u for u in ancestors(area.unit) if can_see_unit(current_user, u)],
        bars=charts.bars(figures["groups"], target),
        trend=charts.trend_chart(points, projection, deadline, target, milestone),
        points=points, projection=projection, deadline=deadline, target=target,
        milestone=milestone, requirement_set=rset, requirement_sets=queries.requirement_sets(),
        organisations=queries.organisation_figures(current_user, area, as_of, requirement=rset),
        missing=queries.missing_courses(rset), requirements=reqs,
        group_labels=TARGET_GROUP_LABELS, groups=_offered_groups(as_of, group), schemes=SCHEMES, org_types=ORG_TYPES, org_type_labels=ORG_TYPE_LABELS,
        area_args=lambda **extra: _area_args(area, as_of, group, **{"requirement": chosen, **extra}),
    )


def _sorted_children(children: list[dict], sort: str) -> list[dict]:
    """The child units as the page lists them: by name (Vietnamese order), lowest share first,
    or most people to train first."""
    children = list(children)
    if sort == "percent":
        children.sort(key=lambda c: (c["percent"] is None, c["percent"] or 0))
    elif sort == "required":
        children.sort(key=lambda c: -c["required"])
    return children


def _disclosed_filters(area, as_of, group) -> dict:
    return {"unit": area.unit.code if area.unit else None, "scheme": area.scheme, "as_of": as_of.isoformat(),
            "group": group}


@bp.route("/coverage/units.<fmt>")
@roles_required(MANAGER, ADMIN)
def units_export(fmt: str):
    """The dashboard's table of child units, with the page's filters, for reports upward."""
    from lms.core.i18n import for_people

    area, as_of, group, rset = _export_params(fmt)
    figures = queries.figures(current_user, area, as_of, group, requirement=rset)
    header = [_("Unit"), _("Code"), _("Required"), _("Trained"), _("Percent trained")]
    rows = [[c["unit"]["name"], c["unit"]["code"], c["required"], c["trained"], c["percent"]]
            for c in _sorted_children(figures["children"], request.args.get("sort", "name"))]
    if figures["direct"]:
        d = figures["direct"]
        rows.append([_("Registered directly at this level"), "", d["required"], d["trained"], d["percent"]])
    total = figures["total"]
    rows.append([_("Total"), "", total["required"], total["trained"], total["percent"]])
    name = f"coverage-units-{area.unit.code if area.unit else 'all'}-{as_of.isoformat()}.{fmt}"
    audit_disclosure(f"coverage.units.{fmt}", _disclosed_filters(area, as_of, group), len(rows))
    return core_exports.table_download(fmt, header, rows, name, title=_("Coverage by unit"),
                                  csv_rows=[[for_people(v) for v in row] for row in rows])


@bp.route("/coverage/gaps")
@roles_required(MANAGER, ADMIN)
def gaps():
    try:
        area, as_of, group = _params(current_user)
    except BadParameter as exc:
        flash(str(exc), "error")
        return redirect(url_for("coverage.dashboard"))
    if area is None:
        return render_template("coverage/choose.html", units=assigned_units(current_user))
    try:
        rset = _requirement_param()
    except BadParameter as exc:
        flash(str(exc), "error")
        return redirect(url_for("coverage.dashboard"))
    chosen = rset.name if rset is not None and not rset.is_primary else None
    page = page_arg()
    stmt = queries.gap_query(current_user, area, as_of, group, requirement=rset)
    total = queries.gap_count(current_user, area, as_of, group, requirement=rset)
    rows = db.session.execute(stmt.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    missing = queries.missing_titles(queries.missing_for([row.Person for row in rows], as_of, requirement=rset))
    filters = {k: v for k, v in _area_args(area, as_of, group).items() if v}
    actions = [Markup(a) for fn in gap_list_actions.functions() if (a := fn(filters, current_user))]  # noqa: S704 - actions render their own templates
    return render_template(
        "coverage/gaps.html", area=area, as_of=as_of, group=group, rows=rows, missing=missing, actions=actions,
        total=total, page=page, page_size=PAGE_SIZE, group_labels=TARGET_GROUP_LABELS, groups=_offered_groups(as_of, group),
        requirement_set=rset,
        area_args=lambda **extra: _area_args(area, as_of, group, **{"requirement": chosen, **extra}),
    )


def _ticked(source) -> list[int]:
    return [int(v) for v in source.getlist("ids") if v.isdigit()][:reminders.MANUAL_MAX]


@bp.route("/coverage/gaps/remind", methods=["GET", "POST"])
@roles_required(MANAGER, ADMIN)
def gaps_remind():
    """"Remind these people": a preview (GET), then queueing (POST), within the viewer's area."""
    try:
        area, as_of, group = _params(current_user)
    except BadParameter as exc:
        flash(str(exc), "error")
        return redirect(url_for("coverage.gaps"))
    if area is None:
        if request.method == "POST":
            abort(400)
        return render_template("coverage/choose.html", units=assigned_units(current_user))
    ids = _ticked(request.form if request.method == "POST" else request.args)
    plan = reminders.plan_manual(current_user, area, as_of, group, ids or None)
    form = ConfirmForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        with unit_of_work(form) as work:
            queued = reminders.queue_manual(plan, as_of, actor=current_user)
        if work.ok:
            flash(ngettext("%(num)d reminder queued.", "%(num)d reminders queued.", queued), "success")
        return redirect(url_for("coverage.gaps", **_area_args(area, as_of, group)))
    unreached = [row.Person.id for row in plan.no_channel]
    slips = [Markup(a) for fn in slip_actions.functions() if unreached and (a := fn(unreached))]  # noqa: S704 - actions render their own templates
    return render_template(
        "coverage/remind.html", area=area, as_of=as_of, group=group, plan=plan, ids=ids, form=form, slips=slips,
        group_labels=TARGET_GROUP_LABELS, channel_labels=CHANNEL_LABELS,
        every_days=current_app.config["REMIND_MANUAL_EVERY_DAYS"],
        area_args=lambda **extra: _area_args(area, as_of, group, **extra),
    )


GAPS_JOB = "coverage-gaps"


@bp.route("/coverage/gaps.<fmt>", methods=["GET", "POST"])
@roles_required(MANAGER, ADMIN)
def gaps_export(fmt: str):
    area, as_of, group, rset = _export_params(fmt)
    count = queries.gap_count(current_user, area, as_of, group, requirement=rset)
    if count > current_app.config["JOBS_INLINE_EXPORT_ROWS"]:
        # A long list (a province, the country): the worker writes the file (lms.jobs).
        title = _("Not trained yet: %(n)s people (%(format)s)", n=format_decimal(count), format=fmt.upper())
        if request.method == "POST":
            return job_views.queue_and_show(GAPS_JOB, {"fmt": fmt, "args": request.args.to_dict()},
                                            title=title, total=count)
        return job_views.confirm_page(title, _("Preparing this file takes a while."),
                                      back=url_for("coverage.gaps", **request.args.to_dict()))
    header, rows = exports.gap_table(current_user, area, as_of, group, requirement=rset)
    name = f"gap-list-{area.unit.code if area.unit else 'vn'}-{as_of.isoformat()}.{fmt}"
    audit_disclosure(f"coverage.gaps.{fmt}", _disclosed_filters(area, as_of, group), len(rows))
    return core_exports.table_download(fmt, header, rows, name, title=_("Not trained yet"))


def _run_gaps_job(ctx):
    """The worker's side of a long gap list: the page's filters (the job's query string), as the owner."""
    fmt = str(ctx.params.get("fmt"))
    area, as_of, group, rset = _export_params(fmt)
    ctx.progress(0, message=_("Collecting the list"), force=True)
    header, rows = exports.gap_table(ctx.owner, area, as_of, group, requirement=rset)
    name = f"gap-list-{area.unit.code if area.unit else 'vn'}-{as_of.isoformat()}.{fmt}"
    ctx.progress(len(rows), total=len(rows), message=_("Writing the file"), force=True)
    audit_disclosure(f"coverage.gaps.{fmt}", _disclosed_filters(area, as_of, group), len(rows))
    return job_services.table_result(fmt, header, rows, name, title=_("Not trained yet"))


GAPS_JOB_HANDLER = Handler(GAPS_JOB, _l("List of people not trained yet"), _run_gaps_job,
                           roles=(MANAGER, ADMIN))


@bp.route("/coverage/requirements", methods=["GET", "POST"])
@roles_required(ADMIN)
def requirements():
    """The requirement sets: pick one, change it, its groups' courses; add a set."""
    sets = queries.requirement_sets()
    name = request.args.get("set") or None
    rset = queries.requirement_set(name)
    if name and rset is None:
        abort(404)
    posted = None
    if request.method == "POST":
        keys = ["set-target_percent", "new-name", "delete-set"] + [f"{g}-courses" for g in TARGET_GROUPS]
        posted = next((k for k in keys if k in request.form), None)
        if posted is None or (rset is None and posted != "new-name"):
            abort(400)
        if posted == "delete-set" and rset.is_primary:
            abort(400)
    set_form = new_form = delete_form = None
    forms = {}
    if rset is not None:
        set_form = RequirementSetForm(prefix="set") if posted == "set-target_percent" else \
            RequirementSetForm(formdata=None, prefix="set", title=rset.title, target_percent=rset.target_percent,
                               deadline=rset.deadline, primary=rset.is_primary,
                               milestones=format_milestones(rset.milestones), validity=format_validity(rset.validity))
        delete_form = ConfirmForm(prefix="delete")
        reqs = {r.target_group: r for r in queries.requirements(rset)}
        for group in TARGET_GROUPS:
            if posted == f"{group}-courses":
                forms[group] = RequirementForm(prefix=group)
                continue
            req = reqs.get(group)
            forms[group] = RequirementForm(
                formdata=None, prefix=group, courses=", ".join(req.course_slugs) if req else "",
                recommended=", ".join(req.recommended_slugs) if req else "")
    new_form = NewRequirementSetForm(prefix="new") if posted == "new-name" else \
        NewRequirementSetForm(formdata=None, prefix="new")
    here = url_for("coverage.requirements", set=rset.name if rset is not None and not rset.is_primary else None)
    if posted == "set-target_percent" and set_form.validate_on_submit():
        with unit_of_work(set_form) as work:
            coverage_services.update_set(
                rset, title=set_form.title.data or "", target_percent=set_form.target_percent.data,
                deadline=set_form.deadline.data, milestones=set_form.milestone_list,
                validity=set_form.validity_rules, actor=current_user)
            if set_form.primary.data:
                coverage_services.make_primary(rset, actor=current_user)
        if work.ok:
            flash(_("The requirement set has been saved."), "success")
            return redirect(url_for("coverage.requirements", set=rset.name))
    elif posted == "new-name" and new_form.validate_on_submit():
        with unit_of_work(new_form) as work:
            created = coverage_services.create_set(new_form.name.data, new_form.title.data or "",
                                                   actor=current_user)
        if work.ok:
            flash(_("The requirement set has been created."), "success")
            return redirect(url_for("coverage.requirements", set=created.name))
    elif posted == "delete-set" and delete_form.validate_on_submit():
        with unit_of_work() as work:
            coverage_services.delete_set(rset, actor=current_user)
        if work.ok:
            flash(_("The requirement set has been deleted."), "success")
            return redirect(url_for("coverage.requirements"))
        return redirect(here)
    elif posted and posted.endswith("-courses"):
        group = posted.removesuffix("-courses")
        form = forms[group]
        if form.validate_on_submit():
            with unit_of_work(form, show=False) as work:
                coverage_services.set_requirement(
                    group, (form.courses.data or "").split(","), recommended=(form.recommended.data or "").split(","),
                    requirement=rset.name, actor=current_user,
                )
            if work.error:
                form.courses.errors = [*form.courses.errors, work.error.message]
            if work.ok:
                flash(_("The requirement has been saved."), "success")
                return redirect(url_for("coverage.requirements", set=rset.name))
    return render_template("coverage/requirements.html", forms=forms, group_labels=TARGET_GROUP_LABELS,
                           sets=sets, current=rset, set_form=set_form, new_form=new_form, delete_form=delete_form,
                           missing=queries.missing_courses(rset) if rset is not None else [])


# --- JSON API -------------------------------------------------------------------------------


def _api_error(status: int, message: str):
    response = jsonify({"error": {"code": status, "message": message}})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


@bp.route("/api/v1/coverage")
@csrf.exempt
def api_coverage():
    user = None
    if request.headers.get("Authorization"):
        user = user_from_bearer(request.headers["Authorization"])
        if user is None:
            return _api_error(401, "invalid or revoked token")
    elif current_user.is_authenticated:
        user = current_user
    if user is None:
        return _api_error(401, "authentication required")
    if not user.has_role(MANAGER, ADMIN):
        return _api_error(403, "forbidden")
    try:
        area, as_of, group = _params(user, api=True)
    except BadParameter as exc:
        return _api_error(400, str(exc))
    if area is None:
        return _api_error(400, "unit is required")
    try:
        rset = _requirement_param()
    except BadParameter as exc:
        return _api_error(400, str(exc))
    return jsonify(coverage_document(user, area, as_of, group, requirement=rset))

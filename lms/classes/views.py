"""Class pages: list, create/edit, roster, attendance (plain forms and a JSON endpoint for
the offline queue), check-in codes, printable roster, paper scores, report and exports,
and the learners' "My classes".
"""

from __future__ import annotations

import io
from decimal import Decimal

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_date, format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import func, select
from wtforms import SelectChoice

from lms.auth.audit import history as audit_history
from lms.auth.models import User, UserRole
from lms.catalog.models import Course, CourseCompletion
from lms.classes import queries, services, signin
from lms.classes.forms import (
    AddPeopleForm,
    CheckinForm,
    ClassForm,
    FinishForm,
    GapForm,
    MarkForm,
    ScoreForm,
    SigninForm,
    StatusForm,
)
from lms.classes.models import (
    CANCELLED,
    FINISHED,
    MARK_LABELS,
    MARKS,
    RUNNING,
    STATUS_LABELS,
    STATUSES,
    ClassDay,
    RosterEntry,
    TrainingClass,
)
from lms.core import exports
from lms.core.audit import audit_disclosure
from lms.core.db import utcnow, vi_collate
from lms.core.errors import ServiceError
from lms.core.forms import ConfirmForm
from lms.core.groups import TARGET_GROUP_LABELS, TARGET_GROUPS
from lms.core.i18n import for_people
from lms.core.masking import mask_phone
from lms.core.params import int_arg
from lms.core.ratelimit import rate_limited
from lms.core.security import ADMIN, MANAGER, TRAINER, roles_required, staff_required
from lms.core.uow import unit_of_work
from lms.extensions import db
from lms.jobs import views as job_views
from lms.jobs.hooks import Handler
from lms.onboarding.views import roster_action
from lms.registry import imports
from lms.registry import queries as registry_queries
from lms.registry.models import ORG_TYPE_LABELS, ORG_TYPES, AdminUnit, Organisation, Person

bp = Blueprint("classes", __name__, template_folder="templates")

PAGE_SIZE = 50


def _load(class_id: int) -> TrainingClass:
    training_class = db.get_or_404(TrainingClass, class_id)
    if not queries.can_view(current_user, training_class):
        abort(403)
    return training_class


def _load_day(class_id: int, day_id: int) -> tuple[TrainingClass, ClassDay]:
    training_class = _load(class_id)
    day = db.get_or_404(ClassDay, day_id)
    if day.class_id != training_class.id:
        abort(404)
    return training_class, day


# --- list, create, edit ----------------------------------------------------------------


@bp.route("/classes/")
@staff_required
def index():
    status = request.args.get("status") or None
    if status not in STATUSES:
        status = None
    rows = db.session.scalars(queries.classes_query(current_user, status).limit(500)).all()
    counts = dict(db.session.execute(
        select(RosterEntry.class_id, func.count()).where(RosterEntry.class_id.in_([c.id for c in rows]))
        .group_by(RosterEntry.class_id)
    ).all()) if rows else {}
    return render_template("classes/index.html", classes=rows, counts=counts, status=status,
                           statuses=STATUSES, status_labels=STATUS_LABELS)


def _fill_choices(form: ClassForm, training_class: TrainingClass | None) -> None:
    courses = db.session.scalars(select(Course).order_by(Course.title)).all()
    form.course.choices = [SelectChoice(str(c.id), c.title) for c in courses]
    units = db.session.scalars(
        select(AdminUnit).where(AdminUnit.scheme == "2025", registry_queries.unit_scope(current_user))
        .order_by(AdminUnit.level.desc(), vi_collate(AdminUnit.name)).limit(5000)
    ).all()
    unit_choices = [SelectChoice(str(u.id), f"{u.name} ({u.code})") for u in units]
    if training_class is not None and str(training_class.unit_id) not in {c.value for c in unit_choices}:
        unit_choices.insert(0, SelectChoice(str(training_class.unit_id), training_class.unit.name))
    form.unit.choices = unit_choices
    from lms.assessments.models import Quiz

    quizzes = db.session.scalars(
        select(Quiz).where(Quiz.is_bank.is_(False), Quiz.course_id.is_not(None)).order_by(Quiz.title)
    ).all()
    form.quiz.choices = [SelectChoice("", _l("None (scores from paper)"))] + [
        SelectChoice(str(q.id), q.title or q.slug) for q in quizzes
    ]
    from lms.certification.rendering import template_choices

    form.certificate_template.choices = [SelectChoice("", _l("The course's template"))] + [
        SelectChoice(name, title) for name, title in template_choices()
    ]
    trainers = db.session.scalars(
        select(User).join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == TRAINER, User.active.is_(True)).order_by(vi_collate(User.display_name))
    ).all()
    form.trainers.choices = [SelectChoice(str(u.id), u.display_name) for u in trainers]


def _form_data(form: ClassForm) -> services.ClassData | None:
    course = db.session.get(Course, int(form.course.data))
    unit = db.session.get(AdminUnit, int(form.unit.data))
    try:
        days = services.parse_days(form.days.data)
    except ServiceError as exc:
        form.days.errors = [*form.days.errors, str(exc)]
        return None
    quiz_id = int(form.quiz.data) if form.quiz.data else None
    if quiz_id is not None:
        from lms.assessments.models import Quiz

        quiz = db.session.get(Quiz, quiz_id)
        if quiz is None or quiz.course_id != course.id:
            form.quiz.errors = [*form.quiz.errors, _("Choose a quiz of this class's course.")]
            return None
    trainer_ids = [int(v) for v in form.trainers.data or []]
    if current_user.has_role(TRAINER) and not current_user.has_role(ADMIN, MANAGER) and current_user.id not in trainer_ids:
        trainer_ids.insert(0, current_user.id)
    return services.ClassData(
        course=course, title=form.title.data.strip(), venue=(form.venue.data or "").strip(), unit_id=unit.id,
        capacity=form.capacity.data, threshold_percent=form.threshold_percent.data,
        posttest_required=bool(form.posttest_required.data), pass_mark=float(form.pass_mark.data),
        quiz_id=quiz_id, days=days, trainer_ids=trainer_ids,
        certificate_template=form.certificate_template.data or None,
        decision=(form.decision_number.data, form.decision_date.data) if current_user.has_role(ADMIN) else None,
    )


@bp.route("/classes/new", methods=["GET", "POST"])
@staff_required
def new():
    form = ClassForm()
    _fill_choices(form, None)
    if request.method == "GET" and current_user.has_role(TRAINER):
        form.trainers.data = [str(current_user.id)]
    if form.validate_on_submit():
        data = _form_data(form)
        if data is not None:
            with unit_of_work(form) as work:
                training_class = services.save_class(None, data, actor=current_user)
            if work.ok:
                flash(_("The class was created."), "success")
                return redirect(url_for("classes.detail", class_id=training_class.id))
    return render_template("classes/form.html", form=form, training_class=None)


@bp.route("/classes/<int:class_id>/edit", methods=["GET", "POST"])
@staff_required
def edit(class_id: int):
    training_class = _load(class_id)
    form = ClassForm(obj=None)
    _fill_choices(form, training_class)
    if request.method == "GET":
        form.course.data = str(training_class.course_id)
        form.title.data = training_class.title
        form.unit.data = str(training_class.unit_id)
        form.venue.data = training_class.venue
        form.days.data = services.format_days(training_class)
        form.capacity.data = training_class.capacity
        form.threshold_percent.data = training_class.threshold_percent
        form.posttest_required.data = training_class.posttest_required
        form.pass_mark.data = Decimal(str(training_class.pass_mark))
        form.quiz.data = str(training_class.quiz_id) if training_class.quiz_id else ""
        form.certificate_template.data = training_class.certificate_template or ""
        form.trainers.data = [str(r.user_id) for r in training_class.trainer_rows]
        form.decision_number.data = training_class.decision_number
        form.decision_date.data = training_class.decision_date
    if form.validate_on_submit():
        data = _form_data(form)
        if data is not None:
            with unit_of_work(form) as work:
                services.save_class(training_class, data, actor=current_user)
            if work.ok:
                flash(_("The class was saved."), "success")
                return redirect(url_for("classes.detail", class_id=training_class.id))
    return render_template("classes/form.html", form=form, training_class=training_class)


@bp.route("/classes/<int:class_id>")
@staff_required
def detail(class_id: int):
    training_class = _load(class_id)
    entries = queries.roster(training_class)
    outcomes = services.outcomes(training_class)
    completed = services.class_completions(training_class)
    return render_template(
        "classes/detail.html", training_class=training_class, entries=entries, outcomes=outcomes, completed=completed,
        slip_action=roster_action([e.person_id for e in entries]),
        status_labels=STATUS_LABELS, group_labels=TARGET_GROUP_LABELS, confirm=ConfirmForm(),
        today=services.local_today(), open_for_roster=training_class.status not in (FINISHED, CANCELLED),
        last_day_over=services.last_day_over(training_class),
        history=audit_history("class", training_class.id, also=[("class_day", [d.id for d in training_class.days])]),
    )


@bp.route("/classes/<int:class_id>/status", methods=["POST"])
@staff_required
def change_status(class_id: int):
    training_class = _load(class_id)
    form = StatusForm()
    if not form.validate_on_submit() or form.status.data not in (RUNNING, CANCELLED):
        abort(400)
    with unit_of_work() as work:
        services.set_status(training_class, form.status.data, actor=current_user)
    if work.ok:
        flash(_("The class status was changed."), "success")
    return redirect(url_for("classes.detail", class_id=training_class.id))


@bp.route("/classes/<int:class_id>/finish", methods=["GET", "POST"])
@staff_required
def finish(class_id: int):
    """GET: who will complete the course and who will not, and why; POST: finish."""
    training_class = _load(class_id)
    form = FinishForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        with unit_of_work(form, show=False) as work:
            result = services.finish_class(training_class, actor=current_user, early=bool(form.early.data))
        if work.error:
            form.early.errors = [*form.early.errors, work.error.message]
        if work.ok:
            if result.finished_now:
                flash(_("The class is finished; %(num)d people completed the course.", num=result.awarded),
                      "success")
            else:
                flash(_("The class was already finished; nothing changed."), "info")
            return redirect(url_for("classes.detail", class_id=training_class.id))
    entries = queries.roster(training_class)
    outcomes = services.outcomes(training_class)
    completed = services.class_completions(training_class)
    will, wont = [], []
    for e in entries:
        o = outcomes.get(e.person_id)
        if e.person_id in completed or (o is not None and o.eligible):
            will.append(e)
        else:
            wont.append((e, services.finish_reasons(training_class, o) if o else []))
    return render_template("classes/finish.html", training_class=training_class, form=form, will=will, wont=wont,
                           completed=completed, over=services.last_day_over(training_class)), (
        400 if form.errors else 200)


@bp.route("/classes/<int:class_id>/reopen", methods=["POST"])
@roles_required(ADMIN)
def reopen(class_id: int):
    """An administrator reopens a finished class; completions already made stay (audited)."""
    training_class = _load(class_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    with unit_of_work() as work:
        services.reopen_class(training_class, actor=current_user)
    if work.ok:
        flash(_("The class is open again; the completions already recorded stay."), "success")
    return redirect(url_for("classes.detail", class_id=training_class.id))


# --- roster ----------------------------------------------------------------------------


@bp.route("/classes/<int:class_id>/people", methods=["GET", "POST"])
@staff_required
def people(class_id: int):
    training_class = _load(class_id)
    form = AddPeopleForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        try:
            ids = [int(v) for v in request.form.getlist("person_ids")]
        except ValueError:
            abort(400)
        visible = registry_queries.person_scope(current_user)
        ids = list(db.session.scalars(select(Person.id).where(Person.id.in_(ids), visible)))
        with unit_of_work() as work:
            added = services.add_people(training_class, ids, actor=current_user)
        if work.ok:
            flash(_("%(num)d people were added to the roster.", num=added), "success")
            return redirect(url_for("classes.detail", class_id=training_class.id))
    q = (request.args.get("q") or "").strip()[:100]
    group = request.args.get("group") or None
    if group not in TARGET_GROUPS:
        group = None
    org_type = request.args.get("org_type") or None
    if org_type not in ORG_TYPES:
        org_type = None
    # The viewer's whole area by default (classes draw from several communes); or only
    # the class's own unit when asked.
    here = request.args.get("here") == "1"
    stmt = registry_queries.people_query(current_user, q=q, group=group, unit=training_class.unit if here else None)
    if org_type:
        stmt = stmt.join(Organisation, Organisation.id == Person.organisation_id).where(Organisation.org_type == org_type)
    stmt = stmt.where(~Person.id.in_(select(RosterEntry.person_id).where(RosterEntry.class_id == training_class.id)))
    rows = db.session.scalars(stmt.limit(PAGE_SIZE)).all()
    return render_template(
        "classes/people.html", training_class=training_class, form=form, people=rows, q=q, group=group, org_type=org_type, here=here,
        groups=TARGET_GROUPS, group_labels=TARGET_GROUP_LABELS, org_types=ORG_TYPES, org_type_labels=ORG_TYPE_LABELS,
        free=training_class.capacity - queries.roster_count(training_class), page_size=PAGE_SIZE,
    )


@bp.route("/classes/<int:class_id>/people/gap", methods=["GET", "POST"])
@staff_required
def add_gap(class_id: int):
    """Everyone in the class's unit who still needs the class's course (from the coverage
    gap list): GET shows who would be added and why the others are left out; POST adds."""
    training_class = _load(class_id)
    form = GapForm()
    plan = queries.gap_plan(current_user, training_class)
    free = training_class.capacity - queries.roster_count(training_class)
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        with unit_of_work() as work:
            added = services.add_people(training_class, plan.add_ids, actor=current_user)
        if work.ok:
            flash(_("%(num)d people were added to the roster.", num=added), "success")
            return redirect(url_for("classes.detail", class_id=training_class.id))
    return render_template("classes/gap.html", training_class=training_class, form=form, plan=plan, free=free,
                           group_labels=TARGET_GROUP_LABELS)


@bp.route("/classes/<int:class_id>/people/<int:person_id>/remove", methods=["POST"])
@staff_required
def remove_person(class_id: int, person_id: int):
    training_class = _load(class_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    with unit_of_work() as work:
        services.remove_person(training_class, person_id, actor=current_user)
    if work.ok:
        flash(_("The person was removed from the roster."), "success")
    return redirect(url_for("classes.detail", class_id=training_class.id))


@bp.route("/classes/<int:class_id>/signin", methods=["GET", "POST"])
@staff_required
def signin_import(class_id: int):
    training_class = _load(class_id)
    form = SigninForm()
    result, file_error = None, None
    if form.validate_on_submit():
        upload = form.file.data
        try:
            with unit_of_work(show=False) as work:
                result = signin.import_signin(training_class, (upload.filename or "upload")[-200:], upload.read(),
                                              actor=current_user)
                if not result.ok:
                    work.cancel()
        except imports.ImportFileError as exc:
            file_error = str(exc)
        else:
            if work.error:
                file_error = str(work.error)
            if work.ok:
                flash(_("%(num)d people were added to the roster.", num=result.added), "success")
                return redirect(url_for("classes.detail", class_id=training_class.id))
    status = 400 if (file_error or (result and not result.ok)) else 200
    return render_template("classes/signin.html", training_class=training_class, form=form, result=result,
                           file_error=file_error or (result.file_error if result else None)), status


@bp.route("/classes/<int:class_id>/signin/template.xlsx")
@staff_required
def signin_template(class_id: int):
    training_class = _load(class_id)
    body = signin.template_xlsx(training_class)
    audit_disclosure("class.signin_sheet", {"class_id": training_class.id}, len(queries.roster(training_class)))
    return Response(body,
                    mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="class-{training_class.id}-signin-sheet.xlsx"'})


# --- attendance ------------------------------------------------------------------------


def _marks_payload(day: ClassDay) -> dict:
    marks = queries.day_marks(day)
    return {
        "marks": {str(pid): a.status for pid, a in marks.items()},
        "checked_in": sorted(pid for pid, a in marks.items() if a.source == "checkin"),
    }


@bp.route("/classes/<int:class_id>/days/<int:day_id>", methods=["GET", "POST"])
@staff_required
def attendance(class_id: int, day_id: int):
    training_class, day = _load_day(class_id, day_id)
    if request.method == "POST":
        form = MarkForm()
        if not form.validate_on_submit():
            abort(400)
        with unit_of_work():
            services.mark(day, form.person_id.data, form.status.data, actor=current_user)
        return redirect(url_for("classes.attendance", class_id=training_class.id, day_id=day.id) + f"#p{form.person_id.data}")
    marks = queries.day_marks(day)
    return render_template(
        "classes/attendance.html", training_class=training_class, day=day, entries=queries.roster(training_class), marks=marks,
        marks_list=MARKS, mark_labels=MARK_LABELS, confirm=ConfirmForm(), over=services.day_is_over(day),
    )


@bp.route("/classes/<int:class_id>/days/<int:day_id>/all-present", methods=["POST"])
@staff_required
def all_present(class_id: int, day_id: int):
    training_class, day = _load_day(class_id, day_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    with unit_of_work() as work:
        count = services.mark_all_present(day, actor=current_user)
    if work.ok:
        flash(_("%(num)d people were marked present.", num=count), "success")
    return redirect(url_for("classes.attendance", class_id=training_class.id, day_id=day.id))


@bp.route("/classes/<int:class_id>/days/<int:day_id>/marks.json", methods=["GET", "POST"])
@staff_required
def marks_json(class_id: int, day_id: int):
    """GET: the day's marks (the trainer's page polls it for check-ins).
    POST {"marks": [{"person_id": 1, "status": "present"}, …]}: save marks; repeating is harmless.
    """
    training_class, day = _load_day(class_id, day_id)
    if request.method == "GET":
        return jsonify(_marks_payload(day))
    payload = request.get_json(silent=True)
    items = payload.get("marks") if isinstance(payload, dict) else None
    if not isinstance(items, list) or len(items) > 1000:
        return jsonify({"error": _("Send a list of marks.")}), 400
    saved, errors = [], []
    with unit_of_work():
        _save_marks(day, items, saved, errors)
    return jsonify({"saved": saved, "errors": errors, **_marks_payload(day)})


def _save_marks(day: ClassDay, items: list, saved: list, errors: list) -> None:
    for item in items:
        try:
            pid = int(item.get("person_id"))
            status = str(item.get("status"))
        except (AttributeError, TypeError, ValueError):
            errors.append({"person_id": None, "error": _("Malformed mark.")})
            continue
        try:
            services.mark(day, pid, status, actor=current_user)
        except ServiceError as exc:
            errors.append({"person_id": pid, "error": str(exc)})
        else:
            saved.append(pid)


@bp.route("/classes/<int:class_id>/days/<int:day_id>/code")
@staff_required
def day_code(class_id: int, day_id: int):
    training_class, day = _load_day(class_id, day_id)
    opens, closes = services.checkin_window(day)
    return render_template("classes/code.html", training_class=training_class, day=day, opens=opens, closes=closes,
                           url=url_for("classes.checkin", code=day.checkin_code, _external=True))


@bp.route("/classes/<int:class_id>/days/<int:day_id>/qr.svg")
@staff_required
def day_qr(class_id: int, day_id: int):
    import segno

    _cls, day = _load_day(class_id, day_id)
    out = io.BytesIO()
    segno.make(url_for("classes.checkin", code=day.checkin_code, _external=True), error="m").save(
        out, kind="svg", scale=8, border=2)
    return Response(out.getvalue(), mimetype="image/svg+xml")


@bp.route("/classes/<int:class_id>/print")
@staff_required
def print_roster(class_id: int):
    training_class = _load(class_id)
    day = None
    if request.args.get("day"):
        day = db.session.get(ClassDay, int_arg("day", 0))
        if day is None or day.class_id != training_class.id:
            abort(404)
    entries = queries.roster(training_class)
    page = render_template("classes/print.html", training_class=training_class, day=day, entries=entries)
    audit_disclosure("class.roster_print", {"class_id": training_class.id, "day": day.id if day else None}, len(entries))
    return page


def parse_score(raw: str, scale: int) -> float | None:
    """A typed score in ``scale`` (10 or 100), with a decimal comma or point, as percent."""
    raw = (raw or "").strip().replace(" ", "").replace(",", ".")
    if raw == "":
        return None
    value = float(raw)  # ValueError for anything else
    if value != value or not 0 <= value <= scale:  # NaN or out of range
        raise ValueError(raw)
    return round(value * 100 / scale, 4)


@bp.route("/classes/<int:class_id>/scores", methods=["GET", "POST"])
@staff_required
def scores(class_id: int):
    training_class = _load(class_id)
    entries = queries.roster(training_class)
    form = ScoreForm()
    if request.method == "GET" and request.args.get("scale") in ("10", "100"):
        form.scale.data = request.args["scale"]
    errors: dict[int, str] = {}
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        scale = int(form.scale.data)
        wanted = {}
        for entry in entries:
            try:
                wanted[entry.person_id] = parse_score(request.form.get(f"score-{entry.person_id}"), scale)
            except ValueError:
                errors[entry.person_id] = (_("A mark is between 0 and 10.") if scale == 10
                                           else _("A score is between 0 and 100."))
        if not errors:
            with unit_of_work():
                changed = sum(services.set_paper_score(training_class, pid, v, actor=current_user) for pid, v in wanted.items())
            flash(_("%(num)d scores were saved.", num=changed), "success")
            return redirect(url_for("classes.detail", class_id=training_class.id))
    scale = int(form.scale.data or 10)
    return render_template("classes/scores.html", training_class=training_class, entries=entries, form=form, errors=errors,
                           online=queries.online_scores(training_class), outcomes=services.outcomes(training_class), scale=scale,
                           shown=lambda pct: format_decimal(round(pct * scale / 100, 2)) if pct is not None else ""), (
        400 if errors else 200)


# --- report ------------------------------------------------------------------------------


def _report_table(training_class: TrainingClass) -> tuple[list[str], list[list]]:
    entries = queries.roster(training_class)
    marks = queries.class_marks(training_class)
    outcomes = services.outcomes(training_class)
    completed = services.class_completions(training_class)
    header = [_("Full name"), _("Organisation or agency"), _("Phone")]
    header += [format_date(d.day, "dd/MM/yyyy") for d in training_class.days]
    header += [_("Attended"), _("Excused"), _("Attendance"), _("Post-test"), _("Completed")]
    rows = []
    for e in entries:
        p, o = e.person, outcomes.get(e.person_id)
        rate = services.attendance_rate(o.tally.attended, o.tally.excused, o.tally.days) if o else None
        row = [p.full_name, p.organisation.name if p.organisation else (p.agency or ""), mask_phone(p.phone)]
        row += [str(MARK_LABELS.get(marks.get((e.person_id, d.id)), "")) for d in training_class.days]
        row += [o.tally.attended if o else 0, o.tally.excused if o else 0,
                f"{for_people(round(rate * 100, 1))} %" if rate is not None else "",
                "" if o is None or o.score is None else for_people(float(o.score)),
                _("Yes") if e.person_id in completed else _("No")]
        rows.append(row)
    return header, rows


@bp.route("/classes/<int:class_id>/report")
@staff_required
def report(class_id: int):
    training_class = _load(class_id)
    header, rows = _report_table(training_class)
    page = render_template("classes/report.html", training_class=training_class, header=header, rows=rows)
    audit_disclosure("class.report", {"class_id": training_class.id}, len(rows))
    return page


@bp.route("/classes/<int:class_id>/report.<fmt>")
@staff_required
def report_export(class_id: int, fmt: str):
    if fmt not in ("csv", "xlsx"):
        abort(404)
    training_class = _load(class_id)
    header, rows = _report_table(training_class)
    audit_disclosure(f"class.report.{fmt}", {"class_id": training_class.id}, len(rows))
    return exports.table_download(fmt, header, rows, f"class-{training_class.id}-report.{fmt}",
                                  title=_("Class report"))


def _class_certificates(training_class: TrainingClass):
    from lms.certification.models import Certificate

    # Each person's current certificate (of their latest completion, see Certificate.renewal).
    return db.session.scalars(
        select(Certificate).join(RosterEntry, RosterEntry.person_id == Certificate.person_id)
        .join(CourseCompletion, (CourseCompletion.person_id == Certificate.person_id)
              & (CourseCompletion.course_id == Certificate.course_id)
              & (CourseCompletion.renewals == Certificate.renewal))
        .join(Person, Person.id == Certificate.person_id)
        .where(RosterEntry.class_id == training_class.id, Certificate.course_id == training_class.course_id,
               Certificate.revoked_at.is_(None))
        .order_by(vi_collate(Person.full_name))
    ).all()


@bp.route("/classes/<int:class_id>/certificates.<fmt>", methods=["GET", "POST"])
@staff_required
def certificates(class_id: int, fmt: str):
    """All certificates of the class's people for its course, to print in one go."""
    from lms.certification import print_jobs
    from lms.certification import services as cert_services

    if fmt not in ("pdf", "zip"):
        abort(404)
    training_class = _load(class_id)
    certs = _class_certificates(training_class)
    if not certs:
        flash(_("No certificates have been issued for this class yet."), "info")
        return redirect(url_for("classes.detail", class_id=training_class.id))
    if print_jobs.too_many(len(certs)):
        # A large class: the worker makes the file (lms.jobs), with a progress page.
        title = _("Certificates of %(name)s (%(format)s)", name=training_class.title, format=fmt.upper())
        if request.method == "POST":
            return job_views.queue_and_show(CLASS_CERTIFICATES, {"class_id": training_class.id, "fmt": fmt},
                                            title=title, total=len(certs))
        return job_views.confirm_page(title, _("Preparing this file takes a while."),
                                      back=url_for("classes.detail", class_id=training_class.id))
    if fmt == "pdf":
        body, mime = cert_services.render_bulk_pdf(certs), "application/pdf"
    else:
        body, mime = cert_services.render_bulk_zip(certs), "application/zip"
    audit_disclosure(f"class.certificates.{fmt}", {"class_id": training_class.id}, len(certs))
    return Response(body, mimetype=mime,
                    headers={"Content-Disposition": f'attachment; filename="class-{training_class.id}-certificates.{fmt}"'})


CLASS_CERTIFICATES = "class-certificates"


def _run_certificates_job(ctx):
    """The worker's side of a large class's certificates: checked again as the owner."""
    from lms.certification import print_jobs

    training_class = db.session.get(TrainingClass, int(ctx.params.get("class_id") or 0))
    if training_class is None or not queries.can_view(ctx.owner, training_class):
        raise ServiceError(_("This class no longer exists, or you may no longer see it."))
    fmt = str(ctx.params.get("fmt"))
    return print_jobs.bundle(ctx, _class_certificates(training_class), fmt,
                             f"class-{training_class.id}-certificates.{fmt}",
                             audit_kind=f"class.certificates.{fmt}", audit_filters={"class_id": training_class.id})


JOB_HANDLER = Handler(CLASS_CERTIFICATES, _l("Certificates of a class"), _run_certificates_job,
                      roles=(TRAINER, MANAGER, ADMIN))


# --- learners ----------------------------------------------------------------------------


def _checkin_limit() -> str:
    return current_app.config["CHECKIN_RATE_LIMIT"]


@bp.route("/checkin", methods=["GET", "POST"])
@bp.route("/checkin/<code>", methods=["GET", "POST"])
@login_required
# Per learner, shared by every worker (lms.core.ratelimit): codes cannot be tried in bulk.
@rate_limited("checkin", _checkin_limit, key=lambda: f"user:{current_user.id}")
def checkin(code: str | None = None):
    form = CheckinForm()
    if request.method == "GET" and code:
        form.code.data = services.normalise_code(code)
    status = 200
    if form.validate_on_submit():
        with unit_of_work(form, show=False) as work:
            day, mark = services.check_in(current_user, form.code.data)
        if work.error:
            form.code.errors = [*form.code.errors, str(work.error)]
            status = 400
        if work.ok:
            title = day.training_class.title
            if mark == "late":
                flash(_("You are checked in to %(title)s, after the start: marked late.", title=title), "success")
            elif mark == "present":
                flash(_("You are checked in to %(title)s.", title=title), "success")
            else:
                flash(_("Your trainer has already recorded your attendance in %(title)s for this day.",
                        title=title), "info")
            return redirect(url_for("classes.mine"))
    return render_template("classes/checkin.html", form=form), status


@bp.route("/my/classes")
@login_required
def mine():
    classes = queries.my_classes(current_user)
    marks = queries.person_marks(current_user.person_id, [c.id for c in classes])
    today = services.local_today()
    upcoming = [c for c in classes if c.status != FINISHED and (c.last_day is None or c.last_day >= today)]
    past = [c for c in classes if c not in upcoming]
    now = utcnow()
    open_days = {d.id for c in upcoming for d in c.days
                 if d.id not in marks and services.checkin_window(d)[0] <= now <= services.checkin_window(d)[1]}
    return render_template("classes/mine.html", upcoming=upcoming, past=past, marks=marks,
                           mark_labels=MARK_LABELS, status_labels=STATUS_LABELS, today=today, open_days=open_days)

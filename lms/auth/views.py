"""Login, logout, own account, and the administrators' user management."""

from __future__ import annotations

import logging
from datetime import date, timedelta

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf.csrf import generate_csrf
from itsdangerous import BadSignature, URLSafeSerializer
from markupsafe import Markup
from sqlalchemy import bindparam, func, or_, select
from sqlalchemy.orm import joinedload

from lms.auth import hooks, services
from lms.auth.forms import AssignmentForm, ChangePasswordForm, LoginForm, ProfileForm, UnassignForm, UserForm
from lms.auth.models import User, UserSession
from lms.core.db import utcnow, vi_collate
from lms.core.forms import ConfirmForm
from lms.core.params import page_arg
from lms.core.phone import normalize_phone
from lms.core.ratelimit import rate_limited, remote_address
from lms.core.security import ADMIN, roles_required, safe_next_url
from lms.core.uow import unit_of_work
from lms.extensions import db, login_manager
from lms.registry import queries as registry_queries
from lms.registry import services as registry_services
from lms.registry.models import SCHEME_LABELS, AdminUnit, UnitAssignment

bp = Blueprint("auth", __name__, template_folder="templates")
log = logging.getLogger("lms.auth")

# Endpoints a user who must change their password may still reach.
_ALLOWED_DURING_FORCED_CHANGE = {
    "auth.change_password",
    "auth.logout",
    "main.set_language",
    "main.healthz",
    "static",
}


# Every request of a logged-in user runs this: one query for the user, their roles and the
# server-side session of the cookie's token (every page asks for the roles), built once.
_LOAD_USER = (
    select(User, UserSession.id, UserSession.user_id, UserSession.ended_at, UserSession.last_seen_at,
           UserSession.created_at)
    .options(joinedload(User.role_rows))
    .outerjoin(UserSession, UserSession.token_hash == bindparam("token_hash"))
    .where(User.id == bindparam("id"))
)


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    try:
        raw_id, raw_version = user_id.split(":", 1)
        uid, version = int(raw_id), int(raw_version)
    except (ValueError, AttributeError):
        return None
    token = session.get(_SESSION_KEY)
    if not token:
        return None
    row = db.session.execute(
        _LOAD_USER, {"id": uid, "token_hash": services.session_token_hash(token)}
    ).unique().one_or_none()
    if row is None:
        return None
    user, session_id, owner_id, ended_at, last_seen_at, created_at = row
    if not user.active or user.session_version != version:
        return None
    # The server-side session: ended by a logout anywhere, idle or too old → logged out.
    now = utcnow()
    if not services.session_is_live(uid, owner_id, ended_at, last_seen_at, created_at, now=now):
        return None
    if now - last_seen_at > _TOUCH_EVERY:
        g.lms_session_touch = session_id
    return user


_SESSION_KEY = "sid"
_TOUCH_EVERY = timedelta(minutes=1)  # the idle clock's resolution: at most one write a minute


@bp.after_app_request
def _touch_session(response):
    """Record the session's activity after the response, in its own short transaction (the
    request's own transaction has ended by then; a GET stays read-only)."""
    session_id = g.pop("lms_session_touch", None)
    if session_id is not None:
        app = current_app._get_current_object()

        def touch():
            with app.app_context():
                try:
                    services.touch_session(session_id)
                except Exception:  # noqa: BLE001 - activity is best effort, never an error page
                    log.warning("could not record the activity of session %s", session_id, exc_info=True)

        response.call_on_close(touch)
    return response


def log_in(user: User) -> None:
    """Log ``user`` in on this browser: a fresh Flask session and a new server-side session
    (committed here). Every login goes through this (login form, password change, codes)."""
    with unit_of_work():
        token = services.start_session(user)
        services.record_login(user)
    session.clear()  # a fresh session: nothing set before login survives it
    login_user(user)
    session[_SESSION_KEY] = token
    # The new session's CSRF token, in the login response's cookie: otherwise every page
    # until the browser stores a later cookie would make one (and send a new cookie), and a
    # client that keeps the login cookie would never see the same page (ETag) twice.
    g.pop(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)  # signed from the old session's
    generate_csrf()


@bp.before_app_request
def _force_password_change():
    if request.endpoint in _ALLOWED_DURING_FORCED_CHANGE:
        return None  # before loading the user: a static file needs no query of the account
    user = current_user._get_current_object()
    if user.is_authenticated and user.must_change_password:
        if request.method == "GET":
            return redirect(url_for("auth.change_password", next=request.full_path.rstrip("?")))
        abort(403)
    return None


def _login_account_key() -> str:
    """The normalised identifier typed in the form."""
    raw = (request.form.get("login") or "").strip()
    phone = normalize_phone(raw)
    return "account:" + (phone or raw.lower())[:254]


_DEVICE_COOKIE = "lms_device"


def _device_signer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="lms.known-device")


def _pair_key() -> str:
    return f"{_login_account_key()}|{remote_address()}"


def _account_key_unless_known_device() -> str | None:
    """Per account from every address, except from a browser where this account has logged
    in before: an attacker cannot lock its owner out by trying from many addresses."""
    account = _login_account_key()
    try:
        if _device_signer().loads(request.cookies.get(_DEVICE_COOKIE, "")) == account:
            return None
    except BadSignature:
        pass
    return account


def _limit(name: str):
    return lambda: current_app.config[name]


@bp.route("/login", methods=["GET", "POST"])
# Moving windows in the database, shared by every worker (lms.core.ratelimit): per account and
# address pair (the limit people see), per address, and per account for unknown devices.
@rate_limited("login-pair", _limit("LOGIN_RATE_LIMIT"), key=_pair_key)
@rate_limited("login-address", _limit("LOGIN_ADDRESS_RATE_LIMIT"))
@rate_limited("login-account", _limit("LOGIN_ACCOUNT_RATE_LIMIT"), key=_account_key_unless_known_device)
def login():
    next_url = safe_next_url(request.args.get("next"))
    if current_user.is_authenticated:
        return redirect(next_url or url_for("main.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user, reason = services.authenticate(form.login.data, form.password.data)
        if user is None:
            form.password.errors = [reason]
        else:
            log_in(user)
            target = (url_for("auth.change_password", next=next_url) if user.must_change_password
                      else next_url or url_for("main.index"))
            response = redirect(target)
            response.set_cookie(
                _DEVICE_COOKIE, _device_signer().dumps(_login_account_key()), max_age=400 * 86400,
                httponly=True, samesite="Lax", secure=current_app.config["SESSION_COOKIE_SECURE"],
            )
            return response
    return render_template("auth/login.html", form=form, next_url=next_url)


@bp.route("/logout", methods=["POST"])
def logout():
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    with unit_of_work():
        services.end_session(session.get(_SESSION_KEY))  # every copy of the cookie stops working
    logout_user()
    session.clear()
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    form = ProfileForm(obj=current_user)
    if request.method == "GET":
        form.locale.data = current_user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]
    if form.validate_on_submit():
        with unit_of_work(form) as work:
            services.update_profile(
                current_user, display_name=form.display_name.data, locale=form.locale.data
            )
        if work.ok:
            flash(_("Your profile has been saved."), "success")
            return redirect(url_for("auth.account"))
    return render_template("auth/account.html", form=form)


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    next_url = safe_next_url(request.args.get("next"))
    if form.validate_on_submit():
        with unit_of_work(form) as work:
            services.change_password(current_user, form.current_password.data, form.new_password.data)
        if work.ok:
            # Every session of this user has ended: this device continues with a new one.
            log_in(current_user._get_current_object())
            flash(_("Your password has been changed."), "success")
            return redirect(next_url or url_for("main.index"))
    return render_template(
        "auth/change_password.html", form=form, forced=current_user.must_change_password
    )


# --- administrators ----------------------------------------------------------

admin_required = roles_required(ADMIN)

PAGE_SIZE = 50


@bp.route("/admin/users")
@admin_required
def users():
    q = (request.args.get("q") or "").strip()[:100]
    page = page_arg()
    stmt = select(User).order_by(vi_collate(User.display_name), User.id)
    if q:
        like = f"%{q.lower()}%"
        phone = normalize_phone(q)
        conditions = [func.lower(User.display_name).like(like), func.lower(User.email).like(like)]
        if phone:
            conditions.append(User.phone == phone)
        stmt = stmt.where(or_(*conditions))
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    rows = db.session.scalars(stmt.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    return render_template(
        "auth/users.html", users=rows, q=q, page=page, total=total, page_size=PAGE_SIZE
    )


@bp.route("/admin/users/new", methods=["GET", "POST"])
@admin_required
def user_new():
    form = UserForm()
    if request.method == "GET":
        form.roles.data = ["learner"]
    if form.validate_on_submit():
        if not form.temporary_password.data:
            form.temporary_password.errors = [_("Set a temporary password for the new account.")]
        else:
            with unit_of_work(form) as work:
                services.create_user(
                    name=form.name.data,
                    email=form.email.data,
                    phone=form.phone.data,
                    roles=form.roles.data,
                    password=form.temporary_password.data,
                    temporary=True,
                    actor=current_user,
                    active=bool(form.active.data),
                )
            if work.ok:
                flash(_("The account has been created."), "success")
                return redirect(url_for("auth.users"))
    return render_template("auth/user_form.html", form=form, user=None)


@bp.route("/admin/users/<int:user_id>", methods=["GET", "POST"])
@admin_required
def user_edit(user_id: int):
    user = db.get_or_404(User, user_id)
    form = UserForm(obj=user)
    if request.method == "GET":
        form.name.data = user.display_name
        form.roles.data = user.roles
    if form.validate_on_submit():
        with unit_of_work(form) as work:
            services.update_user(
                user,
                name=form.name.data,
                email=form.email.data,
                phone=form.phone.data,
                roles=form.roles.data,
                active=form.active.data,
                temporary_password=form.temporary_password.data or None,
                actor=current_user,
            )
        if work.ok:
            flash(_("The account has been saved."), "success")
            return redirect(url_for("auth.users"))
    return render_template("auth/user_form.html", form=form, user=user, **_areas_context(user))


def _areas_context(user: User) -> dict:
    """The user's areas and, for ``?unit_q=``, the units to pick from (by name or code)."""
    unit_q = (request.args.get("unit_q") or "").strip()[:100]
    return {
        # Panels render their own templates.
        "panels": [Markup(html) for fn in hooks.user_panels.functions() if (html := fn(user, current_user))],  # noqa: S704
        "areas": registry_queries.assigned_units(user),
        "unit_q": unit_q,
        "unit_matches": registry_queries.search_units(unit_q) if unit_q else [],
        "scheme_labels": SCHEME_LABELS,
        "area_form": ConfirmForm(),
    }


@bp.route("/admin/users/<int:user_id>/units", methods=["POST"])
@admin_required
def user_unit_assign(user_id: int):
    """Assign a unit (picked from the search on the user's page) to a manager or trainer."""
    user = db.get_or_404(User, user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    unit = db.session.get(AdminUnit, request.form.get("unit_id", type=int) or 0)
    if unit is None:
        abort(404)
    with unit_of_work() as work:
        registry_services.assign_unit(user, unit, actor=current_user)
    if work.ok:
        flash(_("%(unit)s has been assigned to %(name)s.", unit=unit.name, name=user.display_name), "success")
    return redirect(url_for("auth.user_edit", user_id=user.id) + "#areas")


@bp.route("/admin/users/<int:user_id>/units/<int:unit_id>/remove", methods=["POST"])
@admin_required
def user_unit_remove(user_id: int, unit_id: int):
    user = db.get_or_404(User, user_id)
    unit = db.get_or_404(AdminUnit, unit_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    with unit_of_work():
        registry_services.unassign_unit(user, unit, actor=current_user)
    flash(_("The assignment has been removed."), "success")
    return redirect(url_for("auth.user_edit", user_id=user.id) + "#areas")


# --- unit assignments ------------------------------------------------------------------------


@bp.route("/registry/assignments", methods=["GET", "POST"])
@roles_required(ADMIN)
def assignments():
    form = AssignmentForm()
    if form.validate_on_submit():
        user = services.find_user_by_login(form.login.data)
        unit = registry_queries.find_unit(form.unit_code.data, form.scheme.data)
        named = [] if unit is not None else [
            u for u in registry_queries.search_units(form.unit_code.data) if u.scheme == form.scheme.data]
        if unit is None and len(named) == 1:
            unit = named[0]
        if user is None:
            form.login.errors = [_("No account has this login.")]
        elif unit is None and named:
            form.unit_code.errors = [_("Several units match: %(units)s. Give the code.", units=", ".join(
                f"{u.name} ({u.code})" for u in named[:10]))]
        elif unit is None:
            form.unit_code.errors = [_("No unit has this code or name in this scheme.")]
        else:
            with unit_of_work(form, show=False) as work:
                registry_services.assign_unit(user, unit, actor=current_user)
            if work.error:
                form.login.errors = [work.error.message]
            if work.ok:
                flash(_("%(unit)s has been assigned to %(name)s.", unit=unit.name, name=user.display_name),
                      "success")
                return redirect(url_for("auth.assignments"))
    rows = db.session.execute(
        select(UnitAssignment, User, AdminUnit)
        .join(User, User.id == UnitAssignment.user_id)
        .join(AdminUnit, AdminUnit.id == UnitAssignment.unit_id)
        .order_by(vi_collate(User.display_name), AdminUnit.code)
    ).all()
    return render_template("auth/assignments.html", form=form, rows=rows, scheme_labels=SCHEME_LABELS)


@bp.route("/registry/assignments/remove", methods=["POST"])
@roles_required(ADMIN)
def assignment_remove():
    form = UnassignForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        user = db.get_or_404(User, int(form.user_id.data))
        unit = db.get_or_404(AdminUnit, int(form.unit_id.data))
    except ValueError:
        abort(400)
    with unit_of_work():
        registry_services.unassign_unit(user, unit, actor=current_user)
    flash(_("The assignment has been removed."), "success")
    return redirect(url_for("auth.assignments"))



# --- audit log -------------------------------------------------------------------------------

AUDIT_PAGE = 100


def _audit_statement():
    """The audit page's filters from the query string (actor login or name, kind or action,
    object as "type" or "type id", dates dd/mm/yyyy or ISO), and the matching statement."""
    from lms.core import audit
    from lms.core.localtime import end_of_day_utc

    args = {k: (request.args.get(k) or "").strip()[:100] for k in ("actor", "kind", "object", "since", "until")}
    actor_id = None
    if args["actor"]:
        found = services.find_user_by_login(args["actor"]) or db.session.scalar(
            select(User).where(func.lower(User.display_name) == args["actor"].lower()))
        actor_id = found.id if found is not None else -1
    object_type, _sep, object_id = args["object"].partition(" ")
    bounds = {}
    for key in ("since", "until"):
        if args[key]:
            try:
                day = _parse_day(args[key])
            except ValueError:
                flash(_("Write dates as dd/mm/yyyy."), "error")
                continue
            bounds[key] = end_of_day_utc(day - timedelta(days=1)) if key == "since" else end_of_day_utc(day)
    stmt = audit.entries_query(actor_id=actor_id, action=args["kind"] or None, object_type=object_type or None,
                               object_id=object_id.strip() or None, since=bounds.get("since"),
                               until=bounds.get("until"))
    return args, stmt


def _parse_day(text: str) -> date:
    if "/" in text:
        day, month, year = (int(p) for p in text.split("/"))
        return date(year, month, day)
    return date.fromisoformat(text)


@bp.route("/admin/audit")
@admin_required
def audit_log():
    from lms.auth import audit as audit_rows
    from lms.core.audit import AuditLog

    args, stmt = _audit_statement()
    page = max(min(request.args.get("page", 1, type=int) or 1, 100_000), 1)
    entries = list(db.session.scalars(stmt.limit(AUDIT_PAGE + 1).offset((page - 1) * AUDIT_PAGE)))
    kinds = sorted({a.split(".")[0] for a in db.session.scalars(select(AuditLog.action).distinct())})
    return render_template("auth/audit.html", rows=audit_rows.rows(entries[:AUDIT_PAGE]), args=args, page=page,
                           more=len(entries) > AUDIT_PAGE, kinds=kinds)


@bp.route("/admin/audit.csv")
@admin_required
def audit_export():
    from lms.auth import audit as audit_rows
    from lms.core import exports
    from lms.core.i18n import for_people

    _args, stmt = _audit_statement()
    entries = list(db.session.scalars(stmt.limit(100_000)))
    header = [_("When"), _("Who"), _("What"), _("Object"), _("Details (old → new)")]
    body = [[for_people(r.at), r.actor, r.action, r.object, r.details] for r in audit_rows.rows(entries)]
    return Response(exports.to_csv(header, body), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="audit-log.csv"'})

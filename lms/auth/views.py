"""Login, logout, own account, and the administrators' user management."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import bindparam, func, or_, select
from sqlalchemy.orm import joinedload

from lms.auth import services
from lms.auth.forms import ChangePasswordForm, LoginForm, ProfileForm, UserForm
from lms.auth.models import User
from lms.core.errors import ServiceError
from lms.core.forms import ConfirmForm
from lms.core.phone import normalize_phone
from lms.core.security import ADMIN, roles_required, safe_next_url
from lms.core.templating import add_nav_item
from lms.extensions import db, limiter, login_manager

bp = Blueprint("auth", __name__, template_folder="templates")
add_nav_item("auth.users", _l("Users"), roles=(ADMIN,), order=90)

# Endpoints a user who must change their password may still reach.
_ALLOWED_DURING_FORCED_CHANGE = {
    "auth.change_password",
    "auth.logout",
    "main.set_language",
    "main.healthz",
    "static",
}


# Every request of a logged-in user runs this: one query for the user and their roles
# (every page asks for the roles), built once.
_LOAD_USER = select(User).options(joinedload(User.role_rows)).where(User.id == bindparam("id"))


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    try:
        raw_id, raw_version = user_id.split(":", 1)
        uid, version = int(raw_id), int(raw_version)
    except (ValueError, AttributeError):
        return None
    user = db.session.execute(_LOAD_USER, {"id": uid}).unique().scalar_one_or_none()
    if user is None or not user.active or user.session_version != version:
        return None
    return user


@bp.before_app_request
def _force_password_change():
    user = current_user._get_current_object()
    if (
        user.is_authenticated
        and user.must_change_password
        and request.endpoint not in _ALLOWED_DURING_FORCED_CHANGE
    ):
        if request.method == "GET":
            return redirect(url_for("auth.change_password", next=request.full_path.rstrip("?")))
        abort(403)
    return None


def _login_rate_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _login_account_key() -> str:
    """Throttle per account: the normalised identifier typed in the form."""
    raw = (request.form.get("login") or "").strip()
    phone = normalize_phone(raw)
    return "account:" + (phone or raw.lower())[:254]


def _apply_field_error(form, exc: ServiceError) -> None:
    field = getattr(form, exc.field, None) if exc.field else None
    if field is not None:
        field.errors = list(field.errors) + [exc.message]
    else:
        flash(exc.message, "error")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_rate_limit, methods=["POST"], key_func=get_remote_address, scope="login-ip")
@limiter.limit(_login_rate_limit, methods=["POST"], key_func=_login_account_key, scope="login-account")
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
            session.clear()  # a fresh session: nothing set before login survives it
            login_user(user)
            services.record_login(user)
            db.session.commit()
            if user.must_change_password:
                return redirect(url_for("auth.change_password", next=next_url))
            return redirect(next_url or url_for("main.index"))
    return render_template("auth/login.html", form=form, next_url=next_url)


@bp.route("/logout", methods=["POST"])
def logout():
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
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
        try:
            services.update_profile(
                current_user, display_name=form.display_name.data, locale=form.locale.data
            )
        except ServiceError as exc:
            db.session.rollback()
            _apply_field_error(form, exc)
        else:
            db.session.commit()
            flash(_("Your profile has been saved."), "success")
            return redirect(url_for("auth.account"))
    return render_template("auth/account.html", form=form)


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    next_url = safe_next_url(request.args.get("next"))
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.current_password.data, form.new_password.data)
        except ServiceError as exc:
            db.session.rollback()
            _apply_field_error(form, exc)
        else:
            db.session.commit()
            # The session version changed: log in again with the new one so that this
            # session continues while every other session of this user ends.
            user = current_user._get_current_object()
            session.clear()
            login_user(user)
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
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    stmt = select(User).order_by(User.display_name, User.id)
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
            try:
                user = services.create_user(
                    name=form.name.data,
                    email=form.email.data,
                    phone=form.phone.data,
                    roles=form.roles.data,
                    password=form.temporary_password.data,
                    temporary=True,
                    actor=current_user,
                )
            except ServiceError as exc:
                db.session.rollback()
                _apply_field_error(form, exc)
            else:
                if not form.active.data:
                    user.active = False
                db.session.commit()
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
        try:
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
        except ServiceError as exc:
            db.session.rollback()
            _apply_field_error(form, exc)
        else:
            db.session.commit()
            flash(_("The account has been saved."), "success")
            return redirect(url_for("auth.users"))
    return render_template("auth/user_form.html", form=form, user=user)

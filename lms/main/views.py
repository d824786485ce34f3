"""Home page, language switch and health check."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import text

from lms.core.forms import LanguageForm
from lms.core.i18n import LANG_COOKIE
from lms.core.security import safe_next_url
from lms.core.uow import unit_of_work
from lms.extensions import db

bp = Blueprint("main", __name__, template_folder="templates")


@bp.route("/")
def index():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    return render_template("main/index.html")


@bp.route("/language", methods=["POST"])
def set_language():
    """Remember the language for the user (and for this browser when logged out)."""
    form = LanguageForm()
    if not form.validate_on_submit():
        abort(400)
    lang = form.lang.data
    if current_user.is_authenticated:
        with unit_of_work():
            current_user.locale = lang
    response = redirect(safe_next_url(request.form.get("next")) or url_for("main.index"))
    response.set_cookie(
        LANG_COOKIE,
        lang,
        max_age=365 * 24 * 3600,
        httponly=True,
        samesite="Lax",
        secure=current_app.config["LMS_HTTPS"],
    )
    return response


@bp.route("/healthz")
def healthz():
    """For load balancers: 200 when the app can reach its database."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any failure means unhealthy
        return jsonify({"status": "error", "database": "unreachable"}), 503
    return jsonify({"status": "ok"})

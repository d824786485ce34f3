"""The user's own API tokens: create (shown once) and revoke."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from lms.apitokens import services
from lms.apitokens.forms import TokenForm
from lms.apitokens.models import ApiToken
from lms.core.forms import ConfirmForm
from lms.core.security import ADMIN, MANAGER, roles_required
from lms.core.uow import unit_of_work
from lms.extensions import db

bp = Blueprint("apitokens", __name__, template_folder="templates")


@bp.route("/account/tokens", methods=["GET", "POST"])
@roles_required(MANAGER, ADMIN)
def tokens():
    form = TokenForm()
    secret = None
    if form.validate_on_submit():
        with unit_of_work(form) as work:
            _token, secret = services.create_token(current_user, form.name.data)
        if work.ok:
            form = TokenForm(formdata=None)
    rows = db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == current_user.id).order_by(ApiToken.created_at.desc())
    ).all()
    return render_template("apitokens/tokens.html", form=form, tokens=rows, secret=secret)


@bp.route("/account/tokens/<int:token_id>/revoke", methods=["POST"])
@roles_required(MANAGER, ADMIN)
def revoke(token_id: int):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    token = db.get_or_404(ApiToken, token_id)
    if token.user_id != current_user.id:
        abort(404)
    with unit_of_work():
        services.revoke_token(current_user, token)
    flash(_("The token has been revoked."), "success")
    return redirect(url_for("apitokens.tokens"))


def user_tokens_panel(user, viewer) -> str | None:
    """``auth.user_panels``: the API tokens of a manager or administrator account, with a
    revoke button, on the administrator's page of that account."""
    rows = db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.created_at.desc())
    ).all()
    if not rows and not user.has_role(MANAGER, ADMIN):
        return None
    return render_template("apitokens/_user_panel.html", user=user, tokens=rows)


@bp.route("/admin/users/<int:user_id>/tokens/<int:token_id>/revoke", methods=["POST"])
@roles_required(ADMIN)
def admin_revoke(user_id: int, token_id: int):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    token = db.get_or_404(ApiToken, token_id)
    if token.user_id != user_id:
        abort(404)
    with unit_of_work():
        services.revoke_token(current_user, token, as_admin=True)
    flash(_("The token has been revoked."), "success")
    return redirect(url_for("auth.user_edit", user_id=user_id) + "#tokens")

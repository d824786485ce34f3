"""The privacy notice, a person's own data and requests, and the managers' request queue."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, render_template
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms.core import exports
from lms.core.localtime import local_today
from lms.privacy import queries

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


@bp.route("/account/data")
@login_required
def my_data():
    return render_template("privacy/my_data.html", sections=_my_sections(), cell=queries.cell_value)


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

"""The privacy notice, a person's own data and requests, and the managers' request queue."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template
from flask_babel import get_locale

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

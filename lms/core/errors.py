"""Error pages (HTML) and JSON errors for /api/: they never reveal anything internal."""

from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

log = logging.getLogger("lms.errors")

MESSAGES = {
    400: (_l("Bad request"), _l("The request could not be understood. Please go back and try again.")),
    403: (_l("Access denied"), _l("You do not have permission to open this page.")),
    404: (_l("Page not found"), _l("The page you asked for does not exist or has been moved.")),
    405: (_l("Not allowed"), _l("This action cannot be done this way.")),
    413: (_l("File too large"), _l("The file you sent is larger than this site accepts.")),
    429: (
        _l("Too many attempts"),
        _l("You have tried too many times. Please wait a minute and try again."),
    ),
    500: (_l("Something went wrong"), _l("An unexpected error occurred. It has been logged; please try again later.")),
}


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def render_error(code: int, detail: str | None = None):
    title, message = MESSAGES.get(code, MESSAGES[500])
    if _wants_json():
        return jsonify({"error": {"code": code, "message": str(detail or message)}}), code
    return render_template("errors/error.html", code=code, title=title, message=detail or message), code


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(_exc):
        from flask_babel import gettext

        return render_error(
            400,
            gettext("Your form has expired or was not sent from this site. Please reload the page and try again."),
        )

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        code = exc.code or 500
        if code in MESSAGES:
            return render_error(code)
        body, _ = render_error(400 if code < 500 else 500)
        return body, code

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        if isinstance(exc, HTTPException):  # pragma: no cover - handled above
            return _http(exc)
        if _out_of_range(exc):
            # A number larger than any column, from a form or a JSON body (routes and query
            # strings are bounded in lms.core.params): a bad request, not a crash.
            log.info("number out of range on %s %s", request.method, request.path)
            from lms.extensions import db

            db.session.rollback()
            return render_error(400)
        log.exception("unhandled error on %s %s", request.method, request.path)
        from lms.extensions import db

        db.session.rollback()
        return render_error(InternalServerError.code)


def _out_of_range(exc: Exception) -> bool:
    """SQLite's OverflowError or PostgreSQL's "integer out of range" (SQLSTATE 22003)."""
    if isinstance(exc, OverflowError):
        return True
    orig = getattr(exc, "orig", None)
    return isinstance(orig, OverflowError) or getattr(orig, "sqlstate", None) == "22003"


class ServiceError(ValueError):
    """A service refused an input; ``field`` names the form field it concerns."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

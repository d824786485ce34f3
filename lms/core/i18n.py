"""Locale selection: the user's choice, else the browser's cookie, else Vietnamese."""

from __future__ import annotations

from flask import current_app, has_request_context, request
from flask_login import current_user

LANG_COOKIE = "lms_lang"


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI commands
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    cookie = request.cookies.get(LANG_COOKIE)
    if cookie in languages:
        return cookie
    return current_app.config["BABEL_DEFAULT_LOCALE"]

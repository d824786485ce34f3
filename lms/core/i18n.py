"""Locale selection: the user's choice, else the browser's cookie, else Vietnamese."""

from __future__ import annotations

from flask import current_app, g, has_request_context, request
from flask_babel import _get_current_context, get_locale, get_translations
from flask_login import current_user

LANG_COOKIE = "lms_lang"


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI commands
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    user = current_user._get_current_object()  # one proxy lookup, not three
    if user is not None and user.is_authenticated and user.locale in languages:
        return user.locale
    cookie = request.cookies.get(LANG_COOKIE)
    if cookie in languages:
        return cookie
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def _once_per_request(name: str, compute):
    """``compute()``, kept for the rest of the request on Flask-Babel's request namespace
    (where its ``refresh()`` clears the locale and translations); recomputed outside one."""
    try:
        value = getattr(g._flask_babel, name)
        if value is None:  # Flask-Babel's force_locale() restores an unset value as None
            raise AttributeError(name)
        return value
    except AttributeError:
        value = compute()
        ctx = _get_current_context()
        if ctx is not None:
            setattr(ctx, name, value)
        return value
    except RuntimeError:  # outside an application context
        return compute()


def _translations():
    """The request's translations: Flask-Babel finds the domain, the locale and its string
    form again for every string, and a page has dozens."""
    return _once_per_request("babel_translations", get_translations)


def locale_code() -> str:
    """The request's locale as a string ("vi", "en")."""
    return _once_per_request("lms_locale_code", lambda: str(get_locale()))


def install_template_gettext(app) -> None:
    """Templates' ``_``/``ngettext`` with the per-request translations (same strings, same escaping)."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
    )


def for_people(value):
    """A value as a person reads it in the current locale (CSV exports, plain text):
    dates day first (29/11/2026), decimals with the locale's separator ("25,1" in
    Vietnamese). Other values are returned unchanged. Not for the JSON API."""
    from datetime import date, datetime

    from flask_babel import format_date, format_datetime, format_decimal

    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, datetime):
        return format_datetime(value, "dd/MM/yyyy HH:mm")
    if isinstance(value, date):
        return format_date(value, "dd/MM/yyyy")
    if isinstance(value, float):
        return format_decimal(value, format="#,##0.##")
    return value

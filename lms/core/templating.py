"""Template helpers: the navigation shown for the user's roles, forms and formatters."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app, g, request, session, url_for
from flask_babel import format_date, format_datetime, format_decimal, format_percent
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from markupsafe import Markup

from lms.core.i18n import locale_code


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: object  # a lazy string
    roles: tuple[str, ...] = ()  # empty: every logged-in user
    order: int = 50


_ACCOUNT = NavItem("auth.account", _l("My account"), order=1000)  # always last


def _nav(app: Flask) -> list[NavItem]:
    return app.extensions.setdefault("lms.nav", [])


def add_nav_item(app: Flask, endpoint: str, label, roles: tuple[str, ...] = (), order: int = 50) -> None:
    """Domains call this in their ``init_app`` to put a link in the main navigation."""
    items = _nav(app)
    if any(item.endpoint == endpoint for item in items):
        return
    items.append(NavItem(endpoint, label, roles, order))
    items.sort(key=lambda item: item.order)
    app.extensions["lms.nav_cache"] = {}


def _visible_items(roles) -> list[NavItem]:
    mine = set(roles)
    return [item for item in _nav(current_app) if not item.roles or mine.intersection(item.roles)]


def nav_items() -> list[NavItem]:
    user = current_user._get_current_object()
    return _visible_items(user.roles) if user.is_authenticated else []


def nav_links() -> Markup:
    """The main navigation's ``<li>`` items for the current user and page.

    The same for everyone with the same roles, language and page, so it is built once per
    such combination (a pure function of them: nothing here is state) and reused.
    """
    user = current_user._get_current_object()
    if not user.is_authenticated:
        return Markup("")
    key = (tuple(user.roles), locale_code(), request.endpoint, request.script_root)
    cache = current_app.extensions.setdefault("lms.nav_cache", {})
    links = cache.get(key)
    if links is None:
        if len(cache) > 1024:
            cache.clear()
        links = cache[key] = _nav_links(key[0], request.endpoint)
    return links


def _nav_links(roles: tuple[str, ...], endpoint: str | None) -> Markup:
    items = [*_visible_items(roles), _ACCOUNT]
    return Markup("").join(
        Markup('<li><a href="{}"{}>{}</a></li>').format(
            url_for(item.endpoint),
            Markup(' aria-current="page"') if item.endpoint == endpoint else "",
            str(item.label),
        )
        for item in items
    )


def csrf_field(id: str = "csrf_token") -> Markup:  # noqa: A002 - the HTML attribute's name
    """The hidden CSRF input of a POST-only form, without building a form object.

    Renders what ``form.csrf_token`` renders (the layout has two such forms on every page,
    and a WTForms instance costs more than the rest of a small page).
    """
    return Markup('<input id="{}" name="csrf_token" type="hidden" value="{}">').format(id, page_csrf_token())


_SIGNED_TOKENS: dict[tuple, str] = {}


class _UntimedSigner(TimestampSigner):
    """Flask-WTF's token signer with a fixed time: tokens that never expire
    (``WTF_CSRF_TIME_LIMIT = None``) carry no time, so signing is a pure function."""

    def get_timestamp(self) -> int:
        return 0


def page_csrf_token() -> str:
    """The session's signed CSRF token: one token per session, signed once per process.

    With ``WTF_CSRF_TIME_LIMIT = None`` (the token lives as long as the session) Flask-WTF
    checks a token's signature and its raw value, never its age; so the token is signed
    without a time, as a pure function of the key and the session's raw token. Every page of
    a session embeds the same token (a page kept by the browser and revalidated with its
    ETag holds the token the server would render), and signing (as costly as a query) is
    done once. Nothing cached here can go stale: the cache is a memo of a pure function.
    """
    app = current_app._get_current_object()
    field = app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    raw = session.get(field)
    if app.config.get("WTF_CSRF_TIME_LIMIT") is not None or not isinstance(raw, str):
        return generate_csrf()
    secret = app.config.get("WTF_CSRF_SECRET_KEY") or app.secret_key
    key = (secret, raw)
    token = _SIGNED_TOKENS.get(key)
    if token is None:
        token = URLSafeTimedSerializer(secret, salt="wtf-csrf-token", signer=_UntimedSigner).dumps(raw)
        if len(_SIGNED_TOKENS) >= 4096:
            _SIGNED_TOKENS.clear()
        _SIGNED_TOKENS[key] = token
    setattr(g, field, token)  # the page's WTForms fields render the same token
    return token


# Dates the Vietnamese way, day first with a four-digit year (29/11/2026), in every
# language: Babel's short and medium formats give "29/11/26" and "29 thg 11, 2026".
DATE_PATTERNS = {"short": "dd/MM/yyyy", "medium": "dd/MM/yyyy", "full": "EEEE, dd/MM/yyyy"}
DATETIME_PATTERNS = {"short": "dd/MM/yyyy HH:mm", "medium": "dd/MM/yyyy HH:mm"}


def register_template_helpers(app: Flask) -> None:
    from lms.core.forms import ConfirmForm
    from lms.core.masking import mask_email, mask_login, mask_national_id, mask_phone
    from lms.core.security import ROLE_LABELS

    @app.context_processor
    def _inject():
        return {
            "nav_items": nav_items,
            "nav_links": nav_links,
            "role_labels": ROLE_LABELS,
            # formdata=None: the layout's own forms never read the request body (an
            # error page for an oversized or malformed request must still render).
            "confirm_form": lambda: ConfirmForm(formdata=None),
            "current_locale": locale_code,
            "current_path": lambda: request.full_path.rstrip("?"),
            "csrf_field": csrf_field,
        }

    app.jinja_env.filters.update(
        date=lambda value, fmt="medium": format_date(value, DATE_PATTERNS.get(fmt, fmt)) if value else "",
        datetime=lambda value, fmt="medium": format_datetime(value, DATETIME_PATTERNS.get(fmt, fmt)) if value else "",
        number=lambda value: format_decimal(value) if value is not None else "",
        percent=lambda value: format_percent(value) if value is not None else "",
        mask_phone=mask_phone,
        mask_national_id=mask_national_id,
        mask_email=mask_email,
        mask_login=mask_login,
    )

"""Template helpers: the navigation shown for the user's roles, forms and formatters."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, request
from flask_babel import format_date, format_datetime, format_decimal, format_percent
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: object  # a lazy string
    roles: tuple[str, ...] = ()  # empty: every logged-in user
    order: int = 50


_NAV: list[NavItem] = []


def add_nav_item(endpoint: str, label, roles: tuple[str, ...] = (), order: int = 50) -> None:
    """Domains call this at import time to put a link in the main navigation."""
    if any(item.endpoint == endpoint for item in _NAV):
        return
    _NAV.append(NavItem(endpoint, label, roles, order))
    _NAV.sort(key=lambda item: item.order)


def nav_items() -> list[NavItem]:
    user = current_user._get_current_object()
    if not user.is_authenticated:
        return []
    mine = set(user.roles)
    return [item for item in _NAV if not item.roles or mine.intersection(item.roles)]


def csrf_field(id: str = "csrf_token") -> Markup:  # noqa: A002 - the HTML attribute's name
    """The hidden CSRF input of a POST-only form, without building a form object.

    Renders what ``form.csrf_token`` renders (the layout has two such forms on every page,
    and a WTForms instance costs more than the rest of a small page).
    """
    return Markup('<input id="{}" name="csrf_token" type="hidden" value="{}">').format(id, generate_csrf())


def register_template_helpers(app: Flask) -> None:
    from lms.core.forms import ConfirmForm
    from lms.core.i18n import locale_code
    from lms.core.security import ROLE_LABELS

    @app.context_processor
    def _inject():
        return {
            "nav_items": nav_items,
            "role_labels": ROLE_LABELS,
            # formdata=None: the layout's own forms never read the request body (an
            # error page for an oversized or malformed request must still render).
            "confirm_form": lambda: ConfirmForm(formdata=None),
            "current_locale": locale_code,
            "current_path": lambda: request.full_path.rstrip("?"),
            "csrf_field": csrf_field,
        }

    app.jinja_env.filters.update(
        date=lambda value, fmt="medium": format_date(value, fmt) if value else "",
        datetime=lambda value, fmt="medium": format_datetime(value, fmt) if value else "",
        number=lambda value: format_decimal(value) if value is not None else "",
        percent=lambda value: format_percent(value) if value is not None else "",
    )

"""Template helpers: the navigation shown for the user's roles, forms and formatters."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, request
from flask_babel import format_date, format_datetime, format_decimal, format_percent, get_locale
from flask_login import current_user


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
    if not current_user.is_authenticated:
        return []
    return [item for item in _NAV if not item.roles or current_user.has_role(*item.roles)]


def register_template_helpers(app: Flask) -> None:
    from lms.core.forms import ConfirmForm, LanguageForm
    from lms.core.security import ROLE_LABELS

    @app.context_processor
    def _inject():
        return {
            "nav_items": nav_items,
            "role_labels": ROLE_LABELS,
            # formdata=None: the layout's own forms never read the request body (an
            # error page for an oversized or malformed request must still render).
            "confirm_form": lambda: ConfirmForm(formdata=None),
            "language_form": lambda: LanguageForm(formdata=None),
            "current_locale": lambda: str(get_locale()),
            "current_path": lambda: request.full_path.rstrip("?"),
        }

    app.jinja_env.filters.update(
        date=lambda value, fmt="medium": format_date(value, fmt) if value else "",
        datetime=lambda value, fmt="medium": format_datetime(value, fmt) if value else "",
        number=lambda value: format_decimal(value) if value is not None else "",
        percent=lambda value: format_percent(value) if value is not None else "",
    )

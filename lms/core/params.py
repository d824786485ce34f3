"""Whole numbers from URLs and query strings, within the range the database stores.

``/attempts/99999999999999999999999`` and ``?page=99999999999999999999`` used to reach
the database as Python integers larger than any column (``OverflowError`` on SQLite,
"integer out of range" on PostgreSQL): a 500. Every ``<int:…>`` in a route is bounded
here (a larger number is a 404, as an unknown id is), and query-string numbers are read
through ``int_arg`` and ``page_arg``.
"""

from __future__ import annotations

from flask import Flask, request
from werkzeug.routing import IntegerConverter

# The largest id a 4-byte INTEGER column holds (PostgreSQL ``integer``).
MAX_ID = 2**31 - 1
MAX_PAGE = 100_000


class BoundedIntConverter(IntegerConverter):
    """``<int:…>`` that matches 0 … ``MAX_ID`` only (a larger number matches no route: 404)."""

    def __init__(self, map, fixed_digits=0, min=None, max=None, signed=False):  # noqa: A002 - werkzeug's names
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=MAX_ID if max is None else max, signed=signed)


def register_converters(app: Flask) -> None:
    """Before any blueprint: every ``<int:…>`` of the app is bounded."""
    app.url_map.converters["int"] = BoundedIntConverter


def int_arg(name: str, default: int | None = None, *, maximum: int = MAX_ID) -> int | None:
    """A non-negative whole number from the query string; ``default`` when it is missing,
    not a number, or larger than ``maximum``."""
    raw = (request.args.get(name) or "").strip()
    if not raw.isascii() or not raw.isdigit() or len(raw) > 12:
        return default
    value = int(raw)
    return value if value <= maximum else default


def page_arg(name: str = "page") -> int:
    """The page number of a list: 1 … ``MAX_PAGE`` (anything else is the first or last)."""
    raw = (request.args.get(name) or "").strip()
    if raw.isascii() and raw.isdigit():
        return max(1, min(int(raw[:12]) if len(raw) <= 12 else MAX_PAGE, MAX_PAGE))
    return 1

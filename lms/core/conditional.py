"""Validators for personal pages: an ETag computed from everything a page shows, and a
``304 Not Modified`` without rendering when the browser already holds that page.

A view loads what its template needs (plain values as far as possible), describes it as a
``state`` (a tuple of plain values: ids, version stamps, the user's progress …) and calls:

    etag = page_etag("catalog.lesson", state)
    if is_current(etag):
        return not_modified(etag)
    return with_etag(render_template(...), etag)

``page_etag`` adds what every page's layout shows: the user (id and session version),
the server-side session, roles, locale, the page's path, the CSRF token of the session
(its forms embed it), what ``layout_states`` functions report (the unread notification
count, registered by lms.messages), the local date (for any "today"/"in N days" text),
the code, templates, translations and static files of this installation, and the
configuration. It returns None, and the page is served as before (``no-store``, no ETag),
when a validator must not be used: flashed messages waiting to be shown, or no user.

Responses carry ``Cache-Control: private, no-cache`` and ``Vary: Cookie``: the browser
keeps the page but asks every time; no shared cache stores it. ETags are weak (``W/``):
two renderings with one ETag are equivalent, not byte-identical (the CSRF token's
signature carries its time).
"""

from __future__ import annotations

import functools
import hashlib
import os
from datetime import date
from pathlib import Path

from flask import Response, current_app, make_response, request, session
from flask_login import current_user

from lms.core.hooks import Hook
from lms.core.localtime import local_today
from lms.core.static import fingerprints

layout_states: Hook = Hook(
    "layout_states",
    "fn(user) -> hashable: what the shared layout shows for this user beyond their roles and "
    "locale (e.g. the unread notification count); part of every personal page's ETag.",
)

_SKIP_CONFIG = ("SECRET", "PASSWORD", "TOKEN", "KEY", "DATABASE", "URI", "URL")
_BUILD_SUFFIXES = {".py", ".html", ".txt", ".mo", ".json", ".md"}
_PACKAGE = Path(__file__).resolve().parent.parent  # the lms package


def build_id(app) -> str:
    """A digest of this installation's code, templates and translations (once per app) and
    of its static files (their fingerprints, ``lms.core.static``): a deployment that changes
    any of them changes every ETag. Computed from contents, so servers running the same
    release agree."""
    found = app.extensions.get("lms.build_id")
    if found is None:
        digest = hashlib.sha256()
        static = Path(app.static_folder).resolve() if app.static_folder else None
        for dirpath, dirnames, filenames in os.walk(_PACKAGE):
            dirnames[:] = sorted(d for d in dirnames if d != "__pycache__" and Path(dirpath, d).resolve() != static)
            for name in sorted(filenames):
                path = Path(dirpath, name)
                if path.suffix in _BUILD_SUFFIXES:
                    digest.update(str(path.relative_to(_PACKAGE)).encode())
                    digest.update(path.read_bytes())
        digest.update(fingerprints(app).assets_version().encode())
        found = app.extensions["lms.build_id"] = digest.hexdigest()
    return found


def _config_id(app) -> str:
    """A digest of the configuration's plain values (secrets and addresses left out), once
    per app: a setting that changes what pages show changes every ETag."""
    found = app.extensions.get("lms.config_id")
    if found is None:
        items = sorted(
            (name, repr(value)) for name, value in app.config.items()
            if isinstance(value, str | int | float | bool | type(None) | tuple | list)
            and not any(part in name for part in _SKIP_CONFIG)
        )
        found = app.extensions["lms.config_id"] = hashlib.sha256(repr(items).encode()).hexdigest()
    return found


def today() -> date:
    """The local date in the ETag (a page may say "today" or "in N days")."""
    return local_today()


def _csrf_state(app) -> tuple:
    """What the page's CSRF tokens depend on: the session's raw token (and, when tokens
    expire, the time window they were signed in). A session without one gets one here,
    before the page is rendered, so that the ETag and the page agree."""
    field = app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    if field not in session:
        from flask_wtf.csrf import generate_csrf

        generate_csrf()
    raw = session.get(field, "")
    limit = app.config.get("WTF_CSRF_TIME_LIMIT")
    window = None
    if limit:
        import time

        # A kept page's token must stay valid long enough to be used: a 304 is only given
        # within the first sixth of the token's lifetime.
        window = int(time.time() // max(1, int(limit) // 6))
    return hashlib.sha256(str(raw).encode()).hexdigest(), window


def page_etag(page: str, state: tuple) -> str | None:
    """The weak ETag of a personal page (``page`` names it, ``state`` is what it shows
    beyond the layout), or None when this response must not be validated."""
    if session.get("_flashes"):
        return None  # a flash is shown once: this response must be rendered and not kept
    user = current_user._get_current_object()
    if not getattr(user, "is_authenticated", False):
        return None
    app = current_app._get_current_object()
    from lms.core.i18n import locale_code

    parts = (
        page,
        build_id(app),
        _config_id(app),
        user.get_id(),
        hashlib.sha256(str(session.get("sid", "")).encode()).hexdigest(),
        tuple(user.roles),
        locale_code(),
        request.full_path,
        request.script_root,
        _csrf_state(app),
        today().isoformat(),
        tuple(fn(user) for fn in layout_states.functions(app)),
        state,
    )
    return 'W/"' + hashlib.sha256(repr(parts).encode()).hexdigest()[:40] + '"'


def is_current(etag: str | None) -> bool:
    """Whether the browser already holds the page with this ETag (If-None-Match)."""
    if etag is None or request.method not in ("GET", "HEAD"):
        return False
    wanted = request.if_none_match
    return bool(wanted) and wanted.contains_weak(etag[3:-1])


def _validator_headers(response: Response, etag: str) -> Response:
    response.headers["ETag"] = etag
    response.headers["Cache-Control"] = "private, no-cache"
    response.vary.add("Cookie")  # a header set: case-insensitive, no duplicate
    return response


def not_modified(etag: str) -> Response:
    """``304 Not Modified`` with the page's validator headers and no body."""
    return _validator_headers(Response(status=304), etag)


def with_etag(rendered, etag: str | None) -> Response:
    """The rendered page as a response, with its validator when it has one (else as every
    other page: ``Cache-Control: no-store``, set by lms.core.security)."""
    response = make_response(rendered)
    if etag is not None and not session.get("_flashes"):
        _validator_headers(response, etag)
    return response


def row_state(obj) -> tuple | None:
    """Every loaded column value of an ORM object (deferred columns left out), for a page's
    state: whatever the page shows of the row, a change of it changes the ETag."""
    if obj is None:
        return None
    from sqlalchemy import inspect

    mapper = inspect(type(obj))
    return (mapper.class_.__name__, *(getattr(obj, attr.key) for attr in _plain_columns(mapper)))


@functools.cache
def _plain_columns(mapper) -> list:
    return [attr for attr in mapper.column_attrs if not attr.deferred]

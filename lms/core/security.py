"""Roles, the permission decorator, safe redirects and security headers."""

from __future__ import annotations

from functools import wraps
from urllib.parse import unquote, urlsplit

from flask import Flask, abort, request
from flask.sessions import SecureCookieSessionInterface
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

LEARNER = "learner"
TRAINER = "trainer"
MANAGER = "manager"
ADMIN = "admin"
ROLES: tuple[str, ...] = (LEARNER, TRAINER, MANAGER, ADMIN)
ROLE_LABELS = {
    LEARNER: _l("Learner"),
    TRAINER: _l("Trainer"),
    MANAGER: _l("Manager"),
    ADMIN: _l("Administrator"),
}


def roles_required(*roles: str):
    """Require a logged-in user holding at least one of ``roles`` (403 otherwise)."""
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles: {sorted(unknown)}")

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def is_admin(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.has_role(ADMIN))


def is_staff(user) -> bool:
    """Trainers, managers and administrators."""
    return bool(getattr(user, "is_authenticated", False) and user.has_role(TRAINER, MANAGER, ADMIN))


def can_author(user) -> bool:
    """Trainers and administrators write courses and quizzes and mark answers."""
    return bool(getattr(user, "is_authenticated", False) and user.has_role(TRAINER, ADMIN))


staff_required = roles_required(TRAINER, MANAGER, ADMIN)


def safe_next_url(target: str | None) -> str | None:
    """Return ``target`` if it is a same-site path, else None.

    Refuses anything a browser could read as another host or a script:
    ``//host``, ``////host``, ``\\\\host``, ``/\\host``, schemes such as ``https:`` or
    ``javascript:``, control characters, and the percent-encoded or
    whitespace-padded spellings of those.
    """
    if not target:
        return None
    if target != target.strip() or len(target) > 2000:
        return None
    # Decode repeatedly so that %2F%2F and %252F%252F cannot hide a second slash.
    decoded = target
    for _ in range(3):
        once = unquote(decoded)
        if once == decoded:
            break
        decoded = once
    for candidate in (target, decoded):
        if any(ord(ch) < 0x21 or ch == "\x7f" for ch in candidate):
            return None
        if "\\" in candidate:
            return None
        if not candidate.startswith("/") or candidate.startswith("//"):
            return None
        parts = urlsplit(candidate)
        if parts.scheme or parts.netloc:
            return None
    return target


CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def register_security_headers(app: Flask) -> None:
    defaults = [
        ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
        ("X-Content-Type-Options", "nosniff"),
        ("X-Frame-Options", "DENY"),
        ("Referrer-Policy", "same-origin"),
        ("Cross-Origin-Opener-Policy", "same-origin"),
        ("Permissions-Policy", "camera=(self), microphone=(), geolocation=()"),
    ]
    if app.config.get("LMS_HTTPS"):
        defaults.append(("Strict-Transport-Security", "max-age=31536000"))

    @app.after_request
    def _headers(response):
        # A view may set its own value (e.g. a stricter CSP for files); the defaults fill the rest.
        present = {name.lower() for name, _value in response.headers.items()}
        missing = [(name, value) for name, value in defaults if name.lower() not in present]
        if request.endpoint != "static" and "cache-control" not in present:
            # Pages may carry personal data: never keep them in shared caches.
            missing.append(("Cache-Control", "no-store"))
        response.headers.extend(missing)
        return response


class SessionCookies(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, with the signing serializer built once per key set
    instead of on every request (opening and saving a session built it twice)."""

    def __init__(self) -> None:
        self._serializers: dict[tuple, object] = {}

    def get_signing_serializer(self, app: Flask):
        key = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        found = self._serializers.get(key)
        if found is None:
            found = super().get_signing_serializer(app)
            if found is not None:
                self._serializers = {key: found}  # a changed key replaces the old one
        return found

"""Creating, revoking and checking API tokens. The caller commits."""

from __future__ import annotations

import hashlib
import secrets

from flask_babel import gettext as _
from sqlalchemy import func, select

from lms.apitokens.models import ApiToken
from lms.core import audit
from lms.core.db import utcnow
from lms.core.errors import ServiceError
from lms.extensions import db

PREFIX = "lms_"
MAX_ACTIVE = 10


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(user, name: str) -> tuple[ApiToken, str]:
    """Create a token; return it with its secret, which is shown only once."""
    name = " ".join((name or "").split())[:100]
    if not name:
        raise ServiceError(_("Give the token a name."), "name")
    active = db.session.scalar(
        select(func.count()).select_from(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    )
    if active >= MAX_ACTIVE:
        raise ServiceError(_("You have too many active tokens; revoke one first."), "name")
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name, prefix=secret[:12], token_hash=_digest(secret))
    db.session.add(token)
    db.session.flush()
    audit.record(user, "api_token.create", "api_token", token.id)
    return token, secret


def revoke_token(user, token: ApiToken, *, as_admin: bool = False) -> None:
    """Revoke ``token``: its owner may, and an administrator may revoke anyone's (``as_admin``)."""
    if token.user_id != user.id and not (as_admin and user.has_role("admin")):
        raise ServiceError(_("This token is not yours."))
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        db.session.flush()
        audit.record(user, "api_token.revoke", "api_token", token.id, owner=token.user_id)


def user_from_bearer(header: str):
    """The active user owning the token in an ``Authorization: Bearer …`` header, or None."""
    scheme, _sep, secret = (header or "").partition(" ")
    secret = secret.strip()
    if scheme.lower() != "bearer" or not secret.startswith(PREFIX) or len(secret) > 200:
        return None
    token = db.session.scalar(
        select(ApiToken).where(ApiToken.token_hash == _digest(secret), ApiToken.revoked_at.is_(None))
    )
    if token is None or token.user is None or not token.user.active:
        return None
    return token.user


def on_credentials_revoked(_sender, *, user, actor=None, **_kwargs) -> int:
    """``credentials_revoked`` receiver: an administrator reset the password of ``user`` or
    deactivated the account; every token of the account is revoked."""
    tokens = list(db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    ))
    for token in tokens:
        token.revoked_at = utcnow()
    db.session.flush()
    if tokens:
        audit.record(actor, "api_token.revoke_all", "user", user.id, count=len(tokens))
    return len(tokens)

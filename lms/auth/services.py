"""Account mutations. Services validate, change and flush; the caller commits."""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select, update
from werkzeug.security import check_password_hash

from lms.auth.models import User, UserRole, UserSession
from lms.core import audit
from lms.core.db import utcnow
from lms.core.errors import ServiceError
from lms.core.phone import looks_like_phone, normalize_phone
from lms.core.security import ADMIN, MANAGER, ROLES, TRAINER
from lms.core.signals import credentials_revoked
from lms.core.text import clean_name
from lms.extensions import db
from lms.registry.models import Person

log = logging.getLogger("lms.auth")

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
# A few passwords that people choose first; the policy refuses them in any case.
_COMMON = {
    "1234567890", "12345678910", "0123456789", "password12", "password123", "matkhau123",
    "abcdefghij", "qwertyuiop", "1111111111", "123456789a", "a123456789", "iloveyou12",
}
# A real hash to compare against when the account does not exist, so that an unknown
# login takes as long as a wrong password.
_DUMMY_HASH = (
    "scrypt:32768:8:1$HzbG9qSAVZIy2ESd$"
    "4bba0a92d6d2e8b8c1b9bc9d0d9ad3a8b8f5d2b8d1c1b0f3e49e16b54cf0fa0f"
    "0b75cc7f8e4b3b8d7a35ec5ff6af5e3e7c8d4b8a0c3b3f76a8bb6c2a8b9c0e1d"
)


def normalize_email(raw: str | None) -> str | None:
    if raw is None:
        return None
    value = raw.strip().lower()
    return value or None


def find_user_by_login(identifier: str) -> User | None:
    """Find a user by e-mail address or by Vietnamese mobile number in any spelling."""
    identifier = (identifier or "").strip()
    if not identifier:
        return None
    if looks_like_phone(identifier):
        phone = normalize_phone(identifier)
        if phone is None:
            return None
        return db.session.scalar(select(User).where(User.phone == phone))
    email = normalize_email(identifier)
    return db.session.scalar(select(User).where(func.lower(User.email) == email))


def active_user(user_id: int) -> User | None:
    """The active user a background job runs as (lms.jobs), or None."""
    user = db.session.get(User, user_id)
    return user if user is not None and user.active else None


def authenticate(identifier: str, password: str) -> tuple[User | None, str | None]:
    """Return ``(user, None)`` on success or ``(None, reason)``; reasons stay generic."""
    user = find_user_by_login(identifier)
    if user is None:
        check_password_hash(_DUMMY_HASH, password or "")
        return None, _("Wrong login or password.")
    if not user.check_password(password or ""):
        return None, _("Wrong login or password.")
    if not user.active:
        return None, _("This account has been deactivated. Please contact your administrator.")
    return user, None


def password_problems(password: str, *, login_names: tuple[str | None, ...] = ()) -> list[str]:
    """The minimum password policy; an empty list means the password is acceptable."""
    problems = []
    min_length = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password) < min_length:
        problems.append(_("Use at least %(n)d characters.", n=min_length))
    if len(password) > 256:
        problems.append(_("Use at most 256 characters."))
    lowered = password.lower()
    if lowered in _COMMON or len(set(password)) < 4:
        problems.append(_("This password is too easy to guess."))
    for name in login_names:
        if name and (lowered == name.lower() or name.lower() in lowered):
            problems.append(_("The password must not contain your e-mail or phone number."))
            break
    return problems


def _check_identifiers(email: str | None, phone_raw: str | None, *, user: User | None = None):
    email = normalize_email(email)
    phone = None
    if phone_raw and phone_raw.strip():
        phone = normalize_phone(phone_raw)
        if phone is None:
            raise ServiceError(_("This is not a valid Vietnamese mobile number."), "phone")
    if email and not _EMAIL.fullmatch(email):
        raise ServiceError(_("This is not a valid e-mail address."), "email")
    if not email and not phone:
        raise ServiceError(_("Give an e-mail address or a phone number."), "email")
    if email:
        other = db.session.scalar(select(User).where(func.lower(User.email) == email))
        if other is not None and other is not user:
            raise ServiceError(_("Another account already uses this e-mail address."), "email")
    if phone:
        other = db.session.scalar(select(User).where(User.phone == phone))
        if other is not None and other is not user:
            raise ServiceError(_("Another account already uses this phone number."), "phone")
    return email, phone


def _check_roles(roles: list[str] | tuple[str, ...]) -> list[str]:
    roles = list(dict.fromkeys(roles))
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        raise ServiceError(_("Unknown role: %(role)s", role=unknown[0]), "roles")
    if not roles:
        raise ServiceError(_("Choose at least one role."), "roles")
    return roles


def create_user(
    *,
    name: str,
    email: str | None = None,
    phone: str | None = None,
    roles: list[str] | tuple[str, ...] = ("learner",),
    password: str | None,
    temporary: bool = False,
    actor: User | None = None,
    person: Person | None = None,
    active: bool = True,
) -> User:
    """Create an account; ``password=None`` makes one that waits for an activation code."""
    name = clean_name(name or "")
    if not name:
        raise ServiceError(_("The name is required."), "name")
    if len(name) > 200:
        raise ServiceError(_("The name is too long."), "name")
    email, phone = _check_identifiers(email, phone)
    roles = _check_roles(roles)
    if password is not None:
        problems = password_problems(password, login_names=(email, phone))
        if problems:
            raise ServiceError(" ".join(problems), "password")
    if person is None:
        if phone:
            person = db.session.scalar(select(Person).where(Person.phone == phone))
        if person is None:
            person = Person(full_name=name, phone=phone, email=email)
            db.session.add(person)
        elif db.session.scalar(select(User.id).where(User.person_id == person.id)):
            raise ServiceError(_("This person already has an account."), "phone")
    user = User(person=person, display_name=name, email=email, phone=phone, active=active)
    if password is None:
        user.set_unusable_password()
    else:
        user.set_password(password, temporary=temporary)
    user.set_roles(roles)
    db.session.add(user)
    db.session.flush()
    audit.record(actor, "user.create", "user", user.id, roles=roles)
    return user


def update_user(
    user: User,
    *,
    name: str,
    email: str | None,
    phone: str | None,
    roles: list[str],
    active: bool,
    temporary_password: str | None = None,
    actor: User | None = None,
) -> User:
    name = clean_name(name or "")
    if not name:
        raise ServiceError(_("The name is required."), "name")
    email, phone = _check_identifiers(email, phone, user=user)
    roles = _check_roles(roles)
    if actor is not None and actor.id == user.id:
        if not active:
            raise ServiceError(_("You cannot deactivate your own account."), "active")
        if "admin" not in roles:
            raise ServiceError(_("You cannot remove your own administrator role."), "roles")
    changes: dict[str, object] = {}
    if user.display_name != name:
        changes["name"] = True
        user.display_name = name
    if user.email != email or user.phone != phone:
        changes["login"] = True
        user.email, user.phone = email, phone
    if user.roles != [r for r in ROLES if r in roles]:
        changes["roles"] = {"old": user.roles, "new": [r for r in ROLES if r in roles]}
        user.set_roles(roles)
    if user.active != active:
        changes["active"] = active
        user.active = active
        if not active:
            user.session_version += 1  # ends every open session
            end_all_sessions(user)
    if temporary_password:
        problems = password_problems(temporary_password, login_names=(email, phone))
        if problems:
            raise ServiceError(" ".join(problems), "temporary_password")
        user.set_password(temporary_password, temporary=True)
        end_all_sessions(user)
        changes["password_reset"] = True
    db.session.flush()
    if changes.get("password_reset") or changes.get("active") is False:
        # Other credentials of the account (API tokens) end too: lms.apitokens listens.
        credentials_revoked.send(current_app._get_current_object(), user=user, actor=actor)
    if changes:
        audit.record(actor, "user.update", "user", user.id, **changes)
    return user


def change_password(user: User, current: str, new: str) -> None:
    if not user.check_password(current or ""):
        raise ServiceError(_("The current password is not correct."), "current_password")
    if current == new:
        raise ServiceError(_("Choose a password different from the current one."), "new_password")
    problems = password_problems(new, login_names=(user.email, user.phone))
    if problems:
        raise ServiceError(" ".join(problems), "new_password")
    user.set_password(new, temporary=False)
    end_all_sessions(user)  # the view starts a new session for this device
    db.session.flush()
    audit.record(user, "user.password_change", "user", user.id)


def update_profile(user: User, *, display_name: str, locale: str | None) -> None:
    name = clean_name(display_name or "")
    if not name:
        raise ServiceError(_("The name is required."), "display_name")
    if len(name) > 200:
        raise ServiceError(_("The name is too long."), "display_name")
    user.display_name = name
    if locale in current_app.config["LANGUAGES"]:
        user.locale = locale
    db.session.flush()


def record_login(user: User) -> None:
    user.last_login_at = utcnow()
    db.session.flush()


def on_people_imported(_sender, *, created: list[int], actor=None, create_accounts: bool = False,
                       **_kwargs) -> int:
    """``people_imported`` receiver: learner accounts (phone login, no usable password) for
    the people a registry file added, when the import asked for them. Nobody knows a password
    for them: each person sets their own with an activation code (lms.onboarding)."""
    if not create_accounts or not created:
        return 0
    made = 0
    for person in db.session.scalars(select(Person).where(Person.id.in_(created), Person.phone.is_not(None))):
        if db.session.scalar(select(User.id).where(User.phone == person.phone)):
            continue
        create_user(name=person.full_name, phone=person.phone, email=None, roles=("learner",),
                    password=None, actor=actor, person=person)
        made += 1
    return made


def staff_person_ids() -> list[int]:
    """``registry.protected_people`` provider: the people behind trainer, manager and
    administrator accounts, whom only an administrator may change through an import."""
    return list(db.session.scalars(
        select(User.person_id).join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role.in_((TRAINER, MANAGER, ADMIN))).distinct()
    ))


# --- sessions (one row per login; see UserSession) ----------------------------------------


def session_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(user: User) -> str:
    """A new server-side session for ``user``; returns the token for the session cookie."""
    token = secrets.token_urlsafe(32)
    db.session.add(UserSession(user_id=user.id, token_hash=session_token_hash(token)))
    db.session.flush()
    return token


def session_state(user_id: int, token: str | None, *, now: datetime | None = None) -> UserSession | None:
    """The live session of ``user_id`` with this token, or None (unknown, ended, idle for
    longer than ``SESSION_IDLE_MINUTES``, or older than ``SESSION_MAX_HOURS``)."""
    if not token:
        return None
    row = db.session.scalar(select(UserSession).where(UserSession.token_hash == session_token_hash(token)))
    if row is None or not session_is_live(user_id, row.user_id, row.ended_at, row.last_seen_at, row.created_at,
                                          now=now):
        return None
    return row


def session_is_live(user_id: int, owner_id: int | None, ended_at: datetime | None, last_seen_at: datetime | None,
                    created_at: datetime | None, *, now: datetime | None = None) -> bool:
    """Whether a server-side session (its row's values) still logs ``user_id`` in."""
    if owner_id is None or owner_id != user_id or ended_at is not None:
        return False
    now = now or utcnow()
    config = current_app.config
    if now - last_seen_at > timedelta(minutes=config["SESSION_IDLE_MINUTES"]):
        return False
    return now - created_at <= timedelta(hours=config["SESSION_MAX_HOURS"])


def touch_session(session_id: int) -> None:
    """Record activity on a session, in a short transaction of its own (after a response)."""
    with db.engine.begin() as conn:
        conn.execute(update(UserSession).where(UserSession.id == session_id).values(last_seen_at=utcnow()))


def end_session(token: str | None) -> None:
    """Logout: the session of this token ends on the server (every copy of the cookie)."""
    if token:
        db.session.execute(
            update(UserSession).where(UserSession.token_hash == session_token_hash(token),
                                      UserSession.ended_at.is_(None)).values(ended_at=utcnow())
        )
        db.session.flush()


def end_other_sessions(user: User, keep: str | None = None) -> int:
    """End every session of ``user`` except the one whose token is ``keep`` (e.g. after a
    password change on this device); returns how many ended."""
    stmt = update(UserSession).where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
    if keep:
        stmt = stmt.where(UserSession.token_hash != session_token_hash(keep))
    result = db.session.execute(stmt.values(ended_at=utcnow()))
    db.session.flush()
    return result.rowcount or 0


def end_all_sessions(user: User) -> int:
    """End every session of ``user`` (password reset by an administrator, deactivation)."""
    return end_other_sessions(user, keep=None)


def active_sessions(user: User) -> list[UserSession]:
    return list(db.session.scalars(
        select(UserSession).where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
        .order_by(UserSession.last_seen_at.desc())
    ))

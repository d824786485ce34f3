"""User accounts and their roles."""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from lms.core.db import UTCDateTime, utcnow
from lms.core.security import ROLES
from lms.extensions import db
from lms.registry.models import Person

# A password hash that no password matches (Werkzeug hashes never start with "!").
UNUSABLE_PASSWORD = "!"  # noqa: S105 - a marker, not a password


class UserRole(db.Model):
    __tablename__ = "user_role"
    __table_args__ = (
        CheckConstraint("role IN ('learner', 'trainer', 'manager', 'admin')", name="role_known"),
    )

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(20), primary_key=True)


class User(UserMixin, db.Model):
    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), unique=True)
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    phone: Mapped[str | None] = mapped_column(String(20), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="1")
    must_change_password: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default="0"
    )
    # Bumped when the password changes or the account is deactivated: every session
    # cookie carries it, so older sessions stop working.
    session_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    locale: Mapped[str | None] = mapped_column(String(5))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    person: Mapped[Person] = relationship()
    role_rows: Mapped[list[UserRole]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by=UserRole.role
    )

    __table_args__ = (
        CheckConstraint("email IS NOT NULL OR phone IS NOT NULL", name="has_login"),
    )

    def __repr__(self) -> str:
        return f"<User {self.id}>"

    # Flask-Login -------------------------------------------------------------
    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return bool(self.active)

    # Roles -------------------------------------------------------------------
    @property
    def roles(self) -> list[str]:
        return [r.role for r in self.role_rows]

    def set_roles(self, roles: list[str] | set[str]) -> None:
        wanted = [r for r in ROLES if r in set(roles)]
        keep = {r.role: r for r in self.role_rows}
        self.role_rows = [keep.get(r) or UserRole(role=r) for r in wanted]

    def has_role(self, *roles: str) -> bool:
        mine = set(self.roles)
        return any(r in mine for r in roles)

    # Passwords ---------------------------------------------------------------
    def set_password(self, password: str, *, temporary: bool = False) -> None:
        # Werkzeug's default (scrypt) unless the test configuration asks for a cheap one.
        method = current_app.config.get("PASSWORD_HASH_METHOD")
        self.password_hash = (
            generate_password_hash(password, method=method) if method else generate_password_hash(password)
        )
        self.must_change_password = temporary
        self.session_version = (self.session_version or 0) + 1

    def set_unusable_password(self) -> None:
        """No password can log in (an account waiting for its activation code)."""
        self.password_hash = UNUSABLE_PASSWORD
        self.must_change_password = False
        self.session_version = (self.session_version or 0) + 1

    @property
    def has_usable_password(self) -> bool:
        return not (self.password_hash or UNUSABLE_PASSWORD).startswith(UNUSABLE_PASSWORD)

    def check_password(self, password: str) -> bool:
        if not self.has_usable_password:
            return False
        return check_password_hash(self.password_hash, password)

    @property
    def login_name(self) -> str:
        return self.email or self.phone or ""


class UserSession(db.Model):
    """One login: the browser's session cookie carries the token, the server keeps its hash.

    Logging out, an administrator's password reset or a deactivation ends the row, so a
    copied cookie stops working; a session also ends after ``SESSION_IDLE_MINUTES`` without
    a request and ``SESSION_MAX_HOURS`` after the login. Rows live in the database, so every
    app server sees the same sessions.
    """

    __tablename__ = "user_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

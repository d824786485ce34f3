"""Rate limits that hold for the whole installation: a moving window kept in the database.

Flask-Limiter's default ``memory://`` storage counts per worker process (``make run``
starts two, so a limit of 10 let 15 tries through), and its fixed window allows twice the
limit around a window's edge. The sensitive endpoints (login, ``/verify``, check-in)
therefore count here instead: one row per accepted try in ``rate_limit_hit``, shared by
every worker and app server, and a try is refused when the window that ends now already
holds ``limit`` tries (a moving window). Refused tries are not recorded, so a caller who
keeps trying is let through again as soon as its oldest try leaves the window.

Each try is committed at once, before the view runs (so it counts even when the request
then fails; this is the one commit outside ``unit_of_work``). Concurrent tries for the same key are serialised: by an advisory lock on
PostgreSQL, by SQLite's write lock otherwise. Keys are stored hashed.

    @rate_limited("login-pair", lambda: current_app.config["LOGIN_RATE_LIMIT"], key=...)
"""

from __future__ import annotations

import hashlib
import logging
import random
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import wraps

from flask import abort, request
from sqlalchemy import Index, String, delete, func, insert, select, text
from sqlalchemy.orm import Mapped, mapped_column

from lms.core.db import UTCDateTime, utcnow
from lms.extensions import db

log = logging.getLogger("lms.ratelimit")

_UNITS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}
_LIMIT_RE = re.compile(r"^\s*(\d+)\s*(?:/|per)\s*(\d+)?\s*(second|minute|hour|day)s?\s*$")


class RateLimitHit(db.Model):
    """One accepted try of a rate-limited action."""

    __tablename__ = "rate_limit_hit"
    __table_args__ = (Index("ix_rate_limit_hit_scope_key_at", "scope", "key", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(64))  # sha256 of the caller's key
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


def parse_limit(spec: str) -> list[tuple[int, int]]:
    """``"10/minute"``, ``"30 per 5 minutes"``, ``"10/minute;60/hour"`` → [(count, seconds), …]
    (several limits separated by ``;`` or ``,``, as Flask-Limiter writes them: all must hold)."""
    limits = []
    for part in re.split(r"[;,]", spec or ""):
        found = _LIMIT_RE.match(part)
        if not found:
            raise ValueError(f"not a rate limit: {spec!r} (e.g. 10/minute or 10/minute;60/hour)")
        count, number, unit = found.groups()
        limits.append((int(count), int(number or 1) * _UNITS[unit]))
    return limits


def _digest(scope: str, key: str) -> str:
    return hashlib.sha256(f"{scope}\x00{key}".encode()).hexdigest()


def hit(scope: str, key: str, spec: str, *, now: datetime | None = None) -> bool:
    """Record a try of ``scope`` by ``key`` if the moving window allows it; False when the
    window already holds the limit (nothing is recorded then)."""
    limits = parse_limit(spec)
    now = now or utcnow()
    digest = _digest(scope, key)
    table = RateLimitHit.__table__
    conn = db.session
    if conn.get_bind().dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:k, 0))"), {"k": digest})
    # Insert first: on SQLite this takes the write lock, so a concurrent try waits here
    # and then sees this row.
    row_id = conn.execute(insert(table).values(scope=scope, key=digest, at=now).returning(table.c.id)).scalar()
    mine = (table.c.scope == scope) & (table.c.key == digest)
    allowed = all(
        conn.execute(select(func.count()).select_from(table).where(mine, table.c.at > now - timedelta(seconds=seconds)))
        .scalar() <= count
        for count, seconds in limits
    )
    if not allowed:
        conn.execute(delete(table).where(table.c.id == row_id))
    # Old tries of this key leave; now and then, everyone's (a day is longer than any window).
    longest = max(seconds for _count, seconds in limits)
    conn.execute(delete(table).where(mine, table.c.at <= now - timedelta(seconds=longest)))
    if random.random() < 0.01:  # noqa: S311 - housekeeping, not security
        conn.execute(delete(table).where(table.c.at < now - timedelta(days=max(1, longest // 86400 + 1))))
    # The limiter's own commit, before the view runs: the try counts even if the request
    # then fails, and the lock is held only for these statements.
    conn.commit()
    if not allowed:
        log.info("rate limit %s reached (%s)", scope, spec)
    return allowed


def remote_address() -> str:
    return request.remote_addr or "unknown"


def rate_limited(scope: str, spec: Callable[[], str], key: Callable[[], str | None] = remote_address,
                 methods: tuple[str, ...] = ("POST",)):
    """Refuse the view with 429 when ``key()`` has used up ``spec()`` for ``scope``.
    ``key()`` returning None skips the limit for this request."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if request.method in methods:
                caller = key()
                if caller is not None and not hit(scope, caller, spec()):
                    abort(429)
            return view(*args, **kwargs)

        return wrapped

    return decorator

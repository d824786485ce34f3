"""Test applications: how the ``app`` fixture and module-scoped worlds make and empty one."""

from __future__ import annotations

from sqlalchemy import text

from lms import create_app
from lms.extensions import db


def make_test_app(database_url: str, app_config: dict | None = None):
    """An application configured for tests (the ``app`` fixture, and module-scoped worlds)."""
    config = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "LOGIN_RATE_LIMIT": "1000/minute",
        "LOGIN_ADDRESS_RATE_LIMIT": "1000/minute",
        "LOGIN_ACCOUNT_RATE_LIMIT": "1000/minute",
        "CHECKIN_RATE_LIMIT": "1000/minute",
        "PASSWORD_MIN_LENGTH": 10,
        # Hashing cost is not under test; Werkzeug's default stays in production.
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        # The neutral answers' time floor (tests that check it set their own).
        "NEUTRAL_RESPONSE_MS": 0,
    }
    config.update(app_config or {})
    return create_app(config)


def _empty_tables(app) -> None:
    with app.app_context():
        db.session.remove()
        tables = list(reversed(db.metadata.sorted_tables))
        with db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                names = ", ".join(f'"{t.name}"' for t in tables)
                conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            else:
                for table in tables:
                    conn.execute(table.delete())
        db.engine.dispose()


def empty_tables(app) -> None:
    """Teardown for an application made with ``make_test_app``: every table emptied."""
    _empty_tables(app)

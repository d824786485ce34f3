"""Shared fixtures.

The suite runs on SQLite by default and on PostgreSQL when LMS_TEST_DATABASE_URL is
set. The schema is created once per session; every test starts from empty tables.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

os.environ.setdefault("LMS_SECRET_KEY", "test-secret-key-not-for-production")

from lms import create_app  # noqa: E402
from lms.extensions import db, limiter  # noqa: E402

CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
PASSWORD = "correct-horse-battery"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    url = os.environ.get("LMS_TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


@pytest.fixture(scope="session")
def _schema(database_url) -> Iterator[None]:
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        db.drop_all()
        db.create_all()
    yield
    with app.app_context():
        db.drop_all()
        db.engine.dispose()


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


@pytest.fixture
def app_config() -> dict:
    """Override in a test module (or parametrize) to change the configuration."""
    return {}


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


def empty_tables(app) -> None:
    """Teardown for an application made with ``make_test_app``: every table emptied."""
    limiter.reset()
    _empty_tables(app)


@pytest.fixture
def app(database_url, _schema, app_config, tmp_path):
    app = make_test_app(database_url, app_config)
    limiter.reset()
    yield app
    empty_tables(app)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def csrf_token(client, url: str = "/login") -> str:
    """The CSRF token of the client's session, read from a page's form."""
    response = client.get(url)
    match = CSRF_RE.search(response.get_data(as_text=True))
    assert match, f"no CSRF token on {url} ({response.status_code})"
    return match.group(1)


def post_form(client, url: str, data: dict, *, token_from: str | None = None, **kwargs):
    """POST a form the way a browser does: with the CSRF token of the page."""
    payload = dict(data)
    payload["csrf_token"] = csrf_token(client, token_from or url)
    return client.post(url, data=payload, **kwargs)


def login(client, login_name: str, password: str = PASSWORD, **kwargs):
    return post_form(client, "/login", {"login": login_name, "password": password}, **kwargs)


def user_factory(app):
    """``factory(roles=("trainer",), email=..., phone=...)`` → a committed, detached User."""
    from lms.auth import services

    counter = {"n": 0}

    def factory(roles=("learner",), email=None, phone=None, name=None, password=PASSWORD,
                temporary=False, active=True):
        counter["n"] += 1
        n = counter["n"]
        if email is None and phone is None:
            email = f"user{n}@example.vn"
        with app.app_context():
            user = services.create_user(
                name=name or f"Người dùng {n}", email=email, phone=phone, roles=list(roles),
                password=password, temporary=temporary,
            )
            user.active = active
            db.session.commit()
            db.session.refresh(user)
            db.session.expunge(user)
            return user

    return factory


@pytest.fixture
def make_user(app):
    """Factory: ``make_user(roles=("trainer",), email=..., phone=...)`` → User."""
    return user_factory(app)


def role_users(make_user) -> dict:
    """One user per role, with predictable logins (``<role>@example.vn``)."""
    return {
        "learner": make_user(("learner",), email="learner@example.vn"),
        "trainer": make_user(("trainer",), email="trainer@example.vn"),
        "manager": make_user(("manager",), email="manager@example.vn"),
        "admin": make_user(("admin",), email="admin@example.vn"),
    }


@pytest.fixture
def users(make_user):
    """One user per role, with predictable logins."""
    return role_users(make_user)


def pytest_collection_modifyitems(config, items):
    for item in items:
        if Path(str(item.fspath)).parts[-2:-1] == ("browser",):
            item.add_marker(pytest.mark.browser)

"""Shared fixtures.

The suite runs on SQLite by default and on PostgreSQL when LMS_TEST_DATABASE_URL is
set. The schema is created once per session; every test starts from empty tables.
Conftest modules hold fixtures only; plain helpers live in ``tests/support``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("LMS_SECRET_KEY", "test-secret-key-not-for-production")


def _database_per_worker() -> None:
    """Under pytest-xdist (``make test`` runs one process per core), each worker process gets
    a PostgreSQL database of its own, ``<database>_<worker>`` (created when missing), through
    LMS_TEST_DATABASE_URL itself, so that the tests which start servers or workers of their
    own read the same one. SQLite needs nothing: each worker has its own temporary folder."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    url = os.environ.get("LMS_TEST_DATABASE_URL", "")
    if not worker or not url.startswith("postgresql"):
        return
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    base = make_url(url)
    name = f"{base.database}_{worker}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            if not conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}):
                conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    os.environ["LMS_TEST_DATABASE_URL"] = base.set(database=name).render_as_string(hide_password=False)


_database_per_worker()

from lms import create_app  # noqa: E402
from lms.extensions import db  # noqa: E402
from tests.support.apps import empty_tables, make_test_app  # noqa: E402
from tests.support.users import role_users, user_factory  # noqa: E402


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


@pytest.fixture
def app_config() -> dict:
    """Override in a test module (or parametrize) to change the configuration."""
    return {}


@pytest.fixture
def app(database_url, _schema, app_config, tmp_path):
    app = make_test_app(database_url, app_config)
    yield app
    empty_tables(app)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make_user(app):
    """Factory: ``make_user(roles=("trainer",), email=..., phone=...)`` → User."""
    return user_factory(app)


@pytest.fixture
def users(make_user):
    """One user per role, with predictable logins."""
    return role_users(make_user)


def pytest_collection_modifyitems(config, items):
    for item in items:
        if Path(str(item.fspath)).parts[-2:-1] == ("browser",):
            item.add_marker(pytest.mark.browser)

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

"""Migrations: empty database → head, models and database agree, head → base.

Runs on SQLite, and on PostgreSQL (in a database of its own) when
LMS_TEST_DATABASE_URL points at one.
"""

from __future__ import annotations

import os
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from lms import create_app
from lms.extensions import db


@pytest.fixture
def empty_database_url(tmp_path):
    base = os.environ.get("LMS_TEST_DATABASE_URL")
    if not base or not base.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return
    name = f"lms_migrations_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_upgrade_compare_downgrade(empty_database_url):
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": empty_database_url})
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(context, db.metadata)
        assert diff == [], f"models and migrations differ: {diff}"

        downgrade(revision="base")
        with db.engine.connect() as conn:
            leftover = set(inspect(conn).get_table_names()) - {"alembic_version"}
        assert leftover == set()

        upgrade()  # and back up again, cleanly
        with db.engine.connect() as conn:
            assert "user" in inspect(conn).get_table_names()
        db.engine.dispose()

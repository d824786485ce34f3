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


# --- Round trip with data -------------------------------------------------------------
#
# Seed at head (bundled courses and quizzes imported, then `seed-demo`), then:
#  1. downgrade one revision and upgrade back: every table that exists at both ends (all
#     tables except those the newest revision creates) has the same rows;
#  2. downgrade one revision at a time down to the first: after each step every table
#     still there has exactly the rows it had at head;
#  3. upgrade back to head: the first revision's tables still have those rows.
# "The same rows" means: the row count, and the value of every column that exists at both
# ends, in every row (all rows, not a sample; ordered by primary key), as read back by
# SQLAlchemy Core. Timestamps, JSON, booleans and text (Vietnamese included) are compared
# as the driver returns them. Columns that a later revision adds to an older table go
# away on the way down (that is the downgrade's job) and are not compared there.


def _snapshot(engine) -> dict[str, list[dict]]:
    from sqlalchemy import MetaData, select

    meta = MetaData()
    meta.reflect(bind=engine)
    out = {}
    with engine.connect() as conn:
        for name, table in meta.tables.items():
            if name == "alembic_version":
                continue
            order = list(table.primary_key.columns) or list(table.columns)
            out[name] = [dict(row._mapping) for row in conn.execute(select(table).order_by(*order))]
    return out


def _seed(app) -> None:
    runner = app.test_cli_runner()
    for args in (["lms", "import-courses"], ["lms", "import-quizzes"], ["lms", "seed-demo"]):
        result = runner.invoke(args=args)
        assert result.exit_code == 0, (args, result.output)


def _same(head: dict, now: dict, tables: set[str], bottom: dict | None = None) -> None:
    """``bottom``: the snapshot at the lowest revision passed; only its columns are compared."""
    for name in sorted(tables):
        assert len(now[name]) == len(head[name]), f"{name}: {len(head[name])} rows at head, {len(now[name])} now"
        if not head[name]:
            continue
        common = set(head[name][0]) & set(now[name][0])
        if bottom is not None:
            common &= set(bottom[name][0])
        assert common, name
        project = [[{c: row[c] for c in sorted(common)} for row in rows] for rows in (head[name], now[name])]
        assert project[1] == project[0], f"{name}: values changed"


def test_round_trip_keeps_the_data(empty_database_url):
    from alembic.script import ScriptDirectory

    from lms.extensions import migrate

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": empty_database_url,
                      "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    with app.app_context():
        upgrade()
        _seed(app)
        db.session.remove()
        head = _snapshot(db.engine)
        filled = {name for name, rows in head.items() if rows}
        # The seed reaches the tables that matter (a round trip of empty tables proves little).
        for name in ("user", "person", "course", "lesson", "quiz", "quiz_question", "quiz_attempt", "certificate",
                     "course_completion", "admin_unit", "organisation"):
            assert name in filled, f"the seed left {name} empty"

        script = ScriptDirectory.from_config(migrate.get_config())
        revisions = [rev.revision for rev in script.walk_revisions()]  # newest first
        assert len(revisions) >= 2

        # 1. one step down and back up
        downgrade(revision="-1")
        low = _snapshot(db.engine)
        _same(head, low, set(low))
        upgrade()
        _same(head, _snapshot(db.engine), set(low), bottom=low)

        # 2. one step at a time down to the first revision
        for _ in revisions[1:]:
            downgrade(revision="-1")
            now = _snapshot(db.engine)
            _same(head, now, set(now))
        low = _snapshot(db.engine)
        assert "user" in low and "audit_log" in low

        # 3. back to head
        upgrade()
        _same(head, _snapshot(db.engine), set(low), bottom=low)
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn)
            assert context.get_current_revision() == revisions[0]
        db.engine.dispose()

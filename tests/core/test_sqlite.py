"""SQLite connection set-up: WAL, foreign keys, busy timeout, BEGIN IMMEDIATE for writes."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import event, text

from lms import create_app
from lms.extensions import db


@pytest.fixture
def sqlite_app(tmp_path):
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}"})
    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.engine.dispose()


def test_pragmas(sqlite_app):
    with sqlite_app.app_context():
        assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert db.session.execute(text("PRAGMA busy_timeout")).scalar() >= 1000


def _begins(app, method: str) -> list[str]:
    seen: list[str] = []
    with app.app_context():
        engine = db.engine

        def listener(conn, cursor, statement, *args):
            if statement.startswith("BEGIN"):
                seen.append(statement)

        event.listen(engine, "before_cursor_execute", listener)
        try:
            with app.test_request_context("/", method=method):
                db.session.execute(text("SELECT 1"))
                db.session.rollback()
        finally:
            event.remove(engine, "before_cursor_execute", listener)
    return seen


def test_write_requests_begin_immediate_and_reads_do_not(sqlite_app):
    assert _begins(sqlite_app, "POST") == ["BEGIN IMMEDIATE"]
    assert _begins(sqlite_app, "GET") == ["BEGIN"]


def test_concurrent_writers_wait_instead_of_failing(sqlite_app):
    """Two write transactions that read first then write: neither gets SQLITE_BUSY."""
    from lms.registry.models import Person

    errors: list[Exception] = []

    def writer(n: int):
        try:
            with sqlite_app.test_request_context("/", method="POST"):
                db.session.execute(text("SELECT count(*) FROM person")).scalar()
                time.sleep(0.2)  # hold the transaction open while the other one waits
                db.session.add(Person(full_name=f"P{n}"))
                db.session.commit()
                db.session.remove()
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with sqlite_app.app_context():
        assert db.session.execute(text("SELECT count(*) FROM person")).scalar() == 4

"""flask lms backup / restore: consistent under a concurrent writer, round trip, refusals.

These tests use a SQLite file of their own (the backup is SQLite's online backup API),
whatever LMS_TEST_DATABASE_URL says; the PostgreSQL case is the refusal message.
"""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest
from flask_migrate import upgrade
from sqlalchemy import func, select

from lms import create_app
from lms.extensions import db


@pytest.fixture
def sqlite_app(tmp_path):
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'live.db'}",
                      "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    with app.app_context():
        upgrade()
        db.engine.dispose()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _invoke(app, *args):
    return app.test_cli_runner().invoke(args=["lms", *args])


def _people(app) -> list[str]:
    from lms.registry.models import Person

    with app.app_context():
        names = list(db.session.scalars(select(Person.full_name).order_by(Person.full_name)))
        db.session.remove()
        return names


def _add_person(app, name: str) -> None:
    from lms.registry.models import Person

    with app.app_context():
        db.session.add(Person(full_name=name))
        db.session.commit()
        db.session.remove()


def test_backup_is_consistent_under_a_concurrent_writer(sqlite_app, tmp_path):
    """Each writer transaction adds a person and an audit entry; every backup has equal counts."""
    from lms.core.audit import AuditLog, record
    from lms.registry.models import Person

    stop = threading.Event()
    written = {"n": 0}
    errors: list[BaseException] = []

    def writer():
        try:
            with sqlite_app.app_context():
                while not stop.is_set():
                    person = Person(full_name=f"Người {written['n']}")
                    db.session.add(person)
                    db.session.flush()
                    record(None, "bench.pair", "person", person.id)
                    db.session.commit()
                    written["n"] += 1
                db.session.remove()
                db.engine.dispose()
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)

    thread = threading.Thread(target=writer)
    thread.start()
    copies = []
    try:
        deadline = time.monotonic() + 20
        while written["n"] < 5 and time.monotonic() < deadline:
            time.sleep(0.01)
        for i in range(4):
            target = tmp_path / f"copy{i}.db"
            result = _invoke(sqlite_app, "backup", str(target))
            assert result.exit_code == 0, result.output
            assert "integrity check ok" in result.output
            copies.append(target)
            time.sleep(0.05)
    finally:
        stop.set()
        thread.join(timeout=30)
    assert not errors, errors
    assert written["n"] >= 5
    counts = []
    for copy in copies:
        conn = sqlite3.connect(copy)
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)  # one self-contained file
        people = conn.execute("SELECT count(*) FROM person").fetchone()[0]
        pairs = conn.execute("SELECT count(*) FROM audit_log WHERE action = 'bench.pair'").fetchone()[0]
        conn.close()
        assert people == pairs, (copy, people, pairs)
        counts.append(people)
    assert counts == sorted(counts) and counts[-1] > 0
    with sqlite_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditLog)) == written["n"]
        db.session.remove()
    assert not list(tmp_path.glob(".lms-backup-*"))  # no temporary file left behind


def test_restore_round_trip(sqlite_app, tmp_path):
    _add_person(sqlite_app, "Nguyễn Thị Hường")
    _add_person(sqlite_app, "Trần Văn Bình")
    target = tmp_path / "before.db"
    assert _invoke(sqlite_app, "backup", str(target)).exit_code == 0
    _add_person(sqlite_app, "Added after the backup")
    assert len(_people(sqlite_app)) == 3

    result = _invoke(sqlite_app, "restore", str(target))
    assert result.exit_code == 0, result.output
    assert "0005_assessments" in result.output or "revision" in result.output
    assert _people(sqlite_app) == ["Nguyễn Thị Hường", "Trần Văn Bình"]
    # The restored database is usable and still in WAL mode.
    _add_person(sqlite_app, "After restore")
    assert len(_people(sqlite_app)) == 3
    with sqlite_app.app_context():
        assert db.session.execute(db.text("PRAGMA journal_mode")).scalar() == "wal"
        db.session.remove()


def test_backup_refuses_to_overwrite_without_the_flag(sqlite_app, tmp_path):
    target = tmp_path / "exists.db"
    target.write_bytes(b"keep me")
    result = _invoke(sqlite_app, "backup", str(target))
    assert result.exit_code != 0 and "already exists" in result.output
    assert target.read_bytes() == b"keep me"
    assert _invoke(sqlite_app, "backup", str(target), "--overwrite").exit_code == 0
    assert target.read_bytes()[:15] == b"SQLite format 3"


def _corrupt_copy(sqlite_app, tmp_path):
    good = tmp_path / "good.db"
    for n in range(300):
        _add_person(sqlite_app, f"Người số {n} " + "x" * 200)
    assert _invoke(sqlite_app, "backup", str(good)).exit_code == 0
    data = bytearray(good.read_bytes())
    # Smash the middle pages (b-tree pages of the tables), keep the header valid.
    for offset in range(len(data) // 3, len(data) // 3 * 2, 97):
        data[offset] = (data[offset] + 0x5A) % 256
    bad = tmp_path / "corrupt.db"
    bad.write_bytes(bytes(data))
    return bad


@pytest.mark.parametrize("kind", ["random", "not-lms", "corrupt", "missing"])
def test_restore_refuses_bad_files_and_changes_nothing(sqlite_app, tmp_path, kind):
    _add_person(sqlite_app, "Kept")
    if kind == "random":
        path = tmp_path / "random.db"
        path.write_bytes(b"this is not a database at all" * 100)
        expected = "not a SQLite database"
    elif kind == "not-lms":
        path = tmp_path / "other.db"
        conn = sqlite3.connect(path)
        conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
        conn.commit()
        conn.close()
        expected = "not an OCOP LMS database"
    elif kind == "corrupt":
        path = _corrupt_copy(sqlite_app, tmp_path)
        expected = "corrupt"
    else:
        path = tmp_path / "nope.db"
        expected = "no such file"
    before = _people(sqlite_app)
    result = _invoke(sqlite_app, "restore", str(path))
    assert result.exit_code != 0
    assert expected in result.output or (kind == "corrupt" and "integrity check failed" in result.output), result.output
    assert "Traceback" not in result.output
    assert _people(sqlite_app) == before


def test_restore_is_refused_in_production_without_force(sqlite_app, tmp_path):
    target = tmp_path / "b.db"
    assert _invoke(sqlite_app, "backup", str(target)).exit_code == 0
    _add_person(sqlite_app, "Added")
    sqlite_app.config["LMS_ENV"] = "production"
    result = _invoke(sqlite_app, "restore", str(target))
    assert result.exit_code != 0 and "--force" in result.output
    assert _people(sqlite_app) == ["Added"]
    assert _invoke(sqlite_app, "restore", str(target), "--force").exit_code == 0
    assert _people(sqlite_app) == []


def test_backup_on_postgresql_points_to_pg_dump():
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://u@127.0.0.1:1/none"})
    for args in (["backup", "/tmp/x.db"], ["restore", "/tmp/x.db"]):  # noqa: S108 - never written
        result = _invoke(app, *args)
        assert result.exit_code != 0
        assert "pg_dump" in result.output and "docs/deploy.md" in result.output

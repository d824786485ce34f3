"""gunicorn.conf.py: the app is preloaded in the master, and database connections never
cross the fork (SQLite and PostgreSQL).

The hooks are called the way gunicorn calls them: ``when_ready`` in the master after the
app is loaded, ``post_fork`` in a real forked child.
"""

from __future__ import annotations

import gc
import os
import runpy
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import text

from lms.extensions import db

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _unfreeze():
    """when_ready freezes the garbage collector's objects (for the workers): undo it here."""
    yield
    gc.unfreeze()


def load_conf() -> dict:
    return runpy.run_path(str(ROOT / "gunicorn.conf.py"))


def gunicorn_server(app, preload: bool = True):
    """What the hooks read of gunicorn's Arbiter: its settings and the loaded app."""
    return SimpleNamespace(cfg=SimpleNamespace(preload_app=preload), app=SimpleNamespace(wsgi=lambda: app))


def pooled_connection(app):
    """Open a connection and give it back to the pool; the DBAPI connection object."""
    with app.app_context():
        with db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            dbapi = conn.connection.dbapi_connection
        assert db.engine.pool.checkedin() == 1
    return dbapi


def test_settings_of_make_run():
    conf = load_conf()
    assert conf["preload_app"] is True and conf["worker_class"] == "sync" and conf["wsgi_app"] == "wsgi:app"
    makefile = (ROOT / "Makefile").read_text()
    assert "gunicorn --config gunicorn.conf.py" in makefile


def test_master_closes_its_connections_before_forking(app):
    pooled_connection(app)
    load_conf()["when_ready"](gunicorn_server(app))
    with app.app_context():
        assert db.engine.pool.checkedin() == 0


def test_forked_worker_drops_the_inherited_pool_without_closing_the_masters_connection(app):
    conf = load_conf()
    parent_connection = pooled_connection(app)
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the worker: never returns into pytest
        status = b"?"
        try:
            conf["post_fork"](gunicorn_server(app), None)
            with app.app_context():
                inherited = db.engine.pool.checkedin()
                with db.engine.connect() as conn:  # a connection of its own
                    ok = conn.execute(text("SELECT 1")).scalar() == 1
                    own = conn.connection.dbapi_connection is not parent_connection
            status = b"ok" if (inherited == 0 and ok and own) else f"{inherited} {ok} {own}".encode()
        except BaseException as exc:  # noqa: BLE001 - reported to the parent
            status = repr(exc).encode()[:500]
        finally:
            os.write(write_end, status)
            os._exit(0)
    os.close(write_end)
    _, exit_status = os.waitpid(pid, 0)
    with os.fdopen(read_end, "rb") as pipe:
        assert pipe.read().decode() == "ok"
    assert os.waitstatus_to_exitcode(exit_status) == 0
    # The master's pooled connection was neither closed nor replaced (on PostgreSQL a close
    # from the child would have ended this session; pool_pre_ping would then reconnect).
    with app.app_context():
        with db.engine.connect() as conn:
            assert conn.connection.dbapi_connection is parent_connection
            assert conn.execute(text("SELECT 1")).scalar() == 1


def test_hooks_leave_other_apps_alone():
    """The benchmarks' bare Flask app runs with the same settings: nothing to dispose."""
    from flask import Flask

    conf = load_conf()
    bare = Flask("bare")
    conf["when_ready"](gunicorn_server(bare))
    conf["post_fork"](gunicorn_server(bare), None)
    conf["post_fork"](gunicorn_server(None, preload=False), None)

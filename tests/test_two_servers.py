"""Two app servers, one PostgreSQL database: no state lives in an app process.

A learner logs in on server A, enrols and marks a lesson done on server B, and sees the
progress on server A, with one cookie jar (as behind a load balancer). Runs only against
PostgreSQL (LMS_TEST_DATABASE_URL), the database several app servers share in production
(docs/deploy.md); .ci/run runs it there.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.courses import run_import, write_course
from tests.support.http import Browser
from tests.support.users import PASSWORD

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(
    not os.environ.get("LMS_TEST_DATABASE_URL", "").startswith("postgresql"),
    reason="needs LMS_TEST_DATABASE_URL pointing at PostgreSQL (app servers share one PostgreSQL database)",
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(database_url: str, port: int, log: Path, **extra_env: str) -> subprocess.Popen:
    env = dict(os.environ, LMS_DATABASE_URL=database_url, LMS_SECRET_KEY="two-servers-shared-secret",
               LMS_ENV="development", PYTHONPATH=str(ROOT), **extra_env)
    gunicorn = Path(sys.executable).with_name("gunicorn")
    with log.open("w") as out:
        return subprocess.Popen(
            [str(gunicorn), "--workers", "1", "--bind", f"127.0.0.1:{port}", "wsgi:app"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )


def _wait_healthy(port: int, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"server on {port} exited: {log.read_text()[-2000:]}")
        try:
            if Browser().get(port, "/healthz")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    pytest.fail(f"server on {port} did not become healthy: {log.read_text()[-2000:]}")


def test_learner_moves_between_two_app_servers(app, runner, database_url, make_user, tmp_path):
    assert run_import(runner, write_course(tmp_path / "courses")).exit_code == 0
    make_user(("learner",), email="hai.server@example.vn")

    ports = [_free_port(), _free_port()]
    logs = [tmp_path / f"server{i}.log" for i in range(2)]
    servers = [_start(database_url, port, log) for port, log in zip(ports, logs, strict=True)]
    try:
        for port, server, log in zip(ports, servers, logs, strict=True):
            _wait_healthy(port, server, log)
        a, b = ports
        learner = Browser()
        status, headers, _ = learner.submit(a, "/login", "/login",
                                            {"login": "hai.server@example.vn", "password": PASSWORD})
        assert status == 302, "login on A"
        # The session cookie signed by A is accepted by B.
        status, _, _ = learner.submit(b, "/courses/mini", "/courses/mini/enrol")
        assert status == 302, "enrol on B"
        page = "/courses/mini/lessons/mot"
        status, _, html = learner.get(b, page)
        assert status == 200 and "Bài một" in html
        status, _, _ = learner.submit(b, page, page + "/done")
        assert status == 302, "mark done on B"
        # A sees what B recorded.
        status, _, html = learner.get(a, "/my-learning")
        assert status == 200
        assert '<progress max="2" value="1"' in html, html[:3000]
        # And a logout on A ends the session on B too (the cookie is cleared by the browser).
        status, _, _ = learner.submit(a, "/my-learning", "/logout")
        assert status == 302
        assert learner.get(b, "/my-learning")[0] == 302
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def test_rate_limits_hold_across_two_servers(app, database_url, make_user, tmp_path):
    """Issue 18, finding 5: with two app servers (each its own process, as two workers are),
    an account and address pair gets exactly LMS_LOGIN_RATE_LIMIT tries a minute in total,
    and /verify exactly LMS_CERTIFICATE_VERIFY_RATE_LIMIT look-ups, whichever server answers."""
    make_user(("learner",), email="target.two@example.vn")
    ports = [_free_port(), _free_port()]
    logs = [tmp_path / f"limit{i}.log" for i in range(2)]
    env = {"LMS_LOGIN_RATE_LIMIT": "10/minute", "LMS_LOGIN_ADDRESS_RATE_LIMIT": "1000/minute",
           "LMS_CERTIFICATE_VERIFY_RATE_LIMIT": "30/minute"}
    servers = [_start(database_url, port, log, **env) for port, log in zip(ports, logs, strict=True)]
    try:
        for port, server, log in zip(ports, servers, logs, strict=True):
            _wait_healthy(port, server, log)
        browser = Browser()
        statuses = []
        for n in range(20):
            status, _, _ = browser.submit(ports[n % 2], "/login", "/login",
                                          {"login": "target.two@example.vn", "password": "wrong-guess-123"})
            statuses.append(status)
        assert statuses.count(200) == 10 and statuses.count(429) == 10, statuses
        answered = [Browser().get(ports[n % 2], "/verify/ABCD-EFGH-JKLM-NPQR-STUV-WXYZ-2345")[0] for n in range(70)]
        assert len([s for s in answered if s != 429]) == 30, answered
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()

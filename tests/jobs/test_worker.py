"""The worker: a job whose worker died is taken over after its lease, a failing job says
why, jobs are claimed once, and the message sender runs in the same worker."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from lms.core.db import utcnow
from lms.core.errors import ServiceError
from lms.extensions import db
from lms.jobs import services
from lms.jobs.hooks import Handler, handlers
from lms.jobs.models import Job
from tests.support.client import login
from tests.support.mailboxes import SmtpServer

ROOT = Path(__file__).resolve().parents[2]
RUNS: list[tuple[int, int]] = []


def _count(ctx):
    """A toy job: counts to params["n"], reporting progress; remembers (job, attempt)."""
    RUNS.append((ctx.job_id, ctx.attempt))
    n = int(ctx.params["n"])
    for i in range(n):
        ctx.progress(i + 1, total=n, message="counting", force=True)
    return services.JobResult(data=f"counted to {n}".encode(), filename="count.txt", mimetype="text/plain",
                              message=f"{n}")


def _refuse(ctx):
    raise ServiceError("Tệp này có 3 dòng lỗi.")


def _crash(ctx):
    raise RuntimeError("secret internal detail")


@pytest.fixture
def toy(app):
    RUNS.clear()
    handlers.register(app, Handler("count", "Count", _count))
    handlers.register(app, Handler("refuse", "Refuse", _refuse))
    handlers.register(app, Handler("crash", "Crash", _crash))
    return app


def enqueue(app, user, kind: str, **params) -> int:
    from lms.auth.models import User

    with app.app_context():
        job = services.enqueue(kind, params, owner=db.session.get(User, user.id), title=kind)
        db.session.commit()
        return job.id


def load(app, job_id: int) -> Job:
    with app.app_context():
        job = db.session.get(Job, job_id)
        db.session.expunge(job)
        return job


def test_a_job_whose_worker_died_is_run_again_after_its_lease(toy, users, runner):
    jid = enqueue(toy, users["trainer"], "count", n=3)
    with toy.app_context():
        claim = services.claim()  # a worker claims it, then is killed (SIGKILL) before finishing
        assert claim.job_id == jid
    assert runner.invoke(args=["lms", "worker", "--once"]).output.startswith("worker: 0 job(s) run")  # leased
    with toy.app_context():  # the lease runs out
        db.session.get(Job, jid).lease_until = utcnow() - timedelta(seconds=1)
        db.session.commit()
    result = runner.invoke(args=["lms", "worker", "--once"])
    assert "1 job(s) run" in result.output
    job = load(toy, jid)
    assert job.status == "done" and job.attempts == 2 and job.done == job.total == 3 and RUNS == [(jid, 2)]


def test_a_job_that_keeps_killing_its_worker_is_given_up_with_a_clear_message(toy, users, runner, client):
    jid = enqueue(toy, users["trainer"], "count", n=1)
    for _ in range(toy.config["JOBS_MAX_ATTEMPTS"]):
        with toy.app_context():
            assert services.claim() is not None
            db.session.get(Job, jid).lease_until = utcnow() - timedelta(seconds=1)
            db.session.commit()
    runner.invoke(args=["lms", "worker", "--once"])
    job = load(toy, jid)
    assert job.status == "failed" and RUNS == []
    login(client, "trainer@example.vn")
    html = client.get(f"/jobs/{jid}").get_data(as_text=True)
    assert 'data-testid="job-error"' in html and "3 lần" in html  # "stopped 3 times", in Vietnamese


def test_a_refused_job_shows_the_reason_and_a_crash_hides_its_details(toy, users, runner, client):
    refused = enqueue(toy, users["trainer"], "refuse")
    crashed = enqueue(toy, users["trainer"], "crash")
    result = runner.invoke(args=["lms", "worker", "--once"])
    assert "2 job(s) run" in result.output
    login(client, "trainer@example.vn")
    html = client.get(f"/jobs/{refused}").get_data(as_text=True)
    assert 'data-status="failed"' in html and "Tệp này có 3 dòng lỗi." in html
    html = client.get(f"/jobs/{crashed}").get_data(as_text=True)
    assert 'data-status="failed"' in html and "secret internal detail" not in html and str(crashed) in html
    assert client.get(f"/jobs/{crashed}/download").status_code == 404


def test_progress_and_result_of_a_finished_job(toy, users, runner, client):
    jid = enqueue(toy, users["learner"], "count", n=4)
    login(client, "learner@example.vn")
    html = client.get(f"/jobs/{jid}").get_data(as_text=True)
    assert "<progress" in html and 'http-equiv="refresh" content="2"' in html
    runner.invoke(args=["lms", "worker", "--once"])
    html = client.get(f"/jobs/{jid}").get_data(as_text=True)
    assert 'data-status="done"' in html and 'http-equiv="refresh"' not in html
    download = client.get(f"/jobs/{jid}/download")
    assert download.data == b"counted to 4" and download.headers["Cache-Control"] == "private, no-store"


def test_a_running_job_shows_its_progress(toy, users, client):
    jid = enqueue(toy, users["learner"], "count", n=4)
    with toy.app_context():
        claim = services.claim()
        toy_ctx = services.JobContext(claim, None)
        toy_ctx.progress(1, total=4, message="counting", force=True)
    login(client, "learner@example.vn")
    html = client.get(f"/jobs/{jid}").get_data(as_text=True)
    assert '<progress value="1" max="4"' in html and "25%" in html and 'http-equiv="refresh"' in html


def test_a_job_is_claimed_by_one_worker_only(toy, users):
    jid = enqueue(toy, users["learner"], "count", n=1)
    with toy.app_context():
        first, second = services.claim(), services.claim()
    assert first.job_id == jid and second is None


def test_the_worker_sends_the_messages(app, users, runner):
    from tests.messages.helpers import queue_emails

    with SmtpServer() as smtp:
        app.config.update(SMTP_URL=smtp.url, MAIL_FROM="Đào tạo OCOP <daotao@ocop.example.vn>")
        with app.app_context():
            queue_emails(3)
        result = runner.invoke(args=["lms", "worker", "--once"])
        assert result.exit_code == 0 and "3 message(s) sent" in result.output, result.output
        assert len(smtp.received) == 3


def test_the_long_running_worker_sends_messages_and_stops_on_sigterm(app, users, database_url):
    """``flask lms worker`` as a process: its sender thread delivers queued e-mails while it
    waits for jobs; SIGTERM ends it cleanly."""
    from tests.messages.helpers import queue_emails

    with SmtpServer() as smtp:
        app.config.update(SMTP_URL=smtp.url, MAIL_FROM="Đào tạo OCOP <daotao@ocop.example.vn>")
        with app.app_context():
            queue_emails(2)
        env = dict(os.environ, LMS_DATABASE_URL=database_url, FLASK_APP="wsgi.py", PYTHONPATH=str(ROOT),
                   LMS_JOBS_POLL_SECONDS="0.2", LMS_JOBS_SEND_MESSAGES_SECONDS="0.2", LMS_SMTP_URL=smtp.url,
                   LMS_MAIL_FROM="Đào tạo OCOP <daotao@ocop.example.vn>")
        process = subprocess.Popen([sys.executable, "-m", "flask", "lms", "worker"], cwd=ROOT, env=env,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            first = process.stdout.readline()
            assert first.startswith("worker: running"), first
            deadline = time.monotonic() + 60
            while len(smtp.received) < 2 and time.monotonic() < deadline and process.poll() is None:
                time.sleep(0.1)  # polling the SMTP server for a condition, bounded by the deadline
            assert len(smtp.received) == 2
            process.send_signal(signal.SIGTERM)
            out, _ = process.communicate(timeout=60)
        finally:
            if process.poll() is None:
                process.kill()
                process.communicate()
    assert process.returncode == 0, out
    assert "0 job(s) run, 2 message(s) sent" in out


def test_finished_jobs_and_their_files_are_purged_after_their_period(toy, users, runner):
    old, fresh = enqueue(toy, users["learner"], "count", n=1), enqueue(toy, users["learner"], "count", n=1)
    runner.invoke(args=["lms", "worker", "--once"])
    with toy.app_context():
        db.session.get(Job, old).finished_at = utcnow() - timedelta(days=toy.config["JOBS_KEEP_DAYS"], hours=1)
        db.session.commit()
    result = runner.invoke(args=["lms", "purge"])
    assert result.exit_code == 0, result.output
    with toy.app_context():
        assert db.session.get(Job, old) is None and db.session.get(Job, fresh) is not None


@pytest.mark.skipif(not os.environ.get("LMS_TEST_DATABASE_URL", "").startswith("postgresql"),
                    reason="SKIP LOCKED: PostgreSQL only (SQLite serialises writers)")
def test_a_second_worker_skips_the_job_another_is_claiming(toy, users):
    """Two workers at once on PostgreSQL: the row a worker is claiming is skipped, not waited for."""
    first, second = enqueue(toy, users["learner"], "count", n=1), enqueue(toy, users["learner"], "count", n=1)
    with toy.app_context():
        # Worker A has selected the first job FOR UPDATE and not yet committed its claim.
        db.session.execute(select(Job.id).where(Job.id == first).with_for_update())
        with toy.app_context():  # worker B: its own session and connection
            claimed = services.claim()
        assert claimed is not None and claimed.job_id == second
        db.session.rollback()
    with toy.app_context():
        assert services.claim().job_id == first

"""Messages: queue and send 10,000 e-mails, a sender killed with SIGKILL, and `remind` at scale.

    python -m bench.messages_bench [--emails 10000] [--people-scale 1] [--pg postgresql+psycopg://…/db_to_empty]

1. Queue 10,000 e-mails with ``services.enqueue`` (one call each, as the code that queues
   them does) and send them with ``flask lms send-messages`` to a real SMTP server on
   127.0.0.1 (aiosmtpd): messages per second for each step.
2. Queue 10,000 e-mails again, start ``flask lms send-messages`` as a process, ``kill -9``
   it once a third of them have arrived, then run it again (with a lease of 0 s, so that the
   dead sender's claims are taken over at once instead of after ``LMS_MESSAGES_LEASE_SECONDS``):
   lost (queued, never received) and duplicated (received twice, by Message-ID) e-mails.
3. ``flask lms remind`` on the national-scale registry of the coverage bench (100,000 people
   at --people-scale 1), every person with an account: time of the first run (which queues a
   reminder for each person not trained) and of a re-run (which queues nothing).

SQLite always; PostgreSQL too with --pg (the database is emptied). Writes bench/results/.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

os.environ.setdefault("LMS_SECRET_KEY", "bench-secret-not-for-production")

from sqlalchemy import func, insert, select, text  # noqa: E402

from lms import create_app  # noqa: E402
from lms.extensions import db  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.support.mailboxes import SmtpServer  # noqa: E402

MAIL_FROM = "Đào tạo OCOP <daotao@ocop.example.vn>"
CONTEXT = {"full_name": "Nguyễn Thị Hoa", "courses": ["An toàn thực phẩm", "Tiêu chí OCOP"],
           "url": "https://daotao.example.vn/my-learning", "account_url": "https://daotao.example.vn/account",
           "deadline": None, "urgent": False, "number": 1, "days_left": None}


def _app(url: str, **config):
    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SQLITE_SYNCHRONOUS": "NORMAL", **config})


def _fresh(app) -> None:
    with app.app_context():
        db.drop_all()
        db.create_all()


def _queue(app, n: int, prefix: str) -> float:
    from lms.messages import services

    with app.app_context():
        t = time.perf_counter()
        for i in range(n):
            services.enqueue("reminder", "reminder_courses", email=f"hv{i}@example.vn", context=CONTEXT,
                             idempotency_key=f"{prefix}:{i}")
            if i % 1000 == 999:
                db.session.commit()
        db.session.commit()
        return time.perf_counter() - t


def _message_ids(server) -> Counter:
    return Counter(str(r["message"]["Message-ID"]) for r in list(server.received))


def _sender(url: str, server) -> tuple[list[str], dict]:
    env = {**os.environ, "LMS_DATABASE_URL": url, "LMS_SMTP_URL": server.url, "LMS_MAIL_FROM": MAIL_FROM,
           "LMS_SMS_QUIET_HOURS": "off"}
    return [sys.executable, "-m", "flask", "--app", "wsgi.py", "lms", "send-messages"], env


def send_run(url: str, n: int, label: str) -> dict:
    with SmtpServer() as server:
        app = _app(url, SMTP_URL=server.url, MAIL_FROM=MAIL_FROM)
        _fresh(app)
        queue_s = _queue(app, n, "bench")
        # The sender runs as its own process (as under its timer), apart from the SMTP server.
        command, env = _sender(url, server)
        t = time.perf_counter()
        done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800, check=False)  # noqa: S603
        send_s = time.perf_counter() - t
        ids = _message_ids(server)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        return {"database": label, "emails": n, "queue_s": round(queue_s, 2), "queued_per_s": round(n / queue_s),
                "send_s": round(send_s, 2), "sent_per_s": round(n / send_s), "sender": done.stdout.strip(),
                "received": sum(ids.values()), "unique": len(ids)}


def kill_run(url: str, n: int, label: str) -> dict:
    with SmtpServer() as server:
        app = _app(url, SMTP_URL=server.url, MAIL_FROM=MAIL_FROM)
        _fresh(app)
        _queue(app, n, "kill")
        command, env = _sender(url, server)
        proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603
        deadline = time.monotonic() + 300
        while len(server.received) < n // 3 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        at_kill = len(server.received)
        with app.app_context():
            from lms.messages.models import Message

            states = dict(db.session.execute(select(Message.status, func.count()).group_by(Message.status)).all())
            db.session.remove()
        rerun = subprocess.run(command, cwd=ROOT, env={**env, "LMS_MESSAGES_LEASE_SECONDS": "0"},  # noqa: S603
                               capture_output=True, text=True, timeout=600, check=False)
        ids = _message_ids(server)
        with app.app_context():
            from lms.messages.models import Message

            after = dict(db.session.execute(select(Message.status, func.count()).group_by(Message.status)).all())
            db.session.remove()
            db.engine.dispose()
        return {"database": label, "emails": n, "received_when_killed": at_kill, "statuses_when_killed": states,
                "rerun": rerun.stdout.strip(), "statuses_after": after,
                "lost": n - len(ids), "duplicated": sum(ids.values()) - len(ids),
                "in_flight_at_kill": states.get("sending", 0)}


def remind_run(url: str, scale: float, label: str) -> dict:
    import random

    from bench.coverage_bench import generate
    from lms.auth.models import User
    from lms.core.localtime import local_today
    from lms.registry import services as registry_services
    from lms.registry.models import Person

    app = _app(url, SMS_GATEWAY_URL="http://127.0.0.1:9/send", SMS_GATEWAY_TOKEN="x")
    _fresh(app)
    out: dict = {"database": label}
    with app.app_context():
        registry_services.load_units()
        db.session.commit()
        out["data"] = generate(scale, random.Random(2025))  # noqa: S311
        now = datetime.now(UTC)
        people = db.session.execute(select(Person.id, Person.full_name, Person.phone)).all()
        for start in range(0, len(people), 20_000):
            db.session.execute(insert(User), [
                {"person_id": pid, "display_name": name, "phone": phone, "password_hash": "!", "active": True,
                 "must_change_password": False, "session_version": 1, "created_at": now}
                for pid, name, phone in people[start:start + 20_000]])
        db.session.commit()
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        out["accounts"] = len(people)
        as_of = (local_today() + timedelta(days=30)).isoformat()
    runner = app.test_cli_runner()
    for name in ("first", "rerun"):
        t = time.perf_counter()
        result = runner.invoke(args=["lms", "remind", "--as-of", as_of, "--rule", "required-courses"])
        elapsed = time.perf_counter() - t
        assert result.exit_code == 0, result.output
        first_line = next((line for line in result.output.splitlines() if line.startswith("required-courses")), "")
        out[f"remind_{name}"] = {"seconds": round(elapsed, 1), "summary": first_line}
    with app.app_context():
        from lms.messages.models import Message

        out["messages"] = db.session.scalar(select(func.count()).select_from(Message))
        out["channels"] = dict(db.session.execute(select(Message.channel, func.count()).group_by(Message.channel)).all())
        db.session.remove()
        db.drop_all()
        db.engine.dispose()
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--emails", type=int, default=10_000)
    parser.add_argument("--people-scale", type=float, default=1.0)
    parser.add_argument("--pg", default=os.environ.get("LMS_BENCH_PG_URL"))
    parser.add_argument("--only", nargs="*", default=["send", "kill", "remind"])
    args = parser.parse_args(argv)
    results: dict = {"emails": args.emails, "people_scale": args.people_scale, "runs": []}
    with tempfile.TemporaryDirectory() as tmp:
        databases = [(f"sqlite:///{tmp}/messages.db", "sqlite")]
        if args.pg:
            databases.append((args.pg, "postgresql"))
        for url, label in databases:
            for name, fn, arg in (("send", send_run, args.emails), ("kill", kill_run, args.emails),
                                  ("remind", remind_run, args.people_scale)):
                if name in args.only:
                    run = {"bench": name, **fn(url, arg, label)}
                    results["runs"].append(run)
                    print(json.dumps(run, ensure_ascii=False, default=str), flush=True)
    target = Path(__file__).parent / "results"
    target.mkdir(exist_ok=True)
    path = target / f"messages-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    path.write_text(json.dumps(results, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    print(f"written {path}")


if __name__ == "__main__":
    main()

"""Exam-day burst: many learners start, save and submit a quiz at once.

    python -m bench.exam_burst --db sqlite
    python -m bench.exam_burst --db postgresql [--url postgresql+psycopg://postgres@127.0.0.1:5432/lms_assessments_bench]

The app runs under gunicorn (4 sync workers) on loopback. Each simulated learner logs
in, starts an attempt, autosaves (JSON, increasing sequence numbers) several times, saves
once with the plain form, and submits; 30 % of the learners send their submit 2–5 times
in parallel (a flaky connection resending). Afterwards the database is checked:

- attempts lost: learners whose attempt is missing or not closed;
- answers lost: answer rows whose stored sequence number is lower than the last save
  the learner sent (a newer save was overwritten or dropped);
- duplicate grades: attempts with more than one submit recorded (audit entries);
- 5xx responses and "database is locked" errors (responses and the server log);
- p50 / p95 submit latency.

The figures are printed and written to bench/results/exam_burst-<db>.json.
Standard library only for the clients (http.client), so the bench adds no dependency.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
SEQ_RE = re.compile(r'name="seq" type="hidden" value="(\d+)"')
CHOICE_RE = re.compile(r'name="s(\d+)" value="(\d+)"')
PASSWORD = "exam-burst-password"  # noqa: S105 - throw-away accounts of the benchmark
QUESTIONS = 12


def quiz_yaml() -> str:
    lines = ["title: Exam burst", "course: exam-burst", "time_limit_minutes: 60", "max_attempts: 1",
             "draw: 10", "questions:"]
    for i in range(QUESTIONS):
        lines += [
            f"  - id: q{i}", "    type: single", f"    text: Question {i}?", "    choices:",
            "      - {text: right, correct: true}", "      - {text: half, weight: 50}",
            "      - {text: wrong}", "      - {text: negative, weight: -50}",
        ]
    return "\n".join(lines) + "\n"


def prepare(url: str, learners: int) -> None:
    """Fresh schema, one course, the quiz, and the learners (enrolled)."""
    os.environ["LMS_DATABASE_URL"] = url
    from lms import create_app
    from lms.assessments import services
    from lms.auth import services as auth_services
    from lms.catalog.models import Course, Enrolment
    from lms.extensions import db

    app = create_app({"PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    with app.app_context():
        db.drop_all()
        db.create_all()
        course = Course(slug="exam-burst", title="Exam burst", summary="")
        db.session.add(course)
        db.session.flush()
        folder = Path(tempfile.mkdtemp())
        (folder / "exam-burst.yaml").write_text(quiz_yaml(), encoding="utf-8")
        services.import_quizzes([folder / "exam-burst.yaml"])
        for n in range(learners):
            user = auth_services.create_user(
                name=f"Learner {n}", email=f"learner{n}@bench.vn", roles=["learner"], password=PASSWORD
            )
            db.session.add(Enrolment(user_id=user.id, course_id=course.id))
        db.session.commit()
        db.engine.dispose()


class Browser:
    """One learner's cookies over http.client (no redirects followed)."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        all_headers = dict(headers or {})
        if self.cookies:
            all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        started = time.perf_counter()
        conn.request(method, path, body=body, headers=all_headers)
        response = conn.getresponse()
        data = response.read().decode("utf-8", "replace")
        elapsed = time.perf_counter() - started
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key] = rest.split(";", 1)[0]
        conn.close()
        return response.status, dict(response.getheaders()), data, elapsed

    def form(self, path: str, fields: list[tuple[str, str]]):
        body = urlencode(fields).encode()
        return self.request("POST", path, body, {"Content-Type": "application/x-www-form-urlencoded"})


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.statuses: dict[int, int] = {}
        self.server_errors = 0
        self.locked = 0
        self.submit_latency: list[float] = []
        self.failures: list[str] = []
        self.last_seq: dict[int, int] = {}  # attempt id → the highest seq sent

    def record(self, status: int, body: str):
        with self.lock:
            self.statuses[status] = self.statuses.get(status, 0) + 1
            if status >= 500:
                self.server_errors += 1
            if "database is locked" in body:
                self.locked += 1


def learner(n: int, port: int, stats: Stats, rng: random.Random) -> None:
    b = Browser(port)

    def call(method, path, body=None, headers=None):
        status, hdrs, data, elapsed = b.request(method, path, body, headers)
        stats.record(status, data)
        return status, hdrs, data, elapsed

    try:
        _, _, page, _ = call("GET", "/login")
        token = CSRF_RE.search(page).group(1)
        status, _, data, _ = b.form("/login", [("csrf_token", token), ("login", f"learner{n}@bench.vn"), ("password", PASSWORD)])
        stats.record(status, data)
        if status != 302:
            raise RuntimeError(f"login {status}")
        _, _, page, _ = call("GET", "/quizzes/exam-burst")
        token = CSRF_RE.search(page).group(1)
        status, headers, data, _ = b.form("/quizzes/exam-burst/start", [("csrf_token", token)])
        stats.record(status, data)
        location = headers.get("Location", "")
        if status != 302 or "/attempts/" not in location:
            raise RuntimeError(f"start {status} {location}")
        attempt_id = int(location.rstrip("/").rsplit("/", 1)[1])
        _, _, page, _ = call("GET", f"/attempts/{attempt_id}")
        token = CSRF_RE.search(page).group(1)
        seq = int(SEQ_RE.search(page).group(1))
        slots: dict[str, list[str]] = {}
        for slot, value in CHOICE_RE.findall(page):
            slots.setdefault(slot, []).append(value)
        for _ in range(3):  # autosaves as the learner goes
            fields = [[f"s{slot}", rng.choice(values)] for slot, values in slots.items() if rng.random() < 0.8]
            status, _, data, _ = call(
                "POST", f"/attempts/{attempt_id}/autosave",
                json.dumps({"seq": seq, "fields": fields}).encode(),
                {"Content-Type": "application/json", "X-CSRFToken": token},
            )
            if status != 200:
                raise RuntimeError(f"autosave {status}")
            with stats.lock:
                stats.last_seq[attempt_id] = seq
            seq += 1
            time.sleep(rng.uniform(0.0, 0.3))
        final = [(f"s{slot}", rng.choice(values)) for slot, values in slots.items()]
        status, _, data, _ = b.form(f"/attempts/{attempt_id}", [("csrf_token", token), ("seq", str(seq)), ("action", "save"), *final])
        stats.record(status, data)
        if status != 302:
            raise RuntimeError(f"save {status}")
        with stats.lock:
            stats.last_seq[attempt_id] = seq
        copies = rng.randint(2, 5) if rng.random() < 0.3 else 1

        def submit_once():
            status, headers, data, elapsed = b.form(f"/attempts/{attempt_id}/submit", [("csrf_token", token)])
            stats.record(status, data)
            with stats.lock:
                stats.submit_latency.append(elapsed)
            return status, headers.get("Location", "")

        if copies == 1:
            outcomes = [submit_once()]
        else:
            with ThreadPoolExecutor(copies) as pool:
                outcomes = list(pool.map(lambda _: submit_once(), range(copies)))
        for status, location in outcomes:
            if status != 302 or not location.endswith(f"/attempts/{attempt_id}/review"):
                raise RuntimeError(f"submit {status} {location}")
    except Exception as exc:  # noqa: BLE001 - every failure is counted and reported
        with stats.lock:
            stats.failures.append(f"learner {n}: {exc!r}")


def check_database(url: str, stats: Stats, learners: int) -> dict:
    os.environ["LMS_DATABASE_URL"] = url
    from sqlalchemy import func, select

    from lms import create_app
    from lms.assessments.models import Attempt, AttemptAnswer
    from lms.core.audit import AuditLog
    from lms.extensions import db

    app = create_app()
    with app.app_context():
        attempts = db.session.scalars(select(Attempt)).all()
        closed = [a for a in attempts if a.status in ("graded", "pending_review")]
        per_attempt = dict(
            db.session.execute(
                select(AuditLog.object_id, func.count()).where(AuditLog.action == "attempt.submit").group_by(AuditLog.object_id)
            ).all()
        )
        rows = dict(
            db.session.execute(
                select(AttemptAnswer.attempt_id, func.count()).group_by(AttemptAnswer.attempt_id)
            ).all()
        )
        answers_lost = 0
        for attempt in attempts:
            sent = stats.last_seq.get(attempt.id)
            if sent is None:
                continue
            stale = db.session.scalar(
                select(func.count()).select_from(AttemptAnswer).where(
                    AttemptAnswer.attempt_id == attempt.id, AttemptAnswer.seq < sent, AttemptAnswer.seq > 0
                )
            )
            answers_lost += stale
        result = {
            "attempts_in_db": len(attempts),
            "attempts_lost": learners - len(closed),
            "answers_lost": answers_lost,
            "duplicate_grades": sum(1 for count in per_attempt.values() if count > 1),
            "attempts_without_grade": sum(1 for a in closed if per_attempt.get(str(a.id), 0) != 1),
            "answer_rows_mismatch": sum(1 for a in closed if rows.get(a.id, 0) != len(a.layout)),
        }
        db.engine.dispose()
        return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--url", help="database URL (PostgreSQL default: lms_assessments_bench on loopback)")
    parser.add_argument("--learners", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=50, help="learners acting at the same time")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="exam-burst-"))
    if args.db == "sqlite":
        url = args.url or f"sqlite:///{tmp / 'bench.db'}"
    else:
        url = args.url or "postgresql+psycopg://postgres@127.0.0.1:5432/lms_assessments_bench"
    os.environ.setdefault("LMS_SECRET_KEY", "exam-burst-secret-key")
    print(f"preparing {args.learners} learners on {args.db} …", flush=True)
    prepare(url, args.learners)

    env = dict(os.environ, LMS_DATABASE_URL=url, LMS_LOGIN_RATE_LIMIT="100000/minute",
               LMS_LOGIN_ADDRESS_RATE_LIMIT="100000/minute",
               LMS_SECRET_KEY=os.environ["LMS_SECRET_KEY"], PYTHONPATH=str(ROOT))
    log_path = tmp / "gunicorn.log"
    gunicorn = Path(sys.executable).with_name("gunicorn")
    with log_path.open("w") as log:
        server = subprocess.Popen(
            [str(gunicorn), "--workers", str(args.workers), "--bind", f"127.0.0.1:{args.port}",
             "--timeout", "120", "wsgi:app"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
    try:
        for _ in range(100):
            try:
                status, _, _, _ = Browser(args.port).request("GET", "/healthz")
                if status == 200:
                    break
            except OSError:
                time.sleep(0.2)
        else:
            print("the server did not start; see", log_path)
            return 1
        stats = Stats()
        rng = random.Random(args.seed)
        seeds = [rng.random() for _ in range(args.learners)]
        started = time.perf_counter()
        with ThreadPoolExecutor(args.concurrency) as pool:
            list(pool.map(lambda n: learner(n, args.port, stats, random.Random(seeds[n])), range(args.learners)))
        wall = time.perf_counter() - started
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    server_log = log_path.read_text(errors="replace")
    checks = check_database(url, stats, args.learners)
    latency = sorted(stats.submit_latency)
    figures = {
        "db": args.db,
        "learners": args.learners,
        "concurrency": args.concurrency,
        "gunicorn_workers": args.workers,
        "wall_seconds": round(wall, 2),
        "requests": sum(stats.statuses.values()),
        "statuses": {str(k): v for k, v in sorted(stats.statuses.items())},
        "submits_sent": len(latency),
        **checks,
        "responses_5xx": stats.server_errors,
        "database_locked_errors": stats.locked + server_log.count("database is locked"),
        "client_failures": len(stats.failures),
        "submit_latency_p50_ms": round(1000 * statistics.median(latency), 1) if latency else None,
        "submit_latency_p95_ms": round(1000 * latency[int(0.95 * (len(latency) - 1))], 1) if latency else None,
    }
    for failure in stats.failures[:10]:
        print("  failure:", failure)
    for key, value in figures.items():
        print(f"{key:>26}: {value}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"exam_burst-{args.db}.json"
    out.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    print(f"written to {out.relative_to(ROOT)}")
    ok = (figures["attempts_lost"] == 0 and figures["duplicate_grades"] == 0 and figures["responses_5xx"] == 0
          and figures["database_locked_errors"] == 0 and figures["answers_lost"] == 0 and not stats.failures)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

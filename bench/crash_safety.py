"""Crash safety: SIGKILL gunicorn workers during the exam-day burst, then the master.

    python -m bench.crash_safety [--learners 150] [--kills 10] [--interval 2.0]

SQLite database, gunicorn with 4 sync workers on loopback, the exam-day learners of
bench/exam_burst.py (same quiz, same accounts). Each learner logs in, starts an attempt,
saves answers and submits; on a broken connection it retries the step (as a phone would),
until a deadline. Meanwhile a killer sends SIGKILL to a random worker every --interval
seconds (gunicorn's master starts a new one), --kills times, then SIGKILLs the master and
every worker left. Afterwards, on the database file:

- ``PRAGMA integrity_check`` is "ok";
- acknowledged submits: every attempt whose submit got the success response (a redirect to
  its review page) is in the database, closed and graded;
- half-graded attempts: none, i.e. every attempt that is not open is "graded" with points,
  max points, score, passed, submitted_at and graded_at set, one answer row per question
  of its layout, each with its fraction and points, the answers' points adding up to the
  attempt's, and exactly one ``attempt.submit`` audit entry; every open attempt has no
  score and no graded answer.

Prints the figures and returns them; exits non-zero when a check fails.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import sqlite3
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench.exam_burst import CHOICE_RE, CSRF_RE, PASSWORD, SEQ_RE, Browser, prepare
from bench.http_bench import Server, child_pids

ROOT = Path(__file__).resolve().parent.parent


class Tally:
    def __init__(self):
        self.lock = threading.Lock()
        self.acknowledged: set[int] = set()
        self.connection_errors = 0
        self.retries = 0
        self.statuses: dict[int, int] = {}
        self.gave_up = 0
        self.stop = threading.Event()  # set when the server is gone for good

    def status(self, code: int) -> None:
        with self.lock:
            self.statuses[code] = self.statuses.get(code, 0) + 1


def learner(n: int, port: int, tally: Tally, deadline: float, rng: random.Random) -> None:
    b = Browser(port)

    def call(method, path, body=None, headers=None):
        """One request, retried on a dropped connection or a 5xx until the deadline."""
        while time.monotonic() < deadline and not tally.stop.is_set():
            try:
                status, hdrs, data, _ = b.request(method, path, body, headers)
            except OSError:
                with tally.lock:
                    tally.connection_errors += 1
                    tally.retries += 1
                time.sleep(0.05)
                continue
            tally.status(status)
            if status >= 500:
                with tally.lock:
                    tally.retries += 1
                time.sleep(0.05)
                continue
            return status, hdrs, data
        raise TimeoutError

    def form(path, fields):
        from urllib.parse import urlencode

        return call("POST", path, urlencode(fields).encode(), {"Content-Type": "application/x-www-form-urlencoded"})

    try:
        while True:  # log in (a retried POST may need a fresh CSRF token)
            _, _, page = call("GET", "/login")
            status, _, _ = form("/login", [("csrf_token", CSRF_RE.search(page).group(1)),
                                           ("login", f"learner{n}@bench.vn"), ("password", PASSWORD)])
            if status == 302:
                break
        _, _, page = call("GET", "/quizzes/exam-burst")
        status, headers, _ = form("/quizzes/exam-burst/start", [("csrf_token", CSRF_RE.search(page).group(1))])
        location = headers.get("Location", "")
        if "/attempts/" not in location:
            # A start retried after a kill: the attempt exists; the quiz page links to it.
            _, _, page = call("GET", "/quizzes/exam-burst")
            found = [int(x) for x in __import__("re").findall(r"/attempts/(\d+)", page)]
            if not found:
                raise RuntimeError(f"start: {status} {location}")
            attempt_id = found[0]
        else:
            attempt_id = int(location.rstrip("/").rsplit("/", 1)[1])
        _, _, page = call("GET", f"/attempts/{attempt_id}")
        if "csrf_token" not in page or not SEQ_RE.search(page):
            return  # already submitted by an earlier (retried) request
        token = CSRF_RE.search(page).group(1)
        seq = int(SEQ_RE.search(page).group(1))
        slots: dict[str, list[str]] = {}
        for slot, value in CHOICE_RE.findall(page):
            slots.setdefault(slot, []).append(value)
        final = [(f"s{slot}", rng.choice(values)) for slot, values in slots.items()]
        form(f"/attempts/{attempt_id}", [("csrf_token", token), ("seq", str(seq)), ("action", "save"), *final])
        time.sleep(rng.uniform(0, 0.5))
        status, headers, _ = form(f"/attempts/{attempt_id}/submit", [("csrf_token", token)])
        if status == 302 and headers.get("Location", "").endswith(f"/attempts/{attempt_id}/review"):
            with tally.lock:
                tally.acknowledged.add(attempt_id)
    except (TimeoutError, RuntimeError, AttributeError):
        with tally.lock:
            tally.gave_up += 1


def check(path: Path, acknowledged: set[int]) -> dict:
    conn = sqlite3.connect(path)
    integrity = [row[0] for row in conn.execute("PRAGMA integrity_check")]
    attempts = {row[0]: row[1:] for row in conn.execute(
        "SELECT id, status, points, max_points, score, passed, submitted_at, graded_at, layout FROM quiz_attempt")}
    answers: dict[int, list[tuple]] = {}
    for attempt_id, fraction, points in conn.execute("SELECT attempt_id, fraction, points FROM attempt_answer"):
        answers.setdefault(attempt_id, []).append((fraction, points))
    submits: dict[str, int] = dict(conn.execute(
        "SELECT object_id, count(*) FROM audit_log WHERE action = 'attempt.submit' GROUP BY object_id"))
    conn.close()
    half, lost = [], []
    for attempt_id in acknowledged:
        row = attempts.get(attempt_id)
        if row is None or row[0] != "graded":
            lost.append(attempt_id)
    for attempt_id, (status, points, max_points, score, passed, submitted_at, graded_at, layout) in attempts.items():
        rows = answers.get(attempt_id, [])
        if status == "open":
            if score is not None or any(f is not None for f, _ in rows) or submits.get(str(attempt_id)):
                half.append((attempt_id, "open with grades"))
            continue
        problems = []
        if status != "graded":
            problems.append(status)
        if None in (points, max_points, score, passed, submitted_at, graded_at):
            problems.append("attempt fields")
        if len(rows) != len(json.loads(layout)):
            problems.append(f"{len(rows)} answers")
        if any(f is None or p is None for f, p in rows):
            problems.append("ungraded answer")
        elif points is not None and abs(sum(p for _, p in rows) - points) > 1e-6:
            problems.append("points do not add up")
        if submits.get(str(attempt_id), 0) != 1:
            problems.append(f"{submits.get(str(attempt_id), 0)} submit records")
        if problems:
            half.append((attempt_id, problems))
    return {
        "integrity_check": integrity[0] if integrity == ["ok"] else integrity[:5],
        "attempts_in_db": len(attempts),
        "attempts_closed": sum(1 for r in attempts.values() if r[0] != "open"),
        "acknowledged_submits": len(acknowledged),
        "acknowledged_missing_or_ungraded": len(lost),
        "half_graded": len(half),
        "half_graded_examples": [str(h) for h in half[:5]],
    }


def run(learners: int = 150, kills: int = 10, interval: float = 2.0, workers: int = 4, concurrency: int = 40,
        seed: int = 2026) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix="crash-safety-"))
    db_path = tmp / "crash.db"
    url = f"sqlite:///{db_path}"
    os.environ.setdefault("LMS_SECRET_KEY", "crash-safety-secret")
    print(f"crash safety: preparing {learners} learners on SQLite …", flush=True)
    prepare(url, learners)
    env = dict(os.environ, LMS_DATABASE_URL=url, LMS_LOGIN_RATE_LIMIT="100000/minute",
               LMS_LOGIN_ADDRESS_RATE_LIMIT="100000/minute", PYTHONPATH=str(ROOT))
    server = Server("wsgi:app", workers, env, tmp / "gunicorn.log")
    master, port = server.process, server.port

    tally = Tally()
    rng = random.Random(seed)
    seeds = [rng.random() for _ in range(learners)]
    killed: list[int] = []
    started = time.monotonic()
    client_deadline = started + 120
    stop = threading.Event()

    def killer():
        krng = random.Random(seed + 1)
        time.sleep(1.0)
        while len(killed) < kills and not stop.is_set():
            pids = child_pids(master.pid)
            if pids:
                victim = krng.choice(pids)
                try:
                    os.kill(victim, signal.SIGKILL)
                    killed.append(victim)
                except ProcessLookupError:
                    pass
            time.sleep(interval)

    kill_thread = threading.Thread(target=killer)
    kill_thread.start()
    with ThreadPoolExecutor(concurrency) as pool:
        futures = [pool.submit(learner, n, port, tally, client_deadline, random.Random(seeds[n]))
                   for n in range(learners)]
        kill_thread.join()
        # Let the burst run a little after the last worker kill, then the master dies mid-burst.
        time.sleep(1.0)
        submitted_before_master_kill = len(tally.acknowledged)
        left = child_pids(master.pid)
        os.kill(master.pid, signal.SIGKILL)
        for pid in left:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        master.wait(timeout=10)
        stop.set()
        tally.stop.set()  # the clients now only get refused connections: stop retrying
        for f in futures:
            f.cancel()
    wall = time.monotonic() - started
    figures = {
        "learners": learners, "gunicorn_workers": workers, "worker_kills": len(killed),
        "master_killed": True, "wall_seconds": round(wall, 1),
        "acknowledged_before_master_kill": submitted_before_master_kill,
        "connection_errors_seen_by_clients": tally.connection_errors,
        "statuses": {str(k): v for k, v in sorted(tally.statuses.items())},
        "learners_unfinished": learners - len(tally.acknowledged),
        **check(db_path, tally.acknowledged),
    }
    figures["ok"] = (figures["integrity_check"] == "ok" and figures["acknowledged_missing_or_ungraded"] == 0
                     and figures["half_graded"] == 0)
    for key, value in figures.items():
        print(f"{key:>36}: {value}", flush=True)
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--learners", type=int, default=150)
    parser.add_argument("--kills", type=int, default=10)
    parser.add_argument("--interval", type=float, default=2.0)
    parser.add_argument("--concurrency", type=int, default=40)
    args = parser.parse_args(argv)
    figures = run(args.learners, args.kills, args.interval, concurrency=args.concurrency)
    return 0 if figures["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())

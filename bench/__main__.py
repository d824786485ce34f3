"""``python -m bench`` (``make bench``): every benchmark, figures in bench/results/<date>.json.

    python -m bench [--quick] [--coverage-scale 0.05] [--pg postgresql+psycopg://…/db_to_empty]

1. HTTP throughput (lesson page, learner dashboard, bare Flask hello world): with wrk -t1 -c8
   when it is installed (3 rounds, gunicorn with 2 workers, ratio of medians; the share of 304
   on repeated views), and with the standard-library generator (gunicorn with 2 and 4
   workers); worker memory (RSS, PSS, USS) after warm-up and after 10,000 requests; page
   weight (bench/http_bench.py);
2. the exam-day burst on SQLite, and on PostgreSQL with --pg (bench/exam_burst.py);
3. crash safety: workers and master SIGKILLed during the burst (bench/crash_safety.py);
4. coverage at national scale, --coverage-scale of it (default 0.05; 1 for the full
   100,000 people / 400,000 completions) (bench/coverage_bench.py);
5. certificate PDF rendering (bench/certificates_bench.py);
6. course import of 100 courses × 20 lessons, unchanged re-import, lesson page weight
   (bench/catalog_bench.py);
7. messages: 10,000 e-mails queued and sent to a local SMTP server, the sender killed with
   SIGKILL and run again, ``flask lms remind`` on the generated registry
   (bench/messages_bench.py).
7. activation codes for 10,000 people as CSV, slips PDF for 1,000, page weight of
   /activate/<code> and /register (bench/onboarding_bench.py).
8. jobs: a 100,000-row registry import and a 500-certificate ZIP, each queued through the
   HTTP routes and run by the worker (bench/jobs_bench.py).

Everything runs on loopback against throw-away databases (temporary SQLite files; the
PostgreSQL database given with --pg is emptied). Every loop is time-bound. The scripts
that the standalone benchmarks already had run as subprocesses, so each gets a fresh
process and its usual command line.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"


def machine() -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_kib = 0
    try:
        mem_kib = int(Path("/proc/meminfo").read_text().split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gib": round(mem_kib / 2**20, 1),
            "python": platform.python_version(), "kernel": platform.release(),
            "sqlite": __import__("sqlite3").sqlite_version}


def subprocess_bench(args: list[str], timeout: int) -> dict:
    started = time.monotonic()
    try:
        done = subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True,
                              timeout=timeout, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout} s"}
    sys.stdout.write(done.stdout[-4000:])
    out = {"exit_code": done.returncode, "seconds": round(time.monotonic() - started, 1),
           "stdout_tail": done.stdout[-1500:]}
    if done.returncode != 0:
        out["stderr_tail"] = done.stderr[-1500:]
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short runs (smoke test of the benchmarks)")
    parser.add_argument("--coverage-scale", type=float, default=0.05)
    parser.add_argument("--pg", default=os.environ.get("LMS_BENCH_PG_URL"),
                        help="PostgreSQL database the benchmarks may empty (exam burst, coverage)")
    parser.add_argument("--only", nargs="+", choices=("http", "exam", "crash", "coverage", "certificates", "catalog",
                                                         "messages", "onboarding", "jobs"))
    args = parser.parse_args(argv)
    os.environ.setdefault("LMS_SECRET_KEY", "bench-secret-not-for-production")
    wanted = set(args.only or ("http", "exam", "crash", "coverage", "certificates", "catalog", "messages",
                               "onboarding", "jobs"))
    results: dict = {"date": datetime.now(UTC).isoformat(timespec="seconds"), "machine": machine(), "quick": args.quick}
    failures = []

    if "http" in wanted:
        from bench import http_bench

        results["http"] = http_bench.run(seconds=3 if args.quick else 10, workers=(2, 4),
                                         memory_requests=1000 if args.quick else 10_000,
                                         wrk_seconds=3 if args.quick else 10, wrk_runs=1 if args.quick else 3)
    if "exam" in wanted:
        learners = "60" if args.quick else "200"
        runs = {"sqlite": ["bench.exam_burst", "--db", "sqlite", "--learners", learners]}
        if args.pg:
            runs["postgresql"] = ["bench.exam_burst", "--db", "postgresql", "--url", args.pg, "--learners", learners]
        results["exam_burst"] = {}
        for label, cmd in runs.items():
            print(f"exam burst ({label}) …", flush=True)
            run = subprocess_bench(cmd, timeout=900)
            path = RESULTS / f"exam_burst-{label}.json"
            if run.get("exit_code") == 0 and path.exists():
                run["figures"] = json.loads(path.read_text())
            else:
                failures.append(f"exam_burst {label}")
            results["exam_burst"][label] = run
    if "crash" in wanted:
        from bench import crash_safety

        results["crash_safety"] = crash_safety.run(learners=60 if args.quick else 150,
                                                   kills=4 if args.quick else 10)
        if not results["crash_safety"]["ok"]:
            failures.append("crash_safety")
    if "coverage" in wanted:
        print(f"coverage at scale {args.coverage_scale} …", flush=True)
        before = set(RESULTS.glob("coverage-*.json"))
        cmd = ["bench.coverage_bench", "--scale", str(0.01 if args.quick else args.coverage_scale)]
        if args.pg:
            cmd += ["--pg", args.pg]
        run = subprocess_bench(cmd, timeout=3600)
        new = sorted(set(RESULTS.glob("coverage-*.json")) - before)
        if run.get("exit_code") == 0 and new:
            run["figures"] = json.loads(new[-1].read_text())
            new[-1].unlink()  # folded into the dated file
        else:
            failures.append("coverage")
        results["coverage"] = run
    if "certificates" in wanted:
        print("certificates …", flush=True)
        run = subprocess_bench(["bench.certificates_bench", "--runs", "2" if args.quick else "5"], timeout=900)
        results["certificates"] = run
        if run.get("exit_code") != 0:
            failures.append("certificates")

    if "catalog" in wanted:
        print("course import and page weight …", flush=True)
        from bench import catalog_bench

        results["catalog"] = catalog_bench.main(["--courses", "10", "--copies", "10"] if args.quick
                                              else ["--courses", "100"])

    if "messages" in wanted:
        print("messages (send, kill -9, remind) …", flush=True)
        before = set(RESULTS.glob("messages-*.json"))
        cmd = ["bench.messages_bench", "--emails", "1000" if args.quick else "10000",
               "--people-scale", str(0.01 if args.quick else args.coverage_scale)]
        if args.pg:
            cmd += ["--pg", args.pg]
        run = subprocess_bench(cmd, timeout=7200)
        new = sorted(set(RESULTS.glob("messages-*.json")) - before)
        if run.get("exit_code") == 0 and new:
            run["figures"] = json.loads(new[-1].read_text())
            new[-1].unlink()  # folded into the dated file
        else:
            failures.append("messages")
        results["messages"] = run
    if "onboarding" in wanted:
        print("activation codes, slips and page weight …", flush=True)
        from bench import onboarding_bench

        results["onboarding"] = onboarding_bench.main(
            ["--people", "1000" if args.quick else "10000", "--slips", "100" if args.quick else "1000"])
        if not all(f["within_goal"] for f in results["onboarding"]["weight"].values()):
            failures.append("onboarding page weight")

    if "jobs" in wanted:
        print("jobs: a large registry import and a 500-certificate ZIP, run by the worker …", flush=True)
        before = set(RESULTS.glob("jobs-*.json"))
        cmd = ["bench.jobs_bench", "--rows", "5000" if args.quick else "100000",
               "--certificates", "20" if args.quick else "500"]
        if args.pg:
            cmd += ["--pg", args.pg]
        run = subprocess_bench(cmd, timeout=7200)
        new = sorted(set(RESULTS.glob("jobs-*.json")) - before)
        if run.get("exit_code") == 0 and new:
            run["figures"] = json.loads(new[-1].read_text())
            new[-1].unlink()  # folded into the dated file
        else:
            failures.append("jobs")
        results["jobs"] = run

    results["failures"] = failures
    RESULTS.mkdir(parents=True, exist_ok=True)
    suffix = "-quick" if args.quick else ""
    path = RESULTS / f"{datetime.now(UTC):%Y-%m-%d}{suffix}.json"
    path.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"written {path.relative_to(ROOT)}; failures: {failures or 'none'}")
    return 1 if failures else 0


sys.exit(main())

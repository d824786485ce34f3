"""HTTP throughput, worker memory and page weight.

    python -m bench.http_bench [--seconds 8] [--workers 2 4] [--pg URL] [--memory-requests 10000]

- Throughput: the lesson page and the learner dashboard (/my-learning), logged in as the
  demo learner, under gunicorn (sync workers, 2 and 4), next to a bare Flask "hello world"
  (bench/hello_app.py) served the same way in the same run. The load generator is in this
  file: standard library only, several client processes × threads, a new connection per
  request (gunicorn's sync workers close it anyway), loopback only, every loop time-bound.
  Figures: requests/s, p50/p95/p99 latency, errors, and the ratio to the bare app.
- Memory: VmRSS (/proc/<pid>/status) of the single worker of a 1-worker gunicorn after a
  warm-up, and after N more requests (lesson page and dashboard alternately).
- Page weight: the main pages with everything they load on first visit (HTML + CSS + JS +
  fonts + images, uncompressed), through the test client; fails when a page loads anything
  from another host.

Prints the figures and returns them (bench/__main__.py writes bench/results/<date>.json).
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
CSS_URL_RE = re.compile(r"url\(\s*['\"]?([^'\")]+)['\"]?\s*\)")
LEARNER = "0912345678"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- data -----------------------------------------------------------------------------

def prepare(url: str) -> dict:
    """Fresh schema, bundled courses and quizzes, demo data; returns the paths to load."""
    os.environ["LMS_DATABASE_URL"] = url
    from sqlalchemy import select

    from lms import create_app
    from lms.catalog.models import Course, Lesson
    from lms.extensions import db

    app = create_app()
    with app.app_context():
        db.drop_all()
        db.create_all()
        runner = app.test_cli_runner()
        for args in (["lms", "import-courses"], ["lms", "import-quizzes"], ["lms", "seed-demo"]):
            result = runner.invoke(args=args)
            if result.exit_code != 0:
                raise RuntimeError(f"{args}: {result.output}")
        course = db.session.scalar(select(Course).where(Course.slug == "lam-quen-ocop"))
        lesson = db.session.scalar(select(Lesson).where(Lesson.course_id == course.id).order_by(Lesson.position))
        paths = {"lesson": f"/courses/{course.slug}/lessons/{lesson.slug}", "dashboard": "/my-learning",
                 "course": f"/courses/{course.slug}"}
        db.session.remove()
        db.engine.dispose()
    return paths


# --- servers --------------------------------------------------------------------------

def child_pids(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (a gunicorn master's workers)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                pids.append(int(entry.name))
    return pids


class Server:
    """gunicorn on a free loopback port, started and answering ``/healthz``."""

    def __init__(self, module: str, workers: int, env: dict, log: Path):
        self.port = free_port()
        gunicorn = Path(sys.executable).with_name("gunicorn")
        with log.open("a") as out:
            self.process = subprocess.Popen(
                [str(gunicorn), "--config", str(ROOT / "gunicorn.conf.py"), "--workers", str(workers), "--bind", f"127.0.0.1:{self.port}",
                 "--backlog", "2048", "--timeout", "60", module],
                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
            )
        self.log = log
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited; see {log}")
            try:
                status, _, _ = request(self.port, "GET", "/healthz")
                if status in (200, 404):
                    return
            except OSError:
                time.sleep(0.1)
        self.process.kill()
        raise RuntimeError(f"gunicorn did not start; see {log}")

    def workers(self) -> list[int]:
        return child_pids(self.process.pid)

    def cpu_seconds(self) -> float:
        """User + system CPU time used so far by the master and its workers."""
        ticks = os.sysconf("SC_CLK_TCK")
        total = 0
        for pid in [self.process.pid, *self.workers()]:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += int(fields[11]) + int(fields[12])  # utime, stime
        return total / ticks

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def request(port: int, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        data = response.read()
        return response.status, response.getheaders(), data
    finally:
        conn.close()


def login_cookie(port: int) -> str:
    from lms.main.demo import DEMO_PASSWORD

    status, headers, data = request(port, "GET", "/login")
    cookies = {}

    def keep(headers):
        for name, value in headers:
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                cookies[key] = rest.split(";", 1)[0]

    keep(headers)
    token = CSRF_RE.search(data.decode()).group(1)
    body = urlencode({"csrf_token": token, "login": LEARNER, "password": DEMO_PASSWORD}).encode()
    cookie = "; ".join(f"{k}={v}" for k, v in cookies.items())
    status, headers, _ = request(port, "POST", "/login", body,
                                 {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie})
    if status != 302:
        raise RuntimeError(f"login failed: {status}")
    keep(headers)
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


# --- load generator ---------------------------------------------------------------------

def _client_process(port: int, paths: list[str], cookie: str, threads: int, seconds: float,
                    max_requests: int, queue) -> None:
    deadline = time.monotonic() + seconds
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    errors = [0]
    lock = threading.Lock()
    counter = [0]
    headers = {"Cookie": cookie} if cookie else {}

    def worker(offset: int):
        n = offset
        local: list[float] = []
        local_status: dict[int, int] = {}
        while time.monotonic() < deadline:
            with lock:
                if counter[0] >= max_requests:
                    break
                counter[0] += 1
            path = paths[n % len(paths)]
            n += 1
            started = time.perf_counter()
            try:
                status, _, _ = request(port, "GET", path, headers=headers)
            except OSError:
                with lock:
                    errors[0] += 1
                continue
            local.append(time.perf_counter() - started)
            local_status[status] = local_status.get(status, 0) + 1
        with lock:
            latencies.extend(local)
            for k, v in local_status.items():
                statuses[k] = statuses.get(k, 0) + v

    pool = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    queue.put((latencies, statuses, errors[0]))


def load(port: int, paths: list[str], cookie: str, seconds: float, processes: int = 2, threads: int = 8,
         max_requests: int = 10**9) -> dict:
    """Hammer ``paths`` for ``seconds`` (or until ``max_requests``); figures."""
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    per_process = -(-max_requests // processes)
    started = time.perf_counter()
    procs = [ctx.Process(target=_client_process, args=(port, paths, cookie, threads, seconds, per_process, queue))
             for _ in range(processes)]
    for p in procs:
        p.start()
    results = [queue.get(timeout=seconds + 120) for _ in procs]
    for p in procs:
        p.join(timeout=30)
    wall = time.perf_counter() - started
    latencies = sorted(x for r in results for x in r[0])
    statuses: dict[int, int] = {}
    for r in results:
        for k, v in r[1].items():
            statuses[k] = statuses.get(k, 0) + v
    errors = sum(r[2] for r in results)

    def pct(q):
        return round(1000 * latencies[min(len(latencies) - 1, int(q * len(latencies)))], 1) if latencies else None

    return {
        "requests": len(latencies), "seconds": round(wall, 2),
        "rps": round(len(latencies) / wall, 1), "p50_ms": pct(0.50), "p95_ms": pct(0.95), "p99_ms": pct(0.99),
        "mean_ms": round(1000 * statistics.fmean(latencies), 1) if latencies else None,
        "statuses": {str(k): v for k, v in sorted(statuses.items())}, "connection_errors": errors,
        "clients": processes * threads,
    }


# --- page weight ----------------------------------------------------------------------

RESOURCE_ATTRS = {("link", "href"), ("script", "src"), ("img", "src"), ("iframe", "src"), ("source", "src"),
                  ("video", "src"), ("audio", "src"), ("embed", "src"), ("object", "data"), ("input", "src"),
                  ("video", "poster"), ("track", "src")}


class Resources(HTMLParser):
    def __init__(self):
        super().__init__()
        self.loads: list[str] = []      # fetched on load
        self.absolute: list[str] = []   # any absolute URL in a loading attribute, or a form/meta refresh

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for (t, attr) in RESOURCE_ATTRS:
            if t == tag and attrs.get(attr):
                value = attrs[attr]
                if tag == "link" and not set((attrs.get("rel") or "").split()) & {
                        "stylesheet", "icon", "preload", "modulepreload", "manifest", "apple-touch-icon"}:
                    continue
                self.loads.append(value)
        for attr in ("src", "href", "action", "data", "poster", "srcset"):
            value = attrs.get(attr) or ""
            if tag != "a" and (value.startswith(("http://", "https://", "//"))):
                self.absolute.append(f"<{tag} {attr}={value}>")
        if tag == "meta" and "url=" in (attrs.get("content") or "").lower():
            self.absolute.append(f"<meta content={attrs['content']}>")


def page_weight(url: str, paths: dict) -> dict:
    os.environ["LMS_DATABASE_URL"] = url
    from lms import create_app
    from lms.extensions import db, limiter
    from lms.main.demo import DEMO_PASSWORD

    app = create_app({"LOGIN_RATE_LIMIT": "100000/minute"})
    limiter.reset()
    out = {}
    offsite: list[str] = []

    def measure(client, path):
        response = client.get(path)
        html = response.get_data()
        parser = Resources()
        parser.feed(html.decode("utf-8", "replace"))
        offsite.extend(f"{path}: {a}" for a in parser.absolute)
        total, parts = len(html), {"html": len(html)}
        seen = set()
        queue = list(parser.loads)
        while queue:
            ref = queue.pop(0)
            split = urlsplit(ref)
            if split.scheme or split.netloc:
                offsite.append(f"{path}: loads {ref}")
                continue
            if split.path in seen or ref.startswith("data:"):
                continue
            seen.add(split.path)
            sub = client.get(split.path + (f"?{split.query}" if split.query else ""))
            body = sub.get_data()
            kind = split.path.rsplit(".", 1)[-1].lower()
            kind = {"woff2": "font", "woff": "font", "ttf": "font", "otf": "font", "svg": "image", "png": "image",
                    "jpg": "image", "jpeg": "image", "webp": "image", "ico": "image"}.get(kind, kind)
            parts[kind] = parts.get(kind, 0) + len(body)
            total += len(body)
            if kind == "css":
                for inner in CSS_URL_RE.findall(body.decode("utf-8", "replace")):
                    if inner.startswith(("http://", "https://", "//")):
                        offsite.append(f"{split.path}: url({inner})")
                    elif not inner.startswith("data:"):
                        base = split.path.rsplit("/", 1)[0]
                        queue.append(inner if inner.startswith("/") else f"{base}/{inner}")
        return {"status": response.status_code, "total_bytes": total, "parts": parts}

    # No app context around the test client: flask-login caches the user in ``g``.
    anonymous = app.test_client()
    out["/login"] = measure(anonymous, "/login")
    learner = app.test_client()
    token = CSRF_RE.search(learner.get("/login").get_data(as_text=True)).group(1)
    learner.post("/login", data={"csrf_token": token, "login": LEARNER, "password": DEMO_PASSWORD})
    for path in ("/", paths["dashboard"], "/courses", paths["course"], paths["lesson"], "/quizzes"):
        out[path] = measure(learner, path)
    manager = app.test_client()
    token = CSRF_RE.search(manager.get("/login").get_data(as_text=True)).group(1)
    manager.post("/login", data={"csrf_token": token, "login": "manager@demo.ocop.vn", "password": DEMO_PASSWORD})
    for path in ("/coverage/", "/registry/organisations", "/registry/people"):
        out[f"{path} (manager)"] = measure(manager, path)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    bad = {k: v["status"] for k, v in out.items() if v["status"] != 200}
    if bad:
        raise RuntimeError(f"page weight: pages not 200: {bad}")
    if offsite:
        raise RuntimeError(f"pages load from another host: {offsite[:5]}")
    return {"pages": out, "offsite_requests": 0}


# --- run ------------------------------------------------------------------------------

def run(seconds: float = 8.0, workers: tuple[int, ...] = (2, 4), pg: str | None = None,
        memory_requests: int = 10_000) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix="http-bench-"))
    url = pg or f"sqlite:///{tmp / 'bench.db'}"
    print(f"http bench: preparing {url.split('://')[0]} database …", flush=True)
    paths = prepare(url)
    env = dict(os.environ, LMS_DATABASE_URL=url, LMS_SECRET_KEY=os.environ.get("LMS_SECRET_KEY", "http-bench-secret"),
               LMS_LOGIN_RATE_LIMIT="100000/minute", PYTHONPATH=str(ROOT))
    log = tmp / "gunicorn.log"
    results: dict = {"database": url.split("+")[0].split(":")[0], "paths": paths, "seconds_per_run": seconds,
                     "throughput": {}}
    for n in workers:
        row = {}
        for name, module, targets, needs_login in (
            ("hello", "bench.hello_app:app", ["/"], False),
            ("lesson", "wsgi:app", [paths["lesson"]], True),
            ("dashboard", "wsgi:app", [paths["dashboard"]], True),
        ):
            server = Server(module, n, env, log)
            try:
                cookie = login_cookie(server.port) if needs_login else ""
                load(server.port, targets, cookie, seconds=1.0)  # warm-up: imports, caches
                cpu_before = server.cpu_seconds()
                row[name] = load(server.port, targets, cookie, seconds=seconds)
                # Server CPU per request: unlike req/s, hardly moved by other work on the machine.
                row[name]["server_cpu_ms_per_request"] = round(
                    1000 * (server.cpu_seconds() - cpu_before) / max(1, row[name]["requests"]), 2)
            finally:
                server.stop()
            print(f"  {n} workers {name:>9}: {row[name]['rps']:7.1f} req/s  "
                  f"{row[name]['server_cpu_ms_per_request']} ms CPU/req  p50 {row[name]['p50_ms']} ms  "
                  f"p95 {row[name]['p95_ms']} ms  p99 {row[name]['p99_ms']} ms  {row[name]['statuses']}", flush=True)
        for name in ("lesson", "dashboard"):
            row[name]["ratio_to_hello"] = round(row[name]["rps"] / row["hello"]["rps"], 3)
            row[name]["cpu_ratio_to_hello"] = round(
                row["hello"]["server_cpu_ms_per_request"] / max(0.001, row[name]["server_cpu_ms_per_request"]), 3)
        results["throughput"][f"{n}_workers"] = row

    server = Server("wsgi:app", 1, env, log)
    try:
        cookie = login_cookie(server.port)
        (worker,) = server.workers()
        load(server.port, [paths["lesson"], paths["dashboard"]], cookie, seconds=30, max_requests=200)
        warm = rss_kib(worker)
        run_ = load(server.port, [paths["lesson"], paths["dashboard"]], cookie, seconds=300,
                    max_requests=memory_requests)
        after = rss_kib(worker)
        assert server.workers() == [worker], "the worker was replaced during the run"
    finally:
        server.stop()
    results["memory"] = {"worker_rss_after_warmup_mib": round(warm / 1024, 1),
                         "requests": run_["requests"], "worker_rss_after_mib": round(after / 1024, 1),
                         "growth_mib": round((after - warm) / 1024, 1), "rps_1_worker": run_["rps"]}
    print(f"  memory: {results['memory']}", flush=True)
    results["page_weight"] = page_weight(url, paths)
    for page, figures in results["page_weight"]["pages"].items():
        print(f"  weight {page:>28}: {figures['total_bytes'] / 1024:6.1f} KiB {figures['parts']}")
    return results


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--workers", type=int, nargs="+", default=[2, 4])
    parser.add_argument("--pg", help="PostgreSQL URL of a database the benchmark may empty")
    parser.add_argument("--memory-requests", type=int, default=10_000)
    args = parser.parse_args(argv)
    results = run(args.seconds, tuple(args.workers), args.pg, args.memory_requests)
    print(json.dumps(results, indent=2))
    return results


if __name__ == "__main__":
    main()

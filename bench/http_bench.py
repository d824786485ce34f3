"""HTTP throughput, worker memory and page weight.

    python -m bench.http_bench [--only stdlib wrk memory weight] [--seconds 8] [--workers 2 4]
        [--wrk-seconds 10] [--wrk-runs 3] [--pg URL] [--memory-requests 10000]

Every server is gunicorn with the settings of `make run` (gunicorn.conf.py: sync workers, the
app preloaded in the master); only the number of workers and the port change.

- wrk (when the Debian package ``wrk`` is installed): ``wrk -t1 -c8`` against the lesson page,
  the learner dashboard (/my-learning) and a bare Flask "hello world" (bench/hello_app.py),
  each under gunicorn with 2 workers; ``--wrk-runs`` rounds (default 3) of the three in turn,
  and the ratio of the medians (page / hello world). Also the server's CPU time per request,
  which other work on the machine hardly moves. Then the share of ``304 Not Modified`` on a
  repeated-view run of the lesson page, the course page and My learning: every request sends
  ``If-None-Match`` with the ETag of a first view (0 % and "no ETag" for a page without one).
  The session cookie goes in through bench/wrk_session.lua.
- stdlib: the same pages under gunicorn with 2 and 4 workers, loaded by the generator in
  this file (standard library only, several client processes × threads, a new connection
  per request, loopback only, every loop time-bound): requests/s, p50/p95/p99, errors, the
  ratio to the bare app. Slower than wrk, so it shows a smaller gap between the pages and
  the bare app.
- memory: the single worker of a 1-worker gunicorn after a warm-up and after N more
  requests (lesson page and dashboard alternately): RSS (every page the worker maps, shared
  with the master or not), PSS (shared pages divided among the processes sharing them) and
  USS (the worker's own pages: what one more worker costs), from /proc/<pid>/smaps_rollup;
  and the sum of PSS of a 2-worker server (master + workers): what the server occupies.
- weight: the main pages with everything they load on first visit (HTML + CSS + JS +
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
import shutil
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
GUNICORN_CONF = ROOT / "gunicorn.conf.py"
WRK_SCRIPT = ROOT / "bench" / "wrk_session.lua"
PARTS = ("wrk", "stdlib", "memory", "weight")


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
                [str(gunicorn), "--config", str(GUNICORN_CONF), "--workers", str(workers), "--bind", f"127.0.0.1:{self.port}",
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


def memory_mib(pid: int) -> dict:
    """RSS, PSS and USS (private clean + dirty) of a process, in MiB."""
    fields = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        name, _, value = line.partition(":")
        fields[name] = int(value.split()[0])
    return {"rss": round(fields["Rss"] / 1024, 1), "pss": round(fields["Pss"] / 1024, 1),
            "uss": round((fields["Private_Clean"] + fields["Private_Dirty"]) / 1024, 1)}


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
    from lms.extensions import db
    from lms.main.demo import DEMO_PASSWORD

    app = create_app({"LOGIN_RATE_LIMIT": "100000/minute"})
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


# --- wrk ------------------------------------------------------------------------------

def wrk_run(port: int, path: str, seconds: float, cookie: str = "", if_none_match: str | None = None,
            count: bool = False, connections: int = 8, threads: int = 1) -> dict:
    """One ``wrk -t1 -c8`` run (bench/wrk_session.lua); figures from its WRK_JSON line."""
    env = dict(os.environ, LMS_BENCH_COOKIE=cookie, LMS_BENCH_IF_NONE_MATCH=if_none_match or "")
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--timeout", "30s",
           "-s", str(WRK_SCRIPT), f"http://127.0.0.1:{port}{path}"]
    if count:
        cmd += ["--", "count"]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 90, env=env)
    lines = [line for line in done.stdout.splitlines() if line.startswith("WRK_JSON ")]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stdout[-800:]} {done.stderr[-800:]}")
    figures = json.loads(lines[-1][len("WRK_JSON "):])
    seconds_run = figures["duration_us"] / 1e6
    return {
        "requests": figures["requests"], "seconds": round(seconds_run, 2),
        "rps": round(figures["requests"] / seconds_run, 1),
        "p50_ms": round(figures["latency_us"]["p50"] / 1000, 2),
        "p99_ms": round(figures["latency_us"]["p99"] / 1000, 2),
        "errors": {k: v for k, v in figures["errors"].items() if v},
        "statuses": figures["statuses"] if count else None,
    }


def check_page(port: int, path: str, cookie: str) -> list[tuple[str, str]]:
    """The page answers 200 to this session (so a run measures the page, not a redirect to
    the login); its headers."""
    status, headers, _ = request(port, "GET", path, headers={"Cookie": cookie} if cookie else {})
    if status != 200:
        raise RuntimeError(f"{path}: {status} instead of 200 (session lost?)")
    return headers


def wrk_section(paths: dict, env: dict, log: Path, seconds: float, runs: int, workers: int = 2) -> dict:
    """Rounds of wrk runs (hello, lesson, dashboard in turn: drift hits them alike); ratio
    of medians; then the 304 share of repeated views."""
    hello = Server("bench.hello_app:app", workers, env, log)
    lms = None
    try:
        lms = Server("wsgi:app", workers, env, log)
        cookie = login_cookie(lms.port)
        # "floor": a logged-in request that renders nothing (/healthz with the session: the
        # signed cookie, Flask-Login, the user + roles + server session query, one SELECT):
        # what any page of this stack costs before it queries or renders anything of its own.
        # "lesson_304": the lesson page with its own ETag in If-None-Match, answered 304: all
        # the page does but render and send it, the bound of any cache of rendered pages.
        targets = {"hello": (hello, "/", ""), "lesson": (lms, paths["lesson"], cookie),
                   "dashboard": (lms, paths["dashboard"], cookie), "floor": (lms, "/healthz", cookie),
                   "lesson_304": (lms, paths["lesson"], cookie)}
        etags = {}
        for name, (server, path, session) in targets.items():
            headers = dict((k.lower(), v) for k, v in check_page(server.port, path, session))
            etags[name] = headers.get("etag") if name == "lesson_304" else None
            wrk_run(server.port, path, 2, session, etags[name])  # warm-up: lazy imports, caches, templates
        rounds: dict[str, list[dict]] = {name: [] for name in targets}
        for i in range(runs):
            for name, (server, path, session) in targets.items():
                cpu_before = server.cpu_seconds()
                figures = wrk_run(server.port, path, seconds, session, etags[name])
                figures["server_cpu_ms_per_request"] = round(
                    1000 * (server.cpu_seconds() - cpu_before) / max(1, figures["requests"]), 2)
                rounds[name].append(figures)
                print(f"  wrk round {i + 1}/{runs} {name:>10}: {figures['rps']:7.1f} req/s  "
                      f"{figures['server_cpu_ms_per_request']} ms CPU/req  p50 {figures['p50_ms']} ms  "
                      f"p99 {figures['p99_ms']} ms{'  errors ' + str(figures['errors']) if figures['errors'] else ''}",
                      flush=True)
        for server, path, session in targets.values():
            check_page(server.port, path, session)  # still logged in at the end
        medians = {name: statistics.median(r["rps"] for r in rows) for name, rows in rounds.items()}
        cpu = {name: statistics.median(r["server_cpu_ms_per_request"] for r in rows) for name, rows in rounds.items()}
        result = {
            "tool": "wrk -t1 -c8", "workers": workers, "seconds_per_run": seconds, "runs": runs,
            "rounds": rounds,
            "median_rps": medians,
            "median_server_cpu_ms_per_request": cpu,
            "ratio_to_hello": {name: round(medians[name] / medians["hello"], 3)
                               for name in ("lesson", "dashboard", "floor", "lesson_304")},
            "cpu_ratio_to_hello": {name: round(cpu["hello"] / max(0.001, cpu[name]), 3)
                                   for name in ("lesson", "dashboard", "floor", "lesson_304")},
            "revisits": revisits(lms, paths, cookie, seconds=min(seconds, 5)),
        }
    finally:
        hello.stop()
        if lms is not None:
            lms.stop()
    print(f"  wrk medians: {result['median_rps']}  ratio to hello world: {result['ratio_to_hello']}", flush=True)
    for name, figures in result["revisits"].items():
        print(f"  repeated views {name:>9}: {figures['share_304']:.0%} answered 304 ({figures['note']})", flush=True)
    return result


def revisits(server: Server, paths: dict, cookie: str, seconds: float) -> dict:
    """Each page viewed again and again with If-None-Match = the ETag of a first view: the
    share of 304 Not Modified answers."""
    out = {}
    for name in ("lesson", "course", "dashboard"):
        headers = dict((k.lower(), v) for k, v in check_page(server.port, paths[name], cookie))
        etag = headers.get("etag")
        if not etag:
            out[name] = {"etag": None, "share_304": 0.0, "note": "no ETag", "cache_control": headers.get("cache-control")}
            continue
        figures = wrk_run(server.port, paths[name], seconds, cookie, if_none_match=etag, count=True)
        answered = sum(figures["statuses"].values()) or 1
        share = figures["statuses"].get("304", 0) / answered
        out[name] = {"etag": etag, "share_304": round(share, 4), "requests": figures["requests"],
                     "rps": figures["rps"], "statuses": figures["statuses"],
                     "cache_control": headers.get("cache-control"),
                     "note": f"{figures['statuses'].get('304', 0)} of {answered}"}
    return out


# --- run ------------------------------------------------------------------------------

def stdlib_section(paths: dict, env: dict, log: Path, seconds: float, workers: tuple[int, ...]) -> dict:
    out = {}
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
        out[f"{n}_workers"] = row
    return out


def memory_section(paths: dict, env: dict, log: Path, memory_requests: int) -> dict:
    """One worker (gunicorn --workers 1, preloaded like make run): memory after a warm-up
    and after ``memory_requests`` more requests; the bare app's worker for comparison."""
    hello = Server("bench.hello_app:app", 1, env, log)
    try:
        (worker,) = hello.workers()
        load(hello.port, ["/"], "", seconds=30, max_requests=200)
        bare = memory_mib(worker)
    finally:
        hello.stop()
    server = Server("wsgi:app", 1, env, log)
    try:
        cookie = login_cookie(server.port)
        (worker,) = server.workers()
        targets = [paths["lesson"], paths["dashboard"]]
        load(server.port, targets + [paths["course"]], cookie, seconds=30, max_requests=200)
        warm = memory_mib(worker)
        master = memory_mib(server.process.pid)
        run_ = load(server.port, targets, cookie, seconds=300, max_requests=memory_requests)
        after = memory_mib(worker)
        assert server.workers() == [worker], "the worker was replaced during the run"
    finally:
        server.stop()
    # The whole server as make run starts it (master + 2 workers, both warmed up): the sum of
    # PSS is the memory the group really occupies.
    server = Server("wsgi:app", 2, env, log)
    try:
        cookie = login_cookie(server.port)
        load(server.port, targets + [paths["course"]], cookie, seconds=60, max_requests=1000)
        group = {"master": memory_mib(server.process.pid),
                 "workers": [memory_mib(pid) for pid in server.workers()]}
    finally:
        server.stop()
    group["total_pss_mib"] = round(group["master"]["pss"] + sum(w["pss"] for w in group["workers"]), 1)
    result = {"worker_rss_after_warmup_mib": warm["rss"], "requests": run_["requests"],
              "worker_rss_after_mib": after["rss"], "growth_mib": round(after["rss"] - warm["rss"], 1),
              "rps_1_worker": run_["rps"], "statuses": run_["statuses"],
              "worker_after_warmup": warm, "worker_after": after, "master": master,
              "bare_flask_worker_after_warmup": bare, "two_workers": group}
    print(f"  memory (MiB) worker after warm-up {warm}, after {run_['requests']} requests {after}; "
          f"master {master}; bare Flask worker {bare}", flush=True)
    print(f"  memory (MiB) of master + 2 workers: PSS {group['total_pss_mib']} in all; {group}", flush=True)
    return result


def run(seconds: float = 8.0, workers: tuple[int, ...] = (2, 4), pg: str | None = None,
        memory_requests: int = 10_000, wrk_seconds: float = 10.0, wrk_runs: int = 3,
        only: tuple[str, ...] = PARTS) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix="http-bench-"))
    url = pg or f"sqlite:///{tmp / 'bench.db'}"
    print(f"http bench: preparing {url.split('://')[0]} database …", flush=True)
    paths = prepare(url)
    env = dict(os.environ, LMS_DATABASE_URL=url, LMS_SECRET_KEY=os.environ.get("LMS_SECRET_KEY", "http-bench-secret"),
               LMS_LOGIN_RATE_LIMIT="100000/minute",
               LMS_LOGIN_ADDRESS_RATE_LIMIT="100000/minute", PYTHONPATH=str(ROOT))
    log = tmp / "gunicorn.log"
    results: dict = {"database": url.split("+")[0].split(":")[0], "paths": paths, "seconds_per_run": seconds,
                     "gunicorn_config": GUNICORN_CONF.name}
    if "wrk" in only:
        if shutil.which("wrk"):
            results["wrk"] = wrk_section(paths, env, log, wrk_seconds, wrk_runs)
        else:
            results["wrk"] = {"skipped": "wrk is not installed (Debian: apt-get install wrk)"}
            print(f"  {results['wrk']['skipped']}", flush=True)
    if "stdlib" in only:
        results["throughput"] = stdlib_section(paths, env, log, seconds, workers)
    if "memory" in only:
        results["memory"] = memory_section(paths, env, log, memory_requests)
    if "weight" in only:
        results["page_weight"] = page_weight(url, paths)
        for page, figures in results["page_weight"]["pages"].items():
            print(f"  weight {page:>28}: {figures['total_bytes'] / 1024:6.1f} KiB {figures['parts']}")
    return results


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", choices=PARTS, default=list(PARTS))
    parser.add_argument("--seconds", type=float, default=8.0, help="length of a stdlib-generator run")
    parser.add_argument("--workers", type=int, nargs="+", default=[2, 4], help="stdlib generator: gunicorn workers")
    parser.add_argument("--wrk-seconds", type=float, default=10.0, help="length of a wrk run")
    parser.add_argument("--wrk-runs", type=int, default=3, help="wrk rounds (the ratio is of their medians)")
    parser.add_argument("--pg", help="PostgreSQL URL of a database the benchmark may empty")
    parser.add_argument("--memory-requests", type=int, default=10_000)
    args = parser.parse_args(argv)
    results = run(args.seconds, tuple(args.workers), args.pg, args.memory_requests, args.wrk_seconds, args.wrk_runs,
                  tuple(args.only))
    print(json.dumps(results, indent=2))
    return results


if __name__ == "__main__":
    main()

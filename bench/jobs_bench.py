"""Jobs: a large registry import and a 500-certificate ZIP, each run as a job by the worker.

    python -m bench.jobs_bench [--rows 100000] [--certificates 500] [--pg postgresql+psycopg://…/db_to_empty]

For each: the requests' side (through the test client: upload, preview, confirm), then
``flask lms worker --once`` in-process: wall time and CPU time of each job (the import is a
check job, then an apply job), the number of progress reports written, and the final state. The import is a CSV of organisations
with their leaders (2 records per row) into a throw-away database (SQLite by default). The
figures are printed and written to bench/results/jobs-<timestamp>.json.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

os.environ.setdefault("LMS_SECRET_KEY", "bench-secret-not-for-production")

from sqlalchemy import event, func, select  # noqa: E402

from lms import create_app  # noqa: E402
from lms.extensions import db  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
PASSWORD = "bench-password-123"
HEADER = "org_code,org_name,org_type,unit_code,leader_name,leader_phone,joined_year\n"


def csv_file(n: int, communes: list[str]) -> bytes:
    lines = [HEADER]
    for i in range(n):
        lines.append(f"X{i:09d},HTX Nhập {i},Hợp tác xã,{communes[i % len(communes)]},Nguyễn Văn {i},03{i:08d},2024\n")
    return "".join(lines).encode()


def count_progress(app) -> dict:
    """Count the progress writes (UPDATE job … done=…) the job makes."""
    counter = {"progress_writes": 0}

    def before(conn, cursor, statement, parameters, context, executemany):
        if statement.startswith("UPDATE job SET") and "done" in statement:
            counter["progress_writes"] += 1

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", before)
    return counter


def login(client) -> None:
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', client.get("/login").get_data(as_text=True))
    client.post("/login", data={"login": "admin@bench.vn", "password": PASSWORD, "csrf_token": token.group(1)})


def csrf(client, url: str) -> str:
    html = client.get(url).get_data(as_text=True)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def run_worker(app) -> dict:
    from lms.jobs.models import Job
    from lms.jobs.worker import run_worker as worker

    wall, cpu = time.perf_counter(), time.process_time()
    stats = worker(app, once=True)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    with app.app_context():
        job = db.session.get(Job, stats.jobs[-1])
        return {"status": job.status, "message": job.message, "error": job.error, "attempts": job.attempts,
                "result_bytes": job.result_size, "wall_s": round(wall, 1), "cpu_s": round(cpu, 1)}


def bench_import(app, rows: int) -> dict:
    """Upload (the request queues the check), check job, preview (from the check's summary),
    "Import now" (the request queues the apply), apply job."""
    from lms.registry.models import AdminUnit, Organisation, Person

    with app.app_context():
        communes = list(db.session.scalars(select(AdminUnit.code).where(AdminUnit.scheme == "2025",
                                                                        AdminUnit.level == "commune").limit(500)))
    data = csv_file(rows, communes)
    client = app.test_client()
    login(client)
    out: dict = {"rows": rows, "file_bytes": len(data)}

    def timed_request(name, fn):
        wall, cpu = time.perf_counter(), time.process_time()
        response = fn()
        out[f"{name}_request_s"] = round(time.perf_counter() - wall, 2)
        out[f"{name}_request_cpu_s"] = round(time.process_time() - cpu, 2)
        return response

    upload = timed_request("upload", lambda: client.post(
        "/registry/import", data={"file": (io.BytesIO(data), "bench.csv"), "scheme": "2025", "kind": "",
                                  "csrf_token": csrf(client, "/registry/import")},
        content_type="multipart/form-data"))
    check_url = upload.headers["Location"]
    assert check_url.startswith("/jobs/"), check_url
    counter = count_progress(app)
    out["check_job"] = run_worker(app)
    preview_url = re.search(r'href="(/registry/import/\d+)" data-testid="job-link"',
                            client.get(check_url).get_data(as_text=True)).group(1)
    preview = timed_request("preview", lambda: client.get(preview_url))
    assert preview.status_code == 200
    queued = timed_request("confirm", lambda: client.post(preview_url,
                                                          data={"csrf_token": csrf(client, "/registry/import")}))
    assert queued.headers["Location"].startswith("/jobs/"), queued.headers.get("Location")
    out["apply_job"] = run_worker(app)
    out.update(counter)
    with app.app_context():
        out["organisations"] = db.session.scalar(select(func.count()).select_from(Organisation))
        out["people"] = db.session.scalar(select(func.count()).select_from(Person))
    wall = out["check_job"]["wall_s"] + out["apply_job"]["wall_s"]
    out["rows_per_s_check_and_apply"] = round(rows / wall) if wall else None
    return out


def bench_certificates(app, n: int) -> dict:
    from bench.certificates_bench import certificate_holders

    with app.app_context():
        course_id = certificate_holders("bench-certificates", n).id
    client = app.test_client()
    login(client)
    url = f"/certificates/print.zip?course={course_id}"
    started = time.perf_counter()
    queued = client.post(url, data={"csrf_token": csrf(client, url)})
    queue_s = time.perf_counter() - started
    assert queued.headers["Location"].startswith("/jobs/"), queued.headers.get("Location")
    counter = count_progress(app)
    out = {"certificates": n, "confirm_request_s": round(queue_s, 2), **run_worker(app), **counter}
    out["ms_per_certificate"] = round(1000 * out["wall_s"] / n)
    return out


def run(url: str, label: str, rows: int, certificates: int) -> dict:
    from lms.auth import services as auth_services
    from lms.registry import services as registry_services

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "IMPORT_MAX_MB": 200, "IMPORT_MAX_UNCOMPRESSED_MB": 2000,
                      "JOBS_INLINE_IMPORT_ROWS": 0, "JOBS_INLINE_CERTIFICATES": 0,
                      "CERTIFICATE_BULK_MAX": max(certificates, 500), "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
                      "LOGIN_RATE_LIMIT": "1000/minute", "LOGIN_ADDRESS_RATE_LIMIT": "1000/minute",
                      "LOGIN_ACCOUNT_RATE_LIMIT": "1000/minute"})
    with app.app_context():
        db.drop_all()
        db.create_all()
        registry_services.load_units()
        auth_services.create_user(name="Bench admin", email="admin@bench.vn", phone=None, roles=["admin"],
                                  password=PASSWORD)
        db.session.commit()
    out = {"database": label}
    if rows:
        print(f"registry import of {rows} rows as a job ({label}) …", flush=True)
        out["registry_import"] = bench_import(app, rows)
        print(json.dumps(out["registry_import"], ensure_ascii=False), flush=True)
    if certificates:
        print(f"{certificates} certificates as one ZIP job ({label}) …", flush=True)
        out["certificates_zip"] = bench_certificates(app, certificates)
        print(json.dumps(out["certificates_zip"], ensure_ascii=False), flush=True)
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()
    return out


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--certificates", type=int, default=500)
    parser.add_argument("--pg", default=None, help="a PostgreSQL database the benchmark may empty")
    parser.add_argument("--no-sqlite", action="store_true", help="only the PostgreSQL run (with --pg)")
    args = parser.parse_args(argv)
    results = {"date": datetime.now(UTC).isoformat(timespec="seconds"), "runs": []}
    if not (args.no_sqlite and args.pg):
        with tempfile.TemporaryDirectory() as folder:
            results["runs"].append(run(f"sqlite:///{folder}/jobs.db", "sqlite", args.rows, args.certificates))
    if args.pg:
        results["runs"].append(run(args.pg, "postgresql", args.rows, args.certificates))
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"jobs-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    path.write_text(json.dumps(results, indent=2, ensure_ascii=False))
    print(f"written to {path}")
    return results


if __name__ == "__main__":
    main()

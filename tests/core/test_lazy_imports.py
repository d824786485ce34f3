"""Heavy libraries are imported where they are used, not when a worker starts.

A web worker that only shows pages never loads WeasyPrint, openpyxl, segno, the Markdown
pipeline (Python-Markdown, nh3), Flask-Migrate/Alembic or cryptography. Each feature that
needs one still works when it is the first thing a fresh process does: every test below
runs in a new Python process (the ``flask`` command line, or a small script through the
HTTP test client), against a demo database prepared once for the module.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import create_engine, text

from lms import create_app
from lms.extensions import db
from lms.main.demo import DEMO_PASSWORD
from tests.support.courses import write_course

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("weasyprint", "openpyxl", "segno", "markdown", "nh3", "flask_migrate", "alembic", "cryptography")
MARK = "@@lazy-imports@@"

# Reports which heavy libraries a fresh process has loaded: at start (after create_app) and
# at the end (after the feature ran).
REPORT = f"""
import json, sys
HEAVY = {HEAVY!r}
def loaded():
    return sorted(m for m in HEAVY if m in sys.modules)
"""

APP_START = REPORT + f"""
from lms import create_app
create_app()
print({MARK!r} + json.dumps({{"loaded": loaded()}}))
"""

# GET a page as the demo administrator.
HTTP_GET = REPORT + f"""
import re
from lms import create_app
app = create_app({{"LOGIN_RATE_LIMIT": "1000/minute", "LOGIN_ADDRESS_RATE_LIMIT": "1000/minute",
                  "LOGIN_ACCOUNT_RATE_LIMIT": "1000/minute"}})
client = app.test_client()
token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', client.get("/login").get_data(as_text=True))
login = client.post("/login", data={{"csrf_token": token.group(1), "login": "admin@demo.ocop.vn",
                                     "password": {DEMO_PASSWORD!r}}})
assert login.status_code == 302, login.status_code
before = loaded()
response = client.get(sys.argv[1])
body = response.get_data()
print({MARK!r} + json.dumps({{"before": before, "after": loaded(), "status": response.status_code,
                             "type": response.content_type, "head": body[:4].decode("latin-1"),
                             "size": len(body)}}))
"""

# ``flask …`` (the real command line), then the report.
FLASK_CLI = REPORT + f"""
from flask.cli import main
sys.argv = ["flask", "--app", "wsgi", *sys.argv[1:]]
code = 0
try:
    main()
except SystemExit as exc:
    code = exc.code or 0
print({MARK!r} + json.dumps({{"exit_code": code, "after": loaded()}}))
"""


def run_fresh(script: str, *args: str, database_url: str) -> dict:
    env = dict(os.environ, LMS_DATABASE_URL=database_url, PYTHONPATH=str(ROOT), LMS_ENV="development")
    done = subprocess.run([sys.executable, "-c", script, *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300)
    lines = [line for line in done.stdout.splitlines() if line.startswith(MARK)]
    assert done.returncode == 0 and lines, f"exit {done.returncode}\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
    report = json.loads(lines[-1][len(MARK):])
    report["output"] = done.stdout
    return report


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory) -> str:
    """A SQLite file with the bundled courses, quizzes and the demo data (certificates too)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('lazy') / 'demo.db'}"
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    with app.app_context():
        db.create_all()
    runner = app.test_cli_runner()
    for args in (["lms", "import-courses"], ["lms", "import-quizzes"], ["lms", "seed-demo"]):
        result = runner.invoke(args=args)
        assert result.exit_code == 0, result.output
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    return url


def scalar(url: str, sql: str):
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text(sql)).scalar()
    finally:
        engine.dispose()


def test_starting_the_app_imports_no_heavy_library(demo_db):
    assert run_fresh(APP_START, database_url=demo_db)["loaded"] == []


def test_certificate_pdf(demo_db):
    code = scalar(demo_db, "SELECT code FROM certificate ORDER BY id LIMIT 1")
    report = run_fresh(HTTP_GET, f"/certificates/{code}/pdf", database_url=demo_db)
    assert report["before"] == []
    assert report["status"] == 200 and report["type"] == "application/pdf" and report["head"] == "%PDF"
    assert {"weasyprint", "segno"} <= set(report["after"])  # the PDF carries the QR code


def test_xlsx_export(demo_db):
    report = run_fresh(HTTP_GET, "/certificates/export.xlsx", database_url=demo_db)
    assert report["before"] == []
    assert report["status"] == 200 and report["head"] == "PK\x03\x04"  # a ZIP: an XLSX workbook
    assert "openpyxl" in report["after"]


def test_xlsx_import(demo_db, tmp_path):
    commune = scalar(demo_db, "SELECT code FROM admin_unit WHERE scheme = '2025' AND level = 'commune' "
                              "ORDER BY code LIMIT 1")
    book = Workbook()
    sheet = book.active
    sheet.title = "organizations"
    sheet.append(["Mã số thuế / ĐKKD", "Tên tổ chức", "Loại hình", "Mã đơn vị hành chính", "Họ tên người đứng đầu",
                  "Điện thoại người đứng đầu"])
    sheet.append(["0109876543", "Hợp tác xã Chè Lười", "Hợp tác xã", commune, "Lê Thị Lười", "0987 654 321"])
    path = tmp_path / "registry.xlsx"
    book.save(path)
    report = run_fresh(FLASK_CLI, "lms", "import-registry", str(path), "--dry-run", database_url=demo_db)
    assert report["exit_code"] == 0, report["output"]
    assert "organizations: 1 to create" in report["output"] and "dry run" in report["output"]
    assert "openpyxl" in report["after"]


def test_slips_pdf_with_qr_codes(demo_db, tmp_path):
    commune = scalar(demo_db, "SELECT u.code FROM admin_unit u JOIN person p ON p.unit_id = u.id "
                              "WHERE u.scheme = '2025' AND p.phone IS NOT NULL GROUP BY u.code "
                              "ORDER BY count(*) DESC LIMIT 1")
    out = tmp_path / "slips.pdf"
    report = run_fresh(FLASK_CLI, "lms", "activation-slips", "--unit", commune, "--format", "pdf",
                       "--out", str(out), database_url=demo_db)
    assert report["exit_code"] == 0, report["output"]
    assert out.read_bytes()[:4] == b"%PDF"
    assert {"weasyprint", "segno"} <= set(report["after"])


def test_markdown_rendering(demo_db, tmp_path):
    folder = write_course(tmp_path / "courses", "bang", lessons={
        "01-dau/02-hai.md": "---\ntitle: Bài hai\n---\n| Sao | Điểm |\n|---|---|\n| 3 | 50 |\n\nChú thích[^1].\n\n"
                            "[^1]: Theo Quyết định 148.\n\n<script>alert(1)</script>\n",
    })
    report = run_fresh(FLASK_CLI, "lms", "import-courses", str(folder), database_url=demo_db)
    assert report["exit_code"] == 0, report["output"]
    assert {"markdown", "nh3"} <= set(report["after"])
    html = scalar(demo_db, "SELECT v.body_html FROM lesson_version v JOIN lesson l ON l.id = v.lesson_id "
                           "JOIN course c ON c.id = l.course_id WHERE c.slug = 'bang' AND l.title = 'Bài hai'")
    assert "<table>" in html and "<td>50</td>" in html and 'class="footnote"' in html
    assert "<script" not in html


def test_migrations_run_from_the_command_line(tmp_path):
    """``flask db`` loads Flask-Migrate on demand: an empty database is upgraded to head."""
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    report = run_fresh(FLASK_CLI, "db", "upgrade", database_url=url)
    assert report["exit_code"] == 0, report["output"]
    assert "flask_migrate" in report["after"]
    assert scalar(url, "SELECT version_num FROM alembic_version")
    assert "Perform database migrations." in run_fresh(FLASK_CLI, "db", "--help", database_url=url)["output"]

"""Static files: fingerprinted URLs cached for a year, anything else for a short while."""

from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path

import pytest

from lms import create_app
from lms.core.static import fingerprints
from lms.extensions import db
from tests.support.client import login

LMS = Path(__file__).resolve().parents[2] / "lms"
STATIC_URL = re.compile(r'(?:href|src)="(/static/[^"]*)"')
LONG = "public, max-age=31536000, immutable"
SHORT = "public, max-age=300"


def fetch(client, url: str, **kwargs):
    """GET a static file and close it (files are streamed): status, headers, body."""
    with client.get(url, **kwargs) as response:
        return response.status_code, response.headers, response.get_data()


def static_urls(html: str) -> list[str]:
    return STATIC_URL.findall(html)


def sha12(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def test_pages_link_to_fingerprinted_urls(app, client, make_user):
    make_user(("learner",), email="hoa.tinh@example.vn")
    pages = [client.get("/login").get_data(as_text=True)]
    login(client, "hoa.tinh@example.vn")
    pages.append(client.get("/my-learning").get_data(as_text=True))
    urls = {url for html in pages for url in static_urls(html)}
    assert "/static/css/app.css?v=" + sha12(LMS / "static" / "css" / "app.css") in urls
    for url in urls:
        path, _, query = url.partition("?")
        assert re.fullmatch(r"v=[0-9a-f]{12}", query), url
        assert query == "v=" + sha12(LMS / path.lstrip("/")), url


def test_templates_build_static_urls_with_url_for():
    """A hand-written /static/ path would miss the fingerprint (and the year-long cache)."""
    written = [str(path.relative_to(LMS)) for path in LMS.rglob("templates/**/*.html")
               if re.search(r"""["'(]/static/""", path.read_text(encoding="utf-8"))]
    assert written == []


def test_fingerprinted_url_is_cached_for_a_year(app, client):
    (url,) = [u for u in static_urls(client.get("/login").get_data(as_text=True)) if "app.css" in u]
    status, headers, body = fetch(client, url)
    assert status == 200 and headers["Cache-Control"] == LONG
    assert body == (LMS / "static" / "css" / "app.css").read_bytes()
    status, headers, _ = fetch(client, url, headers={"If-None-Match": headers["ETag"]})
    assert status == 304 and headers["Cache-Control"] == LONG


@pytest.mark.parametrize("url", ["/static/css/app.css", "/static/css/app.css?v=000000000000",
                                 "/static/css/app.css?v="])
def test_other_static_requests_get_a_short_cache(app, client, url):
    status, headers, _ = fetch(client, url)
    assert status == 200 and headers["Cache-Control"] == SHORT


def test_missing_static_file(app, client):
    status, headers, _ = fetch(client, "/static/css/none.css?v=000000000000")
    assert status == 404 and headers.get("Cache-Control") != LONG


def fingerprinted_css(app) -> str:
    with app.test_request_context():
        from flask import url_for

        return url_for("static", filename="css/app.css")


def copy_static(tmp_path: Path) -> Path:
    folder = tmp_path / "static"
    shutil.copytree(LMS / "static", folder)
    return folder


def test_a_changed_file_changes_its_url(app, tmp_path, database_url):
    folder = copy_static(tmp_path)
    app.static_folder = str(folder)
    before = fingerprinted_css(app)
    with (folder / "css" / "app.css").open("a", encoding="utf-8") as css:
        css.write("\n.new-rule { color: #123; }\n")
    # The next release (a new process) links to the new file under a new URL.
    release = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url})
    release.static_folder = str(folder)
    after = fingerprinted_css(release)
    assert before != after and after.endswith("?v=" + sha12(folder / "css" / "app.css"))
    client = release.test_client()
    assert fetch(client, after)[1]["Cache-Control"] == LONG
    assert fetch(client, before)[1]["Cache-Control"] == SHORT  # the old URL: no longer the file
    with release.app_context():
        db.engine.dispose()


def test_edits_show_at_once_when_templates_auto_reload(app, tmp_path):
    folder = copy_static(tmp_path)
    app.static_folder = str(folder)
    app.config["TEMPLATES_AUTO_RELOAD"] = True
    before, version = fingerprinted_css(app), fingerprints(app).assets_version()
    (folder / "css" / "app.css").write_text("body { color: #000; }\n", encoding="utf-8")
    after = fingerprinted_css(app)
    assert before != after and after.endswith("?v=" + sha12(folder / "css" / "app.css"))
    # One version for all static files (for the validators of pages that link to them).
    assert fingerprints(app).assets_version() != version


def test_static_file_in_a_session_runs_no_query(app, client, make_user):
    """A page's CSS, scripts and icons are fetched with the session cookie: serving them must
    not load the account (a query per file, and a touch of the session's idle clock)."""
    from sqlalchemy import event

    make_user(("learner",), email="tam.static@example.vn")
    login(client, "tam.static@example.vn")
    (url,) = [u for u in static_urls(client.get("/my-learning").get_data(as_text=True)) if "app.css" in u]
    statements = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        status, _headers, _body = fetch(client, url)
        assert status == 200 and statements == []
        assert client.get("/my-learning").status_code == 200 and statements  # the listener sees pages' queries
    finally:
        event.remove(engine, "before_cursor_execute", record)

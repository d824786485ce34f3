"""Issue 18, finding 9: every whole number in a route, a query string, a form or an upload
answers 404 or a clear error, never a 500.

The url map is walked, so a new route is fuzzed without being listed here.
"""

from __future__ import annotations

import io
import zipfile

import pytest
from werkzeug.routing import IntegerConverter

from tests.support.client import csrf_token, login, post_form

HUGE = ("99999999999999999999999", str(2**63), str(2**31), "9" * 5000)
QUERY_NAMES = ("page", "day", "course", "unit", "module", "id", "quiz", "class", "as_of", "group", "status")
SKIP_POST = {"auth.logout", "main.set_language", "static"}


def _rules(app, method):
    for rule in app.url_map.iter_rules():
        if method in (rule.methods or ()) and rule.endpoint != "static":
            yield rule


def _path(app, rule, value):
    with app.test_request_context():
        values = {}
        for name in rule.arguments:
            converter = rule._converters[name]
            values[name] = 1 if isinstance(converter, IntegerConverter) else "x"
        path = app.url_map.bind("localhost").build(rule.endpoint, values, append_unknown=False)
    # Put the number where the route has an <int:…>.
    pattern = rule.rule.split("/")
    return "/".join(value if piece.startswith("<int:") else segment
                    for segment, piece in zip(path.split("/"), pattern, strict=True))


@pytest.mark.parametrize("role", ["admin", "learner"])
def test_every_int_in_a_route_and_a_query_string(app, users, role):
    client = app.test_client()
    login(client, f"{role}@example.vn")
    query = "&".join(f"{name}={HUGE[0]}" for name in QUERY_NAMES)
    problems, checked = [], 0
    for rule in _rules(app, "GET"):
        if "<" not in rule.rule:
            paths = [f"{rule.rule}?{query}", f"{rule.rule}?page={HUGE[3]}"]
        elif "<int:" in rule.rule and all(a in rule._converters for a in rule.arguments):
            paths = [_path(app, rule, value) for value in HUGE]
        else:
            continue
        for path in paths:
            response = client.get(path)
            checked += 1
            if response.status_code >= 500:
                problems.append(f"GET {path[:120]} → {response.status_code}")
    assert checked > 100
    assert problems == [], "\n".join(problems)


def test_every_int_in_a_posted_form_or_json(app, users):
    client = app.test_client()
    login(client, "admin@example.vn")
    token = csrf_token(client, "/account")
    problems, checked = [], 0
    for rule in _rules(app, "POST"):
        if rule.endpoint in SKIP_POST or "<int:" not in rule.rule:
            continue
        for value in HUGE[:3]:
            path = _path(app, rule, "1")  # an id that may exist: the form's own numbers are huge
            big = {"id": value, "person_ids": value, "user_id": value, "unit_id": value, "seq": value,
                   "course": value, "unit": value, "quiz": value, "trainers": value, "module": value}
            for response in (
                client.post(path, data={**big, "csrf_token": token}),
                client.post(_path(app, rule, value), data={"csrf_token": token}),
                client.post(path, json={"marks": [{"person_id": int(value), "status": "present"}], **big},
                            headers={"X-CSRFToken": token}),
            ):
                checked += 1
                if response.status_code >= 500:
                    problems.append(f"POST {path} ({value[:12]}…) → {response.status_code}")
    assert checked > 20
    assert problems == [], "\n".join(problems)


def _xlsx_with_doctype() -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["org_code", "org_name"])
    raw = io.BytesIO()
    book.save(raw)
    source = zipfile.ZipFile(io.BytesIO(raw.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                start = data.index(b"<worksheet")
                data = data[:start] + b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>' + data[start:].replace(b"org_name", b"&e;")
            target.writestr(item, data)
    return out.getvalue()


@pytest.mark.parametrize("payload", [
    _xlsx_with_doctype(),
    b"PK\x03\x04" + b"\x00" * 100,
    b"org_code\n" + b"9" * 5000 + b"\n",
    "\ufeffhọ tên;điện thoại\n\x01;99999999999999999999999\n".encode(),
    b"\xff\xfe\x00\x00",
], ids=["doctype", "broken-zip", "huge-number", "controls", "utf16-bom"])
def test_every_upload_parser_answers_clearly(app, users, payload):
    """The registry import and the class sign-in sheet read the same parser; the course
    archive and the enrolment CSV have their own."""
    client = app.test_client()
    login(client, "admin@example.vn")
    response = post_form(client, "/registry/import", {"file": (io.BytesIO(payload), "x.xlsx"), "scheme": "2025",
                                                      "kind": ""}, content_type="multipart/form-data")
    assert response.status_code in (200, 302, 400), response.status_code
    if response.status_code == 302:
        assert client.get(response.headers["Location"]).status_code == 200
    response = post_form(client, "/author/courses/upload", {"archive": (io.BytesIO(payload), "x.zip")},
                         content_type="multipart/form-data")
    assert response.status_code < 500

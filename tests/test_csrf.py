"""Every POST route refuses a request without a valid CSRF token."""

from __future__ import annotations

import pytest

from tests.support.access import MATRIX, build_objects
from tests.support.client import login


def _post_cases():
    for endpoint, cases in MATRIX.items():
        for case in cases:
            if case.method == "POST":
                yield pytest.param(case, id=endpoint)


def _post_routes(app):
    return {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if "POST" in (rule.methods or ()) and rule.endpoint != "static"
    }


def test_every_post_route_has_a_csrf_case(app):
    listed = {endpoint for endpoint, cases in MATRIX.items() if any(c.method == "POST" for c in cases)}
    # Forms that also answer GET are posted to the GET path of their matrix case.
    get_and_post = {e for e in _post_routes(app) if e not in listed}
    for endpoint in get_and_post:
        assert any(c.method == "GET" for c in MATRIX[endpoint]), endpoint


def _all_post_paths(objects):
    for endpoint, cases in MATRIX.items():
        for case in cases:
            yield endpoint, case.path.format(**objects)


@pytest.mark.parametrize("as_role", ["anonymous", "admin"])
def test_post_without_token_is_refused(app, users, as_role):
    objects = build_objects(app, users)
    post_endpoints = {
        rule.endpoint for rule in app.url_map.iter_rules() if "POST" in (rule.methods or ())
    }
    client = app.test_client()
    if as_role == "admin":
        login(client, "admin@example.vn")
    checked = 0
    for endpoint, path in _all_post_paths(objects):
        if endpoint not in post_endpoints or "999999" in path or "/static/" in path:
            continue
        for data in ({}, {"csrf_token": "forged-token"}):
            response = client.post(path, data=data)
            assert response.status_code in {400, 302, 403}, (endpoint, response.status_code)
            if response.status_code == 302:
                # Anonymous users are sent to log in before the form is even read.
                assert as_role == "anonymous" and "/login" in response.headers["Location"]
            if response.status_code == 400:
                assert "Biểu mẫu đã hết hạn" in response.get_data(as_text=True)
            checked += 1
    assert checked >= 2 * len(post_endpoints) - 2


def test_login_without_token_does_not_log_in(client, make_user):
    make_user(email="x@example.vn")
    response = client.post("/login", data={"login": "x@example.vn", "password": "correct-horse-battery"})
    assert response.status_code == 400
    assert client.get("/account").status_code == 302

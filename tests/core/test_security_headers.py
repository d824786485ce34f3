"""Headers on every response, cookies, and error pages that reveal nothing internal."""

from __future__ import annotations

import pytest

from tests.support.client import login


@pytest.mark.parametrize("path", ["/login", "/", "/healthz", "/static/css/app.css", "/no-such-page"])
def test_security_headers_on_every_response(client, path):
    response = client.get(path)
    response.close()
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "'unsafe-inline'" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_pages_have_no_inline_script_or_style(client, users):
    login(client, "admin@example.vn")
    for path in ("/login", "/", "/account", "/admin/users", "/admin/users/new"):
        html = client.get(path).get_data(as_text=True)
        assert "<script>" not in html and "<script " not in html.replace('<script src=', '')
        assert " style=" not in html
        assert " onclick=" not in html.lower()


def test_session_cookie_flags(client, make_user):
    make_user(email="c@example.vn")
    response = login(client, "c@example.vn")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie


@pytest.mark.parametrize("app_config", [{"LMS_HTTPS": True, "SESSION_COOKIE_SECURE": True}])
def test_secure_cookies_with_https(client, make_user):
    make_user(email="c@example.vn")
    response = login(client, "c@example.vn")
    assert "Secure" in response.headers["Set-Cookie"]


def test_404_page_is_friendly_and_plain(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "Không tìm thấy trang" in html
    assert "Traceback" not in html and "werkzeug" not in html.lower()


def test_500_page_reveals_nothing(app, caplog):
    @app.route("/boom")
    def boom():
        raise RuntimeError("secret internal detail /etc/passwd")

    response = app.test_client().get("/boom")
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert "Đã xảy ra lỗi" in html
    assert "secret internal detail" not in html and "Traceback" not in html
    assert "secret internal detail" in caplog.text  # but it is logged


def test_api_errors_are_json(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.is_json
    assert response.json["error"]["code"] == 404


@pytest.mark.parametrize("app_config", [{"MAX_CONTENT_LENGTH": 1024}])
def test_413_for_oversized_requests(client):
    response = client.post("/login", data={"login": "x" * 5000, "password": "y"})
    assert response.status_code == 413
    assert "Tệp quá lớn" in response.get_data(as_text=True)


def test_healthz_reports_ok(client):
    assert client.get("/healthz").json == {"status": "ok"}


def _parameterless_get_routes(app) -> list[str]:
    return sorted({rule.rule for rule in app.url_map.iter_rules()
                   if "GET" in rule.methods and not rule.arguments and rule.endpoint != "static"})


@pytest.mark.parametrize("role", ["anonymous", "learner", "manager", "admin"])
def test_security_headers_on_every_route_for_every_role(app, client, users, role):
    """Every GET route without parameters (new ones included automatically), each role."""
    if role != "anonymous":
        login(client, f"{role}@example.vn")
    paths = _parameterless_get_routes(app)
    assert "/my-learning" in paths and "/coverage/" in paths
    for path in paths:
        response = client.get(path)
        response.close()
        assert response.status_code < 500, (role, path, response.status_code)
        headers = response.headers
        assert "'unsafe-inline'" not in headers["Content-Security-Policy"], path
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"], path
        assert headers["X-Content-Type-Options"] == "nosniff", path
        assert headers["X-Frame-Options"] == "DENY", path
        assert headers["Referrer-Policy"] == "same-origin", path
        if response.mimetype == "text/html":
            assert headers["Cache-Control"] == "no-store", path

"""Every registered route × every role gets the expected status.

The matrix is checked against ``app.url_map``: a route that nobody listed here makes
``test_every_route_is_in_the_matrix`` fail, so access rules are decided, not forgotten.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from tests.conftest import CSRF_RE, login

ROLES = ("anonymous", "learner", "trainer", "manager", "admin")


@dataclass(frozen=True)
class Case:
    method: str
    path: str  # may contain {placeholders} filled from the `objects` fixture
    expect: dict[str, int]
    data: dict = field(default_factory=dict)


def everyone(status: int, anonymous: int | None = None) -> dict[str, int]:
    result = dict.fromkeys(ROLES, status)
    if anonymous is not None:
        result["anonymous"] = anonymous
    return result


def only(roles: tuple[str, ...], ok: int = 200) -> dict[str, int]:
    """Logged-in users without one of ``roles`` get 403; anonymous users go to login."""
    result = {role: (ok if role in roles else 403) for role in ROLES}
    result["anonymous"] = 302
    return result


LOGGED_IN = everyone(200, anonymous=302)

MATRIX: dict[str, list[Case]] = {
    "static": [Case("GET", "/static/css/app.css", everyone(200))],
    "main.index": [Case("GET", "/", LOGGED_IN)],
    "main.healthz": [Case("GET", "/healthz", everyone(200))],
    "main.set_language": [Case("POST", "/language", everyone(302), {"lang": "en", "next": "/"})],
    "auth.login": [Case("GET", "/login", {**everyone(302), "anonymous": 200})],
    "auth.logout": [Case("POST", "/logout", everyone(302))],
    "auth.account": [Case("GET", "/account", LOGGED_IN)],
    "auth.change_password": [Case("GET", "/account/password", LOGGED_IN)],
    "auth.users": [Case("GET", "/admin/users", only(("admin",)))],
    "auth.user_new": [Case("GET", "/admin/users/new", only(("admin",)))],
    "auth.user_edit": [
        Case("GET", "/admin/users/{learner_id}", only(("admin",))),
        Case("GET", "/admin/users/999999", {**only(("admin",)), "admin": 404}),
    ],
}


@pytest.fixture
def objects(users) -> dict[str, object]:
    return {"learner_id": users["learner"].id}


def test_every_route_is_in_the_matrix(app):
    registered = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert registered - set(MATRIX) == set(), "routes missing from the access matrix"
    assert set(MATRIX) - registered == set(), "matrix lists routes that do not exist"


def _cases():
    for endpoint, cases in MATRIX.items():
        for index, case in enumerate(cases):
            for role in ROLES:
                yield pytest.param(endpoint, case, role, id=f"{endpoint}[{index}]-{role}")


@pytest.mark.parametrize(("endpoint", "case", "role"), list(_cases()))
def test_route_access(app, objects, users, endpoint, case, role):
    client = app.test_client()
    if role != "anonymous":
        assert login(client, f"{role}@example.vn").status_code == 302
    path = case.path.format(**objects)
    if case.method == "GET":
        response = client.get(path)
    else:
        page = client.get("/account" if role != "anonymous" else "/login")
        token = CSRF_RE.search(page.get_data(as_text=True)).group(1)
        response = client.open(path, method=case.method, data={**case.data, "csrf_token": token})
    response.close()  # static files are streamed
    assert response.status_code == case.expect[role], (
        f"{role} {case.method} {path}: got {response.status_code}"
    )
    if response.status_code == 302 and case.expect[role] == 302 and role == "anonymous" and \
            endpoint not in {"main.set_language", "auth.logout"}:
        assert response.headers["Location"].startswith("/login")

"""Every registered route × every role gets the expected status.

Domains list their routes in ``tests/<domain>/access_cases.py`` (see
tests/support/access.py). The union is checked against ``app.url_map``: a route that
nobody listed makes ``test_every_route_is_in_the_matrix`` fail, so access rules are
decided, not forgotten.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from tests.conftest import CSRF_RE, login
from tests.support.access import ROLES

_MODULES = [
    importlib.import_module(f"tests.{path.parent.name}.access_cases")
    for path in sorted(Path(__file__).parent.glob("*/access_cases.py"))
]
MATRIX = {endpoint: cases for module in _MODULES for endpoint, cases in module.MATRIX.items()}


@pytest.fixture
def objects(app, users) -> dict[str, object]:
    values: dict[str, object] = {}
    for module in _MODULES:
        if hasattr(module, "objects"):
            values.update(module.objects(app, users))
    return values


def test_every_route_is_in_the_matrix(app):
    registered = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert registered - set(MATRIX) == set(), "routes missing from the access matrix"
    assert set(MATRIX) - registered == set(), "matrix lists routes that do not exist"


def _cases():
    """GET cases: one test per case, every role against the same objects (building every
    domain's objects is most of the cost); other methods change state, so one test per role."""
    for endpoint, cases in MATRIX.items():
        for index, case in enumerate(cases):
            if case.method == "GET":
                yield pytest.param(endpoint, case, ROLES, id=f"{endpoint}[{index}]")
            else:
                for role in ROLES:
                    yield pytest.param(endpoint, case, (role,), id=f"{endpoint}[{index}]-{role}")


def _request(app, objects, case, role):
    client = app.test_client()
    if role != "anonymous":
        assert login(client, f"{role}@example.vn").status_code == 302
    path = case.path.format(**objects)
    if case.method == "GET":
        response = client.get(path)
    else:
        page = client.get("/account" if role != "anonymous" else "/login")
        token = CSRF_RE.search(page.get_data(as_text=True)).group(1)
        data = {key: value.format(**objects) for key, value in case.data.items()}
        response = client.open(path, method=case.method, data={**data, "csrf_token": token})
    response.close()  # static files are streamed
    return path, response


@pytest.mark.parametrize(("endpoint", "case", "roles"), list(_cases()))
def test_route_access(app, objects, users, endpoint, case, roles):
    failures = []
    for role in roles:
        path, response = _request(app, objects, case, role)
        if response.status_code != case.expect[role]:
            failures.append(f"{role} {case.method} {path}: got {response.status_code}, expected {case.expect[role]}")
        elif response.status_code == 302 and role == "anonymous" and case.method == "GET":
            if not response.headers["Location"].startswith("/login"):
                failures.append(f"anonymous GET {path}: redirected to {response.headers['Location']}, not /login")
    assert not failures, "\n".join(failures)

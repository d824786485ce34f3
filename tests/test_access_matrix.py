"""Every registered route × every role gets the expected status.

Domains list their routes in ``tests/<domain>/access_cases.py`` (see
tests/support/access.py). The union is checked against ``app.url_map``: a route that
nobody listed makes ``test_every_route_is_in_the_matrix`` fail, so access rules are
decided, not forgotten.

This module checks the GET cases. Reading changes nothing that another case's answer
depends on, so every domain's objects (most of the cost) are built once for the module
and every role keeps one logged-in client. Cases that change state run in
tests/test_access_matrix_changes.py, each on fresh objects.
"""

from __future__ import annotations

import pytest

from tests.support.access import MATRIX, ROLES, build_objects, check_case
from tests.support.apps import empty_tables, make_test_app
from tests.support.client import login
from tests.support.users import role_users, user_factory


def test_every_route_is_in_the_matrix(app):
    registered = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert registered - set(MATRIX) == set(), "routes missing from the access matrix"
    assert set(MATRIX) - registered == set(), "matrix lists routes that do not exist"


@pytest.fixture(scope="module")
def world(database_url, _schema):
    app = make_test_app(database_url)
    users = role_users(user_factory(app))
    objects = build_objects(app, users)
    clients = {"anonymous": app.test_client()}
    for role in ROLES[1:]:
        clients[role] = app.test_client()
        assert login(clients[role], f"{role}@example.vn").status_code == 302
    yield app, objects, clients
    empty_tables(app)


def _get_cases():
    for endpoint, cases in MATRIX.items():
        for index, case in enumerate(cases):
            if case.method == "GET":
                yield pytest.param(endpoint, case, id=f"{endpoint}[{index}]")


@pytest.mark.parametrize(("endpoint", "case"), list(_get_cases()))
def test_route_access(world, endpoint, case):
    app, objects, clients = world
    failures = [check_case(clients[role], objects, case, role) for role in ROLES]
    failures = [failure for failure in failures if failure]
    assert not failures, "\n".join(failures)

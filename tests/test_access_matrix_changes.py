"""The access matrix's cases that change state (POST and the like): one test per role,
each on fresh objects. GET cases and the completeness check: tests/test_access_matrix.py."""

from __future__ import annotations

import pytest

from tests.support.access import MATRIX, ROLES, build_objects, check_case
from tests.support.client import login


def _change_cases():
    for endpoint, cases in MATRIX.items():
        for index, case in enumerate(cases):
            if case.method != "GET":
                for role in ROLES:
                    yield pytest.param(endpoint, case, role, id=f"{endpoint}[{index}]-{role}")


@pytest.mark.parametrize(("endpoint", "case", "role"), list(_change_cases()))
def test_route_access(app, users, endpoint, case, role):
    objects = build_objects(app, users)
    client = app.test_client()
    if role != "anonymous":
        assert login(client, f"{role}@example.vn").status_code == 302
    failure = check_case(client, objects, case, role)
    assert not failure, failure

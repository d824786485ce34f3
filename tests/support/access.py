"""Building blocks for the access matrix (see tests/test_access_matrix.py).

Each domain lists its routes in ``tests/<domain>/access_cases.py``:

    MATRIX = {"endpoint": [Case("GET", "/path/{placeholder}", expect), ...]}
    def objects(app, users) -> dict: ...   # optional: values for the placeholders

``users`` holds one user per role (logins ``<role>@example.vn``).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.client import CSRF_RE

ROLES = ("anonymous", "learner", "trainer", "manager", "admin")


@dataclass(frozen=True)
class Case:
    method: str
    path: str  # may contain {placeholders} filled from the domain's objects()
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


# Every domain's cases, and the union of their matrices.
MODULES = [
    importlib.import_module(f"tests.{path.parent.name}.access_cases")
    for path in sorted(Path(__file__).parents[1].glob("*/access_cases.py"))
]
MATRIX = {endpoint: cases for module in MODULES for endpoint, cases in module.MATRIX.items()}


def build_objects(app, users) -> dict[str, object]:
    """The values of every placeholder, from each domain's ``objects(app, users)``."""
    values: dict[str, object] = {}
    for module in MODULES:
        if hasattr(module, "objects"):
            values.update(module.objects(app, users))
    return values


def check_case(client, objects, case: Case, role: str) -> str | None:
    """Send one case as ``role`` (``client`` is logged in as that role); a failure's text, or None."""
    path = case.path.format(**objects)
    if case.method == "GET":
        response = client.get(path)
    else:
        page = client.get("/account" if role != "anonymous" else "/login")
        token = CSRF_RE.search(page.get_data(as_text=True)).group(1)
        data = {key: value.format(**objects) for key, value in case.data.items()}
        response = client.open(path, method=case.method, data={**data, "csrf_token": token})
    response.close()  # static files are streamed
    if response.status_code != case.expect[role]:
        return f"{role} {case.method} {path}: got {response.status_code}, expected {case.expect[role]}"
    if response.status_code == 302 and role == "anonymous" and case.method == "GET":
        if not response.headers["Location"].startswith("/login"):
            return f"anonymous GET {path}: redirected to {response.headers['Location']}, not /login"
    return None

"""Building blocks for the access matrix (see tests/test_access_matrix.py).

Each domain lists its routes in ``tests/<domain>/access_cases.py``:

    MATRIX = {"endpoint": [Case("GET", "/path/{placeholder}", expect), ...]}
    def objects(app, users) -> dict: ...   # optional: values for the placeholders

``users`` holds one user per role (logins ``<role>@example.vn``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

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

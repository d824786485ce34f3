"""Who may see which people (minimal stand-in).

The registry branch replaces this module with the real area scoping (administrative
units and organisations). Until then: administrators see every person, anyone else none.
Every list, export and action on people's records goes through these two functions.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, false, true


def person_scope(user) -> ColumnElement[bool]:
    """A condition on Person rows that ``user`` may see (administrators: true())."""
    if user is not None and getattr(user, "is_authenticated", False) and user.has_role("admin"):
        return true()
    return false()


def can_see_person(user, person) -> bool:
    if person is None or user is None or not getattr(user, "is_authenticated", False):
        return False
    return user.has_role("admin")

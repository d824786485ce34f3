"""Who may see which people: the scope that every list, export and count applies.

Minimal version until the registry of units lands: administrators see everyone, other
staff no one. The registry replaces this with unit-based scoping.
"""

from __future__ import annotations

from sqlalchemy import false, true
from sqlalchemy.sql.elements import ColumnElement


def person_scope(user) -> ColumnElement[bool]:
    """A condition on Person rows that ``user`` may see."""
    if user is not None and user.is_authenticated and user.has_role("admin"):
        return true()
    return false()


def can_see_person(user, person) -> bool:
    return bool(user is not None and user.is_authenticated and user.has_role("admin"))

"""Reading the audit log for people: entries with their actors' names (the audit table
lives in core, which knows no users). Used by the audit page and by the object pages that
show their own history (a class, a person, a certificate)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from lms.auth.models import User
from lms.core.audit import AuditLog, describe, for_object
from lms.extensions import db


@dataclass
class Row:
    at: datetime
    actor: str
    action: str
    object: str
    details: str


def rows(entries: list[AuditLog]) -> list[Row]:
    ids = {e.actor_id for e in entries if e.actor_id is not None}
    names = dict(db.session.execute(select(User.id, User.display_name).where(User.id.in_(ids))).all()) if ids else {}
    return [
        Row(e.at, names.get(e.actor_id, "—") if e.actor_id is not None else "—", e.action,
            f"{e.object_type} {e.object_id}", describe(e))
        for e in entries
    ]


def history(object_type: str, object_id: object, **kwargs) -> list[Row]:
    """An object's entries, ready for the ``audit_table`` macro."""
    return rows(for_object(object_type, object_id, **kwargs))


def person_history_panel(person, _viewer) -> str:
    """The registry person page's history: audit entries that name the person (a registry
    person panel; the viewer may already see the person)."""
    from flask import render_template

    return render_template("auth/_person_history.html", rows=history("person", person.id, person_id=person.id))

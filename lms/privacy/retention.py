"""The retention periods of docs/privacy.md, applied by ``flask lms purge``.

The purgers of the data this package can reach (it sits above the domains that own it):
uploaded registry files, the texts of sent messages, people who left the programme long
ago (anonymised, never deleted), and old audit entries. Other domains add theirs through
``lms.core.retention.purgers``.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Flask, current_app
from sqlalchemy import delete, func, select, update

from lms.core import audit
from lms.core.audit import AuditLog
from lms.core.db import utcnow
from lms.core.localtime import local_date
from lms.core.retention import Purger, purgers
from lms.extensions import db
from lms.messages.models import CANCELLED, FAILED, SENT, Message
from lms.registry.models import ImportBatch, Person


def _count(stmt) -> int:
    return int(db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)


# Uploaded registry files (kept between preview and confirmation; applied ones are in the audit log).
def _imports(cutoff: datetime):
    return select(ImportBatch.id).where(ImportBatch.created_at < cutoff)


def _imports_apply(cutoff: datetime) -> int:
    return db.session.execute(delete(ImportBatch).where(ImportBatch.created_at < cutoff)
                              .execution_options(synchronize_session=False)).rowcount


# Texts of messages that are done with (sent, failed or cancelled): the fact stays.
def _bodies(cutoff: datetime):
    return select(Message.id).where(Message.status.in_((SENT, FAILED, CANCELLED)), Message.created_at < cutoff,
                                    (Message.body != "") | (Message.subject != "") | Message.body_html.is_not(None))


def _bodies_apply(cutoff: datetime) -> int:
    return db.session.execute(update(Message).where(Message.id.in_(_bodies(cutoff)))
                              .values(body="", subject="", body_html=None)
                              .execution_options(synchronize_session=False)).rowcount


# People who left the programme (active_until) more than N years ago: anonymised.
def _left(cutoff: datetime):
    return select(Person.id).where(Person.active_until < local_date(cutoff), Person.anonymised_at.is_(None))


def _left_apply(cutoff: datetime) -> int:
    from lms.privacy.services import anonymise_person

    people = list(db.session.scalars(select(Person).where(Person.id.in_(_left(cutoff)))))
    for person in people:
        anonymise_person(person, None, reason="retention period")
    return len(people)


# Audit entries older than their period.
def _audit(cutoff: datetime):
    return select(AuditLog.id).where(AuditLog.at < cutoff)


def _audit_apply(cutoff: datetime) -> int:
    return db.session.execute(delete(AuditLog).where(AuditLog.at < cutoff)
                              .execution_options(synchronize_session=False)).rowcount


BUILT_IN = (
    Purger("import_files", "RETAIN_IMPORT_DAYS", "days", lambda c: _count(_imports(c)), _imports_apply),
    Purger("message_texts", "RETAIN_MESSAGE_BODY_DAYS", "days", lambda c: _count(_bodies(c)), _bodies_apply),
    Purger("people_left", "RETAIN_LEFT_YEARS", "years", lambda c: _count(_left(c)), _left_apply),
    Purger("audit_entries", "RETAIN_AUDIT_DAYS", "days", lambda c: _count(_audit(c)), _audit_apply),
)


def register(app: Flask) -> None:
    for purger in BUILT_IN:
        purgers.register(app, purger)


def cutoff_for(purger: Purger, now: datetime) -> datetime:
    period = int(current_app.config[purger.setting])
    days = period * 365 if purger.unit == "years" else period
    return now - timedelta(days=days)


def purge(*, dry_run: bool, now: datetime | None = None) -> dict[str, int]:
    """Count (``dry_run``) or purge each kind past its period; the caller commits."""
    now = now or utcnow()
    result: dict[str, int] = {}
    for purger in purgers.functions():
        cutoff = cutoff_for(purger, now)
        result[purger.kind] = purger.count(cutoff) if dry_run else purger.apply(cutoff)
    if not dry_run:
        db.session.flush()
        if any(result.values()):
            audit.record(None, "privacy.purge", "retention", now.date().isoformat(), **result)
    return result

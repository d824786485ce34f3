"""The retention periods of docs/privacy.md, applied by ``flask lms purge``.

The purgers of the data this package can reach (it sits above the domains that own it):
uploaded registry files, spent or expired activation codes and decided self-registrations,
the texts of finished messages, people who left the programme long ago (anonymised, never
deleted), and old audit entries. Other domains add theirs through
``lms.core.retention.purgers``.
"""

from __future__ import annotations

from datetime import datetime

from flask import Flask
from sqlalchemy import delete, func, or_, select, update

from lms.core import audit
from lms.core.audit import AuditLog
from lms.core.db import utcnow
from lms.core.localtime import local_date
from lms.core.retention import Purger, days_ago, purgers
from lms.extensions import db
from lms.messages.models import CANCELLED, FAILED, SENT, Message
from lms.onboarding.models import PENDING, ActivationCode, RegistrationRequest
from lms.registry.models import ImportBatch, Person


def _count(stmt) -> int:
    return int(db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)


def _delete(model, ids) -> int:
    return db.session.execute(delete(model).where(model.id.in_(ids))
                              .execution_options(synchronize_session=False)).rowcount


# Uploaded registry files: never imported ones after LMS_IMPORT_KEEP_HOURS (the registry's own
# rule), imported ones after LMS_RETAIN_IMPORT_DAYS (the import itself is in the audit log).
def _imports(now: datetime):
    return select(ImportBatch.id).where(or_(
        ImportBatch.applied_at.is_(None) & (ImportBatch.created_at < days_ago(now, "IMPORT_KEEP_HOURS", "hours")),
        ImportBatch.applied_at.is_not(None) & (ImportBatch.created_at < days_ago(now, "RETAIN_IMPORT_DAYS")),
    ))


# Activation and reset codes used, superseded or expired more than LMS_RETAIN_CODE_DAYS ago.
def _codes(now: datetime):
    cutoff = days_ago(now, "RETAIN_CODE_DAYS")
    return select(ActivationCode.id).where(or_(ActivationCode.used_at < cutoff, ActivationCode.revoked_at < cutoff,
                                               ActivationCode.expires_at < cutoff))


# Self-registrations decided more than LMS_RETAIN_REGISTRATION_DAYS ago (an accepted one lives
# on as its registry record).
def _registrations(now: datetime):
    return select(RegistrationRequest.id).where(
        RegistrationRequest.status != PENDING,
        RegistrationRequest.decided_at < days_ago(now, "RETAIN_REGISTRATION_DAYS"))


# Texts of messages that are done with (sent, failed or cancelled): the fact stays.
def _bodies(now: datetime):
    return select(Message.id).where(
        Message.status.in_((SENT, FAILED, CANCELLED)),
        Message.created_at < days_ago(now, "RETAIN_MESSAGE_BODY_DAYS"),
        (Message.body != "") | (Message.subject != "") | Message.body_html.is_not(None))


def _bodies_apply(now: datetime) -> int:
    return db.session.execute(update(Message).where(Message.id.in_(_bodies(now)))
                              .values(body="", subject="", body_html=None)
                              .execution_options(synchronize_session=False)).rowcount


# People who left the programme (active_until) more than N years ago: anonymised.
def _left(now: datetime):
    return select(Person.id).where(Person.active_until < local_date(days_ago(now, "RETAIN_LEFT_YEARS", "years")),
                                   Person.anonymised_at.is_(None))


def _left_apply(now: datetime) -> int:
    from lms.privacy.services import anonymise_person

    people = list(db.session.scalars(select(Person).where(Person.id.in_(_left(now)))))
    for person in people:
        anonymise_person(person, None, reason="retention period")
    return len(people)


# Audit entries older than their period.
def _audit(now: datetime):
    return select(AuditLog.id).where(AuditLog.at < days_ago(now, "RETAIN_AUDIT_DAYS"))


BUILT_IN = (
    Purger("import_files", lambda n: _count(_imports(n)), lambda n: _delete(ImportBatch, _imports(n))),
    Purger("codes", lambda n: _count(_codes(n)), lambda n: _delete(ActivationCode, _codes(n))),
    Purger("registrations", lambda n: _count(_registrations(n)),
           lambda n: _delete(RegistrationRequest, _registrations(n))),
    Purger("message_texts", lambda n: _count(_bodies(n)), _bodies_apply),
    Purger("people_left", lambda n: _count(_left(n)), _left_apply),
    Purger("audit_entries", lambda n: _count(_audit(n)), lambda n: _delete(AuditLog, _audit(n))),
)


def register(app: Flask) -> None:
    for purger in BUILT_IN:
        purgers.register(app, purger)


def purge(*, dry_run: bool, now: datetime | None = None) -> dict[str, int]:
    """Count (``dry_run``) or purge each kind past its period; the caller commits."""
    now = now or utcnow()
    result: dict[str, int] = {}
    for purger in purgers.functions():
        result[purger.kind] = purger.count(now) if dry_run else purger.apply(now)
    if not dry_run:
        db.session.flush()
        if any(result.values()):
            audit.record(None, "privacy.purge", "retention", now.date().isoformat(), **result)
    return result

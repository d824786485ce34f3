"""Requests about personal data and what settles them: correction, restriction, anonymisation.

Every change here is audited (``lms.core.audit``) with the request it answers. Services
flush and never commit; the view's unit of work commits.
"""

from __future__ import annotations

import logging
import re
import secrets
from datetime import date, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, select, update

from lms.assessments.models import Attempt, AttemptAnswer
from lms.auth.models import User
from lms.certification.models import Certificate, CertificateVersion
from lms.core import audit
from lms.core.db import utcnow
from lms.core.errors import ServiceError
from lms.core.localtime import local_today
from lms.core.phone import normalize_phone
from lms.core.text import clean_name
from lms.extensions import db
from lms.messages.models import Message
from lms.onboarding.models import ActivationCode, RegistrationRequest
from lms.privacy.models import CORRECT, DELETE, DONE, KINDS, OPEN, REJECTED, RESTRICT, DataRequest
from lms.registry.models import GENDERS, Person

log = logging.getLogger("lms.privacy")

ANONYMISED_NAME = "—"
_NATIONAL_ID = re.compile(r"\d{9}|\d{12}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def add_working_days(start: date, days: int) -> date:
    """``days`` working days after ``start`` (Saturdays and Sundays skipped; public
    holidays are not known here)."""
    day = start
    while days > 0:
        day += timedelta(days=1)
        if day.weekday() < 5:
            days -= 1
    return day


def submit_request(user, kind: str, message: str) -> DataRequest:
    """A person's request about their own data, queued for their area's managers and admins."""
    if kind not in KINDS:
        raise ServiceError(_("Choose what you ask for."), "kind")
    message = (message or "").strip()[:4000]
    if kind == CORRECT and not message:
        raise ServiceError(_("Say what is wrong and what it should be."), "message")
    today = local_today()
    config = current_app.config
    request = DataRequest(
        person_id=user.person_id, user_id=user.id, kind=kind, message=message, status=OPEN,
        ack_due=add_working_days(today, config["PRIVACY_ACK_DAYS"]),
        due_on=today + timedelta(days=config["PRIVACY_DUE_DAYS"]),
    )
    db.session.add(request)
    db.session.flush()
    audit.record(user, "privacy.request", "person", user.person_id, request=request.id, kind=kind)
    return request


def _close(request: DataRequest, actor, status: str, resolution: str) -> None:
    if request.status != OPEN:
        raise ServiceError(_("This request has already been settled."))
    request.status = status
    request.handled_by_id = actor.id
    request.handled_at = utcnow()
    request.resolution = resolution[:4000]


CORRECTABLE = ("full_name", "phone", "email", "national_id", "gender", "birth_year", "ethnicity")


def correct(request: DataRequest, actor, values: dict, note: str = "") -> list[str]:
    """Apply corrections to the person's registry record; return the names of changed fields."""
    person = request.person
    clean: dict = {}
    for name in CORRECTABLE:
        if name not in values:
            continue
        raw = values[name]
        raw = raw.strip() if isinstance(raw, str) else raw
        if raw in ("", None):
            if name == "full_name":
                raise ServiceError(_("The name cannot be empty."), "full_name")
            clean[name] = None
        elif name == "full_name":
            clean[name] = clean_name(raw)[:200]
        elif name == "phone":
            phone = normalize_phone(raw)
            if phone is None:
                raise ServiceError(_("This is not a Vietnamese mobile number."), "phone")
            clean[name] = phone
        elif name == "email":
            if not _EMAIL.fullmatch(raw):
                raise ServiceError(_("This is not an e-mail address."), "email")
            clean[name] = raw.lower()
        elif name == "national_id":
            if not _NATIONAL_ID.fullmatch(raw):
                raise ServiceError(_("A national ID number has 9 or 12 digits."), "national_id")
            clean[name] = raw
        elif name == "gender":
            if raw not in GENDERS:
                raise ServiceError(_("Unknown value."), "gender")
            clean[name] = raw
        elif name == "birth_year":
            year = int(raw)
            if not 1900 <= year <= local_today().year:
                raise ServiceError(_("Unknown value."), "birth_year")
            clean[name] = year
        else:
            clean[name] = str(raw)[:50]
    changed = [name for name, value in clean.items() if getattr(person, name) != value]
    for name in ("phone", "national_id"):
        if name in changed and clean[name] is not None:
            taken = db.session.scalar(select(Person.id).where(getattr(Person, name) == clean[name],
                                                              Person.id != person.id))
            if taken is not None:
                raise ServiceError(_("Another person in the registry has this number."), name)
    for name in changed:
        setattr(person, name, clean[name])
    _close(request, actor, DONE, note or _("Corrected: %(fields)s", fields=", ".join(changed) or "-"))
    db.session.flush()
    # Field names only: the audit log must not become a second copy of the data.
    audit.record(actor, "privacy.correct", "person", person.id, request=request.id, fields=changed)
    return changed


def restrict(request: DataRequest, actor, note: str = "") -> None:
    person = request.person
    if person.restricted_at is None:
        person.restricted_at = utcnow()
    _close(request, actor, DONE, note or _("Processing restricted."))
    db.session.flush()
    audit.record(actor, "privacy.restrict", "person", person.id, request=request.id)


def lift_restriction(person: Person, actor) -> None:
    if person.restricted_at is None:
        raise ServiceError(_("This person's data is not restricted."))
    person.restricted_at = None
    db.session.flush()
    audit.record(actor, "privacy.unrestrict", "person", person.id)


def reject(request: DataRequest, actor, note: str) -> None:
    note = (note or "").strip()
    if not note:
        raise ServiceError(_("Give the reason, for the person."), "note")
    _close(request, actor, REJECTED, note)
    db.session.flush()
    audit.record(actor, "privacy.reject", "person", request.person_id, request=request.id)


def anonymise_person(person: Person, actor, *, reason: str) -> dict[str, int]:
    """Remove everything that identifies ``person``; keep the rows that counts rest on.

    Kept: the person row with its unit, target group, organisation and active dates;
    course completions, roster entries, attendance and attempt scores, so that coverage
    figures for past dates stay the same. Removed: names, numbers, e-mail, birth year,
    gender, ethnicity, agency and position; the login's name, e-mail and phone (the
    account is closed); free-text answers and markers' comments; the addresses and texts of
    messages; the holder's name on certificates, which then no longer verify.
    """
    if person.anonymised_at is not None:
        return {}
    counts: dict[str, int] = {}
    for name in ("phone", "email", "national_id", "gender", "birth_year", "ethnicity", "agency", "position"):
        setattr(person, name, None)
    person.full_name = ANONYMISED_NAME
    person.restricted_at = None
    person.anonymised_at = utcnow()
    user = db.session.scalar(select(User).where(User.person_id == person.id))
    if user is not None:
        user.display_name = ANONYMISED_NAME
        user.phone = None
        user.email = f"anonymised-{user.id}@invalid"
        user.active = False
        user.locale = None
        user.set_password(secrets.token_urlsafe(32))
        counts["answers"] = db.session.execute(
            update(AttemptAnswer).where(AttemptAnswer.attempt_id.in_(select(Attempt.id).where(Attempt.user_id == user.id)))
            .values(response=None, response_key=None, comment=None).execution_options(synchronize_session=False)
        ).rowcount
    message_filter = Message.person_id == person.id
    if user is not None:
        message_filter = message_filter | (Message.user_id == user.id)
    counts["messages"] = db.session.execute(
        update(Message).where(message_filter).values(address=None, subject="", body="", body_html=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    certificates = list(db.session.scalars(select(Certificate).where(Certificate.person_id == person.id)))
    for certificate in certificates:
        certificate.holder_name = ANONYMISED_NAME
        for version in db.session.scalars(select(CertificateVersion)
                                          .where(CertificateVersion.certificate_id == certificate.id)):
            version.details = {**version.details, "holder_name": ANONYMISED_NAME}
    counts["certificates"] = len(certificates)
    # Codes are of no use any more; self-registrations linked to the person lose what identifies.
    db.session.execute(delete(ActivationCode).where(ActivationCode.person_id == person.id)
                       .execution_options(synchronize_session=False))
    db.session.execute(update(RegistrationRequest).where(RegistrationRequest.person_id == person.id)
                       .values(full_name=ANONYMISED_NAME, phone="", pending_phone=None, national_id=None,
                               agency=None, position=None, reason=None)
                       .execution_options(synchronize_session=False))
    # The requests stay as the record of what was asked and done; their free text goes.
    db.session.execute(update(DataRequest).where(DataRequest.person_id == person.id).values(message="")
                       .execution_options(synchronize_session=False))
    db.session.flush()
    audit.record(actor, "privacy.anonymise", "person", person.id, reason=reason[:200], **counts)
    log.info("person %s anonymised (%s)", person.id, reason)
    return counts


def settle_by_anonymising(request: DataRequest, actor, note: str = "") -> dict[str, int]:
    if request.kind != DELETE and not note:
        raise ServiceError(_("Give the reason, for the person."), "note")
    _close(request, actor, DONE, note or _("Personal data removed; anonymous counts kept."))
    counts = anonymise_person(request.person, actor, reason=f"request {request.id}")
    return counts


def record_full_view(actor, person: Person, purpose: str) -> None:
    """A person's full identifiers were shown (audited: who, when, whom, why)."""
    audit.record(actor, "person.view_full", "person", person.id, purpose=purpose.strip()[:300])


def record_full_export(actor, kind: str, filters: dict, rows: int, purpose: str) -> None:
    """An export with full identifiers (audited: who, when, which filter, how many rows, why)."""
    audit.record(actor, "privacy.export_full", "export", kind, filters={k: v for k, v in filters.items() if v},
                 rows=rows, purpose=purpose.strip()[:300])


__all__ = ["CORRECT", "DELETE", "RESTRICT", "add_working_days", "anonymise_person", "correct", "reject",
           "restrict", "settle_by_anonymising", "submit_request"]

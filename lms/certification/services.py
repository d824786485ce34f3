"""Certificate mutations: issue, correct, revoke; the course_completed receiver; bulk output.

Services validate, change and flush; the caller commits. Issuing, correction and
revocation go into the audit table.
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from lms.catalog.models import COMPLETION_VIAS, Course, CourseCompletion
from lms.certification import rendering
from lms.certification.codes import format_code, new_code
from lms.certification.hooks import decision_providers, hours_providers, template_choosers
from lms.certification.models import (
    DATE_FIELDS,
    DETAIL_FIELDS,
    REVOCATION_REASONS,
    Certificate,
    CertificatePolicy,
    CertificateVersion,
)
from lms.core import audit
from lms.core.db import utcnow
from lms.core.errors import ServiceError
from lms.core.localtime import local_date, local_today  # noqa: F401 - re-exported for the views
from lms.core.text import slugify
from lms.extensions import db
from lms.registry.models import Person

log = logging.getLogger("lms.certification")

# Details a trainer or manager may set when issuing by hand (the rest come from the
# person, the course and the completion) and may correct afterwards.
ISSUE_FIELDS = ("issuer", "signer_title", "signer_name", "place", "decision_number", "decision_date", "expires_on")
CORRECTABLE_FIELDS = DETAIL_FIELDS
_MAX_LENGTH = {
    "holder_name": 200, "course_title": 300, "issuer": 300, "signer_title": 200,
    "signer_name": 200, "place": 100, "decision_number": 100,
}


# --- dates --------------------------------------------------------------------------


# --- policy -------------------------------------------------------------------------


def auto_issue_vias(course: Course) -> list[str]:
    """The completion routes that issue a certificate automatically (default: all)."""
    policy = db.session.get(CertificatePolicy, course.id)
    if policy is None:
        return list(COMPLETION_VIAS)
    return [via for via in COMPLETION_VIAS if via in (policy.auto_vias or [])]


def set_auto_issue_vias(course: Course, vias: Iterable[str], *, actor=None) -> list[str]:
    wanted = list(dict.fromkeys(vias))
    unknown = [via for via in wanted if via not in COMPLETION_VIAS]
    if unknown:
        raise ServiceError(_("Unknown completion route: %(via)s", via=unknown[0]), "vias")
    old = auto_issue_vias(course)
    policy = db.session.get(CertificatePolicy, course.id)
    if policy is None:
        policy = CertificatePolicy(course_id=course.id)
        db.session.add(policy)
    policy.auto_vias = [via for via in COMPLETION_VIAS if via in wanted]
    db.session.flush()
    audit.record(actor, "certificate.policy", "course", course.id, old=old, new=policy.auto_vias)
    return policy.auto_vias


# --- issuing ------------------------------------------------------------------------


def _clean_text(value: Any) -> str:
    return " ".join(unicodedata.normalize("NFC", str(value or "")).split())


def _validate_details(details: dict[str, Any]) -> dict[str, Any]:
    """Normalise and check printable details; raise ServiceError naming the field."""
    cleaned: dict[str, Any] = {}
    for name, value in details.items():
        if name not in DETAIL_FIELDS:
            raise ServiceError(_("Unknown field: %(name)s", name=name))
        if name in DATE_FIELDS:
            if value in (None, ""):
                value = None
            elif isinstance(value, str):
                try:
                    value = date.fromisoformat(value)
                except ValueError:
                    raise ServiceError(_("Not a valid date."), name) from None
            elif isinstance(value, datetime) or not isinstance(value, date):
                raise ServiceError(_("Not a valid date."), name)
        elif name == "hours":
            try:
                value = float(value or 0)
            except (TypeError, ValueError):
                raise ServiceError(_("Give the number of hours."), name) from None
            if not 0 <= value <= 10000:
                raise ServiceError(_("Give the number of hours."), name)
        else:
            value = _clean_text(value)
            if len(value) > _MAX_LENGTH.get(name, 300):
                raise ServiceError(_("This text is too long."), name)
            if name == "decision_number":
                value = value or None
        cleaned[name] = value
    if "holder_name" in cleaned and not cleaned["holder_name"]:
        raise ServiceError(_("The name is required."), "holder_name")
    if "course_title" in cleaned and not cleaned["course_title"]:
        raise ServiceError(_("The course title is required."), "course_title")
    for required in ("completed_on", "issued_on"):
        if required in cleaned and cleaned[required] is None:
            raise ServiceError(_("A date is required."), required)
    issued, expires = cleaned.get("issued_on"), cleaned.get("expires_on")
    if issued and expires and expires < issued:
        raise ServiceError(_("The expiry date must be after the issue date."), "expires_on")
    return cleaned


def _json_details(details: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in details.items()}


def hours_for(completion: CourseCompletion, course: Course) -> float:
    """The hours a completion's certificate states: a registered provider's, else the course's."""
    for provider in hours_providers.functions():
        hours = provider(completion)
        if hours:
            return hours
    return course.hours or 0


def template_for(completion: CourseCompletion, course: Course) -> str:
    """The template for a completion's certificate: a registered chooser's, else the course's."""
    for chooser in template_choosers.functions():
        name = chooser(completion)
        if name and rendering.template_exists(name):
            return name
    return rendering.resolve_template(course.certificate_template)


def initial_details(completion: CourseCompletion, template: str) -> dict[str, Any]:
    """The details a certificate gets from the person, the course and the template."""
    person = db.session.get(Person, completion.person_id)
    course = db.session.get(Course, completion.course_id)
    info = rendering.template_info(template)
    title = course.title_en if info.language == "en" and course.title_en else course.title
    defaults = info.defaults
    return {
        "holder_name": person.full_name,
        "course_title": title,
        "hours": hours_for(completion, course),
        "completed_on": local_date(completion.completed_at),
        "issued_on": local_today(),
        "expires_on": None,
        "issuer": defaults.get("issuer", ""),
        "signer_title": defaults.get("signer_title", ""),
        "signer_name": defaults.get("signer_name", ""),
        "place": defaults.get("place", ""),
        **dict(zip(("decision_number", "decision_date"), decision_for(completion, defaults), strict=True)),
    }


def issue_for_completion(
    completion: CourseCompletion,
    *,
    actor=None,
    automatic: bool = False,
    details: dict[str, Any] | None = None,
) -> tuple[Certificate, bool]:
    """Issue the certificate for a completion, exactly once per person, course and renewal.

    Returns ``(certificate, created)``. INSERT … ON CONFLICT DO NOTHING on the
    (person, course, renewal) unique constraint: a concurrent issue in another transaction
    waits for it and then finds the existing row instead of creating a second one. A
    renewed completion (a refresher) gets a new certificate with its own code; the earlier
    ones stay valid until revoked.
    """
    course = db.session.get(Course, completion.course_id)
    template = template_for(completion, course)
    values = initial_details(completion, template)
    if details:
        extra = {k: v for k, v in details.items() if k in ISSUE_FIELDS}
        values.update(_validate_details(extra))
    values = _validate_details(values)
    code = new_code()
    row = {
        **values,
        "code": code,
        "person_id": completion.person_id,
        "course_id": completion.course_id,
        "completion_id": completion.id,
        "template": template,
        "renewal": completion.renewals,
        "version": 1,
        "issued_automatically": automatic,
        "issued_by_id": getattr(actor, "id", None),
        "created_at": utcnow(),
        "updated_at": utcnow(),
    }
    dialect = db.session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    table = Certificate.__table__
    stmt = (
        insert(table)
        .values(**row)
        .on_conflict_do_nothing(index_elements=[table.c.person_id, table.c.course_id, table.c.renewal])
        .returning(table.c.id)
    )
    # RETURNING gives a row only when this statement inserted one (rowcount is -1 on
    # PostgreSQL once SQLAlchemy adds its implicit RETURNING, so it cannot be used).
    created = db.session.execute(stmt).scalar() is not None
    certificate = db.session.scalar(
        select(Certificate)
        .where(Certificate.person_id == completion.person_id, Certificate.course_id == completion.course_id,
               Certificate.renewal == completion.renewals)
        .execution_options(populate_existing=True)
    )
    if created:
        db.session.add(
            CertificateVersion(
                certificate_id=certificate.id,
                number=1,
                details=_json_details(values),
                template=template,
                created_by_id=getattr(actor, "id", None),
                note=None,
            )
        )
        db.session.flush()
        audit.record(
            actor, "certificate.issue", "certificate", certificate.id,
            person_id=completion.person_id, course_id=completion.course_id,
            automatic=automatic, via=completion.via,
        )
        log.info("certificate issued person=%s course=%s automatic=%s",
                 completion.person_id, completion.course_id, automatic)
    return certificate, created


def on_course_completed(sender, completion: CourseCompletion | None = None, **_extra) -> None:
    """Receiver of ``course_completed``: runs inside the completion's transaction. A renewal
    (``renewal=True``) is treated like a first completion: under the same policy it gets a
    certificate of its own, stating the new completion date."""
    if completion is None:
        return
    course = db.session.get(Course, completion.course_id)
    if completion.via not in auto_issue_vias(course):
        return
    issue_for_completion(completion, automatic=True)


def issue_missing(*, actor=None) -> int:
    """Issue certificates for existing completions that have none (where the policy allows)."""
    stmt = (
        select(CourseCompletion)
        .outerjoin(
            Certificate,
            (Certificate.person_id == CourseCompletion.person_id)
            & (Certificate.course_id == CourseCompletion.course_id)
            & (Certificate.renewal == CourseCompletion.renewals),
        )
        .where(Certificate.id.is_(None))
        .order_by(CourseCompletion.id)
    )
    count = 0
    for completion in db.session.scalars(stmt).all():
        course = db.session.get(Course, completion.course_id)
        if completion.via not in auto_issue_vias(course):
            continue
        _, created = issue_for_completion(completion, actor=actor, automatic=actor is None)
        count += int(created)
    return count


# --- correction and revocation -------------------------------------------------------


def correct(certificate: Certificate, changes: dict[str, Any], *, actor, note: str | None = None) -> bool:
    """Change printable details: same code, version + 1, the old version kept.

    Returns False (and changes nothing) when nothing differs.
    """
    if certificate.revoked_at is not None:
        raise ServiceError(_("A revoked certificate cannot be corrected."))
    unknown = set(changes) - set(CORRECTABLE_FIELDS)
    if unknown:
        raise ServiceError(_("Unknown field: %(name)s", name=sorted(unknown)[0]))
    merged = {name: getattr(certificate, name) for name in DETAIL_FIELDS}
    merged.update(changes)
    cleaned = _validate_details(merged)
    changed = [name for name in DETAIL_FIELDS if cleaned[name] != getattr(certificate, name)]
    if not changed:
        return False
    note = _clean_text(note)[:500] or None
    before = {name: getattr(certificate, name) for name in changed}
    for name in changed:
        setattr(certificate, name, cleaned[name])
    certificate.version += 1
    db.session.add(
        CertificateVersion(
            certificate_id=certificate.id,
            number=certificate.version,
            details=certificate.details(),
            template=certificate.template,
            created_by_id=getattr(actor, "id", None),
            note=note,
        )
    )
    db.session.flush()
    audit.record(
        actor, "certificate.correct", "certificate", certificate.id,
        version=certificate.version, fields=changed,
        old=_json_details(before), new=_json_details({n: cleaned[n] for n in changed}), note=note,
    )
    return True


def revoke(certificate: Certificate, *, reason: str, note: str | None = None, actor) -> None:
    if reason not in REVOCATION_REASONS:
        raise ServiceError(_("Choose a reason."), "reason")
    if certificate.revoked_at is not None:
        raise ServiceError(_("This certificate has already been revoked."))
    certificate.revoked_at = utcnow()
    certificate.revoked_by_id = getattr(actor, "id", None)
    certificate.revocation_reason = reason
    certificate.revocation_note = _clean_text(note)[:2000] or None
    db.session.flush()
    audit.record(actor, "certificate.revoke", "certificate", certificate.id, reason=reason)


# --- PDFs -----------------------------------------------------------------------------


def pdf_filename(certificate: Certificate, version: int | None = None) -> str:
    suffix = f"-v{version}" if version else ""
    name = slugify(certificate.holder_name) or "certificate"
    return f"{name}-{format_code(certificate.code)[:9]}{suffix}.pdf"


def printable(certificate: Certificate) -> rendering.Printable:
    return rendering.Printable(
        code=certificate.code,
        template=certificate.template,
        details=certificate.details(),
        version=certificate.version,
        filename=pdf_filename(certificate),
    )


def printable_version(certificate: Certificate, version: CertificateVersion) -> rendering.Printable:
    return rendering.Printable(
        code=certificate.code,
        template=version.template,
        details=dict(version.details),
        version=version.number,
        filename=pdf_filename(certificate, version.number),
    )


def render_certificate_pdf(certificate: Certificate) -> bytes:
    return rendering.render_pdf(printable(certificate))


def render_bulk_pdf(certificates: Sequence[Certificate]) -> bytes:
    """One print-ready PDF: A4 landscape, one certificate per page, in the given order.

    The classes domain calls this for "one class"; any list of certificates works.
    """
    return rendering.render_many_pdf(printable(c) for c in certificates)


def render_bulk_zip(certificates: Sequence[Certificate]) -> bytes:
    """A ZIP holding one PDF per certificate (built in memory)."""
    return rendering.render_many_zip(printable(c) for c in certificates)


def decision_for(completion: CourseCompletion, defaults: dict | None = None) -> tuple[str | None, date | None]:
    """The decision printed on a completion's certificate: the class's (a registered
    provider), else the course's, else the template's default number."""
    from lms.certification.models import CourseDecision

    for provider in decision_providers.functions():
        found = provider(completion)
        if found and found[0]:
            return found[0], found[1]
    decision = db.session.get(CourseDecision, completion.course_id)
    if decision is not None and decision.number:
        return decision.number, decision.decided_on
    return (defaults or {}).get("decision_number") or None, None


def set_course_decision(course: Course, number: str | None, decided_on: date | None, *, actor) -> None:
    """Set (or clear, with an empty number) the decision printed on a course's certificates.
    Certificates already issued keep theirs (a correction changes one)."""
    from lms.certification.models import CourseDecision

    number = (number or "").strip()[:100]
    decision = db.session.get(CourseDecision, course.id)
    old = (decision.number, decision.decided_on.isoformat() if decision and decision.decided_on else None) \
        if decision is not None else None
    if not number:
        if decision is not None:
            db.session.delete(decision)
    else:
        if decision is None:
            decision = CourseDecision(course_id=course.id, number=number)
            db.session.add(decision)
        decision.number, decision.decided_on = number, decided_on
    db.session.flush()
    audit.record(actor, "certificate.decision", "course", course.id, old=old,
                 new=(number, decided_on.isoformat() if decided_on else None) if number else None)

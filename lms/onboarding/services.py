"""Onboarding mutations: issuing and redeeming codes, registration requests, enrolment in
required courses. Services validate, change and flush; the caller commits.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import and_, exists, literal, select, update

from lms.auth import services as auth_services
from lms.auth.models import User
from lms.catalog.models import Course, Enrolment
from lms.core import audit
from lms.core.db import UTCDateTime, insert_ignore, utcnow
from lms.core.errors import ServiceError
from lms.core.localtime import end_of_day_utc, local_today
from lms.core.phone import normalize_phone
from lms.core.text import clean_name
from lms.coverage.models import REQUIRED, RequirementCourse, RequirementSet
from lms.extensions import db
from lms.messages import services as messages
from lms.onboarding import codes
from lms.onboarding.models import (
    ACCEPTED,
    ACTIVATE,
    PENDING,
    REJECTED,
    RESET,
    ActivationCode,
    RegistrationRequest,
    identifier_columns,
)
from lms.registry.models import Organisation, Person

log = logging.getLogger("lms.onboarding")

_TEMPLATES = {ACTIVATE: ("activation", "activation"), RESET: ("reset", "reset")}  # kind, template
_ENDPOINTS = {ACTIVATE: "onboarding.activate_code", RESET: "onboarding.reset_code"}


class CodeRefused(ServiceError):
    """Any reason a code cannot be used; always the same words (nothing to learn from it)."""

    def __init__(self) -> None:
        super().__init__(neutral_refusal(), "code")


def neutral_refusal() -> str:
    return _("This code cannot be used with this phone number. Check both, or ask your commune's "
             "OCOP officer for a new slip.")


@dataclass(frozen=True)
class Issued:
    """A code as it is handed over: printed on a slip, in a CSV row, or in a message."""

    person: Person
    purpose: str
    code: str
    url: str
    expires_on: date
    channel: str
    # The person's id, read when the code was made: ``store_codes`` needs nothing else of the
    # person, so a job may commit its progress (which expires the objects) in between.
    person_id: int


def code_url(purpose: str, code: str) -> str:
    return messages.public_url(_ENDPOINTS[purpose], code=code)


def _accounts(person_ids: list[int]) -> dict[int, User]:
    found: dict[int, User] = {}
    for start in range(0, len(person_ids), 1000):
        found.update((u.person_id, u) for u in db.session.scalars(
            select(User).where(User.person_id.in_(person_ids[start:start + 1000]))))
    return found


def purpose_for(person: Person, account: User | None) -> str:
    """``activate`` for someone without a usable account, ``reset`` for an account holder."""
    return RESET if account is not None and account.has_usable_password else ACTIVATE


def issue_codes(people: Iterable[Person], *, actor=None, include_active: bool = False,
                deliver: bool = False, purpose: str | None = None) -> list[Issued]:
    """Issue one code per person; every earlier unused code of the same purpose stops working.

    People with a usable account get a ``reset`` code only with ``include_active`` (else they
    are skipped). ``deliver`` queues the code as a message when a channel reaches the person;
    the others (and everyone without ``deliver``) get a slip. Audited per person, without
    the code.
    """
    return store_codes(new_codes(people, include_active=include_active, purpose=purpose),
                       actor=actor, deliver=deliver)


def new_codes(people: Iterable[Person], *, include_active: bool = False, purpose: str | None = None) -> list[Issued]:
    """The first half of ``issue_codes``: who gets which code, and the codes, stored nowhere.

    Nothing is written: a job makes the slips of these codes first (minutes, committing its
    progress) and stores them with ``store_codes`` in the transaction that keeps its file, so
    that the new codes and the file that carries them are committed together or not at all.
    """
    people = list(people)
    accounts = _accounts([p.id for p in people])
    expires_on = local_today() + timedelta(days=current_app.config["ACTIVATION_DAYS"])
    planned: list[Issued] = []
    for person in people:
        wanted = purpose or purpose_for(person, accounts.get(person.id))
        if wanted == RESET and purpose is None and not include_active:
            continue
        code = codes.new_code()
        planned.append(Issued(person, wanted, code, code_url(wanted, code), expires_on, "slip", person.id))
    return planned


def store_codes(planned: list[Issued], *, actor=None, deliver: bool = False) -> list[Issued]:
    """The second half of ``issue_codes``: store the hashes of ``new_codes``' codes (flush only).

    Every earlier unused code of the same purpose of each person stops working. With
    ``deliver``, each code goes out as a message where a channel reaches the person (the
    returned items say which channel; ``slip`` for the others).
    """
    now = utcnow()
    actor_id = getattr(actor, "id", None)
    accounts = _accounts([item.person_id for item in planned]) if deliver else {}
    issued: list[Issued] = []
    for start in range(0, len(planned), 500):
        chunk = planned[start:start + 500]
        for wanted in (ACTIVATE, RESET):
            ids = [item.person_id for item in chunk if item.purpose == wanted]
            if ids:
                db.session.execute(
                    update(ActivationCode)
                    .where(ActivationCode.person_id.in_(ids), ActivationCode.purpose == wanted,
                           ActivationCode.used_at.is_(None), ActivationCode.revoked_at.is_(None))
                    .values(revoked_at=now)
                )
        rows = [ActivationCode(person_id=item.person_id, purpose=item.purpose, code_hash=codes.code_hash(item.code),
                               created_at=now, expires_at=end_of_day_utc(item.expires_on), issued_by_id=actor_id,
                               channel="slip")
                for item in chunk]
        db.session.add_all(rows)
        db.session.flush()
        for item, row in zip(chunk, rows, strict=True):
            if deliver:
                row.channel = _deliver(item.person, accounts.get(item.person_id), item.purpose, item.code, item.url,
                                       item.expires_on, row, actor)
            audit.record(actor, "onboarding.code_issued", "person", item.person_id, purpose=item.purpose,
                         channel=row.channel)
            issued.append(replace(item, channel=row.channel))
    db.session.flush()
    return issued


def _deliver(person, account, purpose, code, url, expires_on, row, actor) -> str:
    """Queue the code by SMS or e-mail when one reaches the person; else ``slip``.

    No in-app message: whoever needs this code cannot log in to read it.
    """
    email = person.email or (account.email if account is not None else None)
    if not [c for c in messages.reachable_channels(phone=person.phone, email=email) if c != "inapp"]:
        return "slip"
    kind, template = _TEMPLATES[purpose]
    message = messages.enqueue(
        kind, template, person_id=person.id, phone=person.phone, email=email,
        context={"full_name": person.full_name, "code": code, "url": url, "expires_on": expires_on},
        idempotency_key=f"onboarding:{purpose}:{row.id}", actor=actor,
    )
    return message.channel if message is not None else "slip"


def count_failed_try(typed_code: str | None) -> None:
    """One more wrong try on the code (if it exists); at the limit the code stops working."""
    canonical = codes.normalize(typed_code)
    if canonical is None:
        return
    db.session.execute(
        update(ActivationCode).where(ActivationCode.code_hash == codes.code_hash(canonical))
        .values(tries=ActivationCode.tries + 1)
    )


def redeem(purpose: str, typed_code: str | None, typed_phone: str | None, password: str) -> User:
    """Spend a code: set the password of the person's account (creating it for ``activate``).

    Every refusal about the code or the phone is the same ``CodeRefused``. The code is
    claimed with a conditional UPDATE, so two concurrent requests with one code cannot
    both succeed. A reset ends the account's other sessions (the password changes).
    """
    phone = normalize_phone(typed_phone)
    # The password rules first: they depend on nothing secret, so they reveal nothing.
    problems = auth_services.password_problems(password or "", login_names=(phone,))
    if problems:
        raise ServiceError(" ".join(problems), "password")
    canonical = codes.normalize(typed_code)
    row = None
    if canonical is not None:
        row = db.session.scalar(select(ActivationCode).where(ActivationCode.code_hash == codes.code_hash(canonical)))
    now = utcnow()
    if (row is None or row.purpose != purpose or row.used_at is not None or row.revoked_at is not None
            or row.expires_at <= now or row.tries >= current_app.config["ACTIVATION_MAX_TRIES"]
            or phone is None or row.person.phone != phone):
        raise CodeRefused()
    claimed = db.session.execute(
        update(ActivationCode)
        .where(ActivationCode.id == row.id, ActivationCode.used_at.is_(None), ActivationCode.revoked_at.is_(None))
        .values(used_at=now)
    ).rowcount
    if claimed != 1:
        raise CodeRefused()
    person = row.person
    user = db.session.scalar(select(User).where(User.person_id == person.id))
    if user is not None and not user.active:
        raise CodeRefused()
    if user is None:
        if purpose != ACTIVATE:
            raise CodeRefused()
        taken = db.session.scalar(select(User.id).where(User.phone == phone))
        if taken is not None:
            raise CodeRefused()
        user = auth_services.create_user(name=person.full_name, phone=phone, roles=("learner",),
                                         password=password, person=person, actor=None)
    else:
        if user.phone is None and not db.session.scalar(select(User.id).where(User.phone == phone)):
            user.phone = phone
        user.set_password(password, temporary=False)
        auth_services.end_all_sessions(user)  # every other session ends (the view logs this one in)
    db.session.flush()
    audit.record(user, "onboarding.activated" if purpose == ACTIVATE else "onboarding.password_reset",
                 "user", user.id, person_id=person.id, code_id=row.id)
    sync_enrolments(person_ids=[person.id])
    return user


def request_reset(typed_phone: str | None) -> bool:
    """"Forgot password": queue a reset code when the phone belongs to an account that SMS or
    e-mail reaches. The caller shows the same page in every case; the result is for the log
    and the tests. Without a channel nothing changes (codes on printed slips stay valid).
    """
    phone = normalize_phone(typed_phone)
    if phone is None:
        return False
    row = db.session.execute(
        select(Person, User).join(User, User.person_id == Person.id).where(Person.phone == phone)
    ).first()
    if row is None or not row.User.active:
        return False
    person, account = row
    email = person.email or account.email
    if not [c for c in messages.reachable_channels(phone=person.phone, email=email) if c != "inapp"]:
        return False
    issued = issue_codes([person], purpose=RESET, deliver=True)
    return bool(issued) and issued[0].channel != "slip"


# --- required courses -----------------------------------------------------------------


def sync_enrolments(*, person_ids: list[int] | None = None, target_group: str | None = None) -> int:
    """Enrol every account holder in the courses their target group's requirement names.

    One INSERT … SELECT of the missing enrolments, ON CONFLICT DO NOTHING (idempotent, also
    against a concurrent run); returns how many were added.
    """
    from sqlalchemy.dialects.postgresql import insert as pg_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    if person_ids is not None and not person_ids:
        return 0
    query = (
        select(User.id, Course.id, literal(utcnow(), UTCDateTime()))
        .join(Person, Person.id == User.person_id)
        .join(RequirementCourse, and_(  # the required courses of the primary requirement set
            RequirementCourse.target_group == Person.target_group, RequirementCourse.kind == REQUIRED,
            RequirementCourse.set_id == select(RequirementSet.id).where(RequirementSet.is_primary.is_(True))
            .scalar_subquery()))
        .join(Course, Course.slug == RequirementCourse.course_slug)
        .where(~exists().where(and_(Enrolment.user_id == User.id, Enrolment.course_id == Course.id)))
    )
    if person_ids is not None:
        query = query.where(Person.id.in_(person_ids))
    if target_group is not None:
        query = query.where(Person.target_group == target_group)
    dialect_insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    table = Enrolment.__table__
    stmt = (
        dialect_insert(table)
        .from_select([table.c.user_id, table.c.course_id, table.c.enrolled_at], query)
        .on_conflict_do_nothing(index_elements=[table.c.user_id, table.c.course_id])
        .returning(table.c.id)  # rowcount is not reliable with ON CONFLICT on psycopg
    )
    added = len(db.session.execute(stmt).all())
    if added:
        log.info("required courses: %d enrolments added", added)
    return added


def on_people_imported(_sender, *, created=(), changed=(), **_kwargs) -> None:
    """``people_imported`` receiver: new and changed people's accounts get their required courses."""
    ids = [*created, *changed]
    for start in range(0, len(ids), 1000):
        sync_enrolments(person_ids=ids[start:start + 1000])


def on_requirement_changed(_sender, *, target_group: str, **_kwargs) -> None:
    """``requirement_changed`` receiver: the group's account holders get the courses now required."""
    sync_enrolments(target_group=target_group)


# --- self-registration ----------------------------------------------------------------


def submit_request(*, full_name: str, phone: str, unit_id: int, org_code: str | None,
                   is_official: bool, agency: str | None, position: str | None,
                   national_id: str | None = None) -> RegistrationRequest:
    """Queue a self-registration; a pending request from the same phone is updated instead."""
    name = clean_name(full_name or "")[:200]
    number = normalize_phone(phone)
    if not name:
        raise ServiceError(_("The name is required."), "full_name")
    if number is None:
        raise ServiceError(_("This is not a valid Vietnamese mobile number."), "phone")
    org_code = (org_code or "").strip()[:20] or None
    agency = clean_name(agency or "")[:300] or None
    position = clean_name(position or "")[:200] or None
    if is_official:
        if not agency or not position:
            raise ServiceError(_("Give your agency and your position."), "agency")
        org_code = None
    elif not org_code:
        raise ServiceError(_("Give the tax or business-registration number of your organisation, or "
                             "tick “I am a state official”."), "org_code")
    now = utcnow()
    nid_enc, nid_hash = identifier_columns((national_id or "").strip()[:12] or None)
    values = {"full_name": name, "phone": number, "national_id_enc": nid_enc, "national_id_hash": nid_hash,
              "unit_id": unit_id, "org_code": org_code, "is_official": bool(is_official), "agency": agency,
              "position": position, "updated_at": now}
    created = insert_ignore(db.session, RegistrationRequest,
                            {**values, "pending_phone": number, "status": PENDING, "times": 1, "created_at": now},
                            ["pending_phone"])
    request = db.session.scalar(select(RegistrationRequest).where(RegistrationRequest.pending_phone == number))
    if not created:
        db.session.execute(update(RegistrationRequest).where(RegistrationRequest.id == request.id)
                           .values(**values, times=RegistrationRequest.times + 1))
        db.session.refresh(request)
    audit.record(None, "onboarding.request_received", "registration_request", request.id, duplicate=not created)
    return request


def matches(request: RegistrationRequest) -> list[Person]:
    """Registry people this request may be: same phone, national ID, or organisation code
    with the same leader name (accents and case ignored)."""
    from lms.core.text import fold

    conds = [Person.phone == request.phone]
    if request.national_id_hash:
        # Both sides are keyed hashes under the same key: nothing is decrypted to match.
        conds.append(Person.national_id_hash == request.national_id_hash)
    found = {p.id: p for cond in conds for p in db.session.scalars(select(Person).where(cond))}
    if request.org_code:
        for person in db.session.scalars(
            select(Person).join(Organisation, Organisation.id == Person.organisation_id)
            .where(Organisation.code == request.org_code)
        ):
            if fold(person.full_name) == fold(request.full_name):
                found[person.id] = person
    return list(found.values())


def accept_request(request: RegistrationRequest, *, actor, person_id: int | None = None) -> Issued | None:
    """Link the request to a registry person (``person_id``, one of its matches) or a new one,
    make the account, and issue an activation code (sent, or returned to print as a slip)."""
    from lms.core.groups import HOUSEHOLD_HEAD, OFFICIAL_COMMUNE

    if request.status != PENDING:
        raise ServiceError(_("This request was already decided."))
    person = None
    if person_id is not None:
        person = next((p for p in matches(request) if p.id == person_id), None)
        if person is None:
            raise ServiceError(_("This person does not match the request."))
    if person is None:
        org = None
        if request.org_code:
            org = db.session.scalar(select(Organisation).where(Organisation.code == request.org_code))
        if db.session.scalar(select(Person.id).where(Person.phone == request.phone)):
            raise ServiceError(_("A person with this phone number is already in the registry: link the request to them."))
        person = Person(full_name=request.full_name, phone=request.phone, national_id=request.national_id,
                        unit_id=request.unit_id, organisation_id=org.id if org else None,
                        target_group=OFFICIAL_COMMUNE if request.is_official else (None if org else HOUSEHOLD_HEAD),
                        agency=request.agency, position=request.position)
        db.session.add(person)
        db.session.flush()
        audit.record(actor, "registry.person_create", "person", person.id, via="registration_request")
    account = db.session.scalar(select(User).where(User.person_id == person.id))
    if account is None and person.phone:
        if db.session.scalar(select(User.id).where(User.phone == person.phone)):
            raise ServiceError(_("Another account already uses this phone number."))
        account = auth_services.create_user(name=person.full_name, phone=person.phone, roles=("learner",),
                                            password=None, person=person, actor=actor)
    request.status, request.pending_phone = ACCEPTED, None
    request.person_id = person.id
    request.decided_at, request.decided_by_id = utcnow(), actor.id
    db.session.flush()
    audit.record(actor, "onboarding.request_accepted", "registration_request", request.id, person_id=person.id)
    if account is not None and account.has_usable_password:
        return None  # they can already log in; "forgot password" is there for them
    issued = issue_codes([person], actor=actor, deliver=True, purpose=ACTIVATE)
    return issued[0]


def reject_request(request: RegistrationRequest, *, actor, reason: str) -> None:
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(_("Give a reason."), "reason")
    if request.status != PENDING:
        raise ServiceError(_("This request was already decided."))
    request.status, request.pending_phone, request.reason = REJECTED, None, reason[:1000]
    request.decided_at, request.decided_by_id = utcnow(), actor.id
    db.session.flush()
    audit.record(actor, "onboarding.request_rejected", "registration_request", request.id)


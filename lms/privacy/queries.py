"""Everything the platform holds about one person ("Dữ liệu của tôi", Law 91/2025/QH15,
Art. 4: the right to know and to obtain one's data).

``person_data`` is the one place that gathers a person's data from every domain; the
page, the JSON download and the XLSX download all render its sections, so they cannot
disagree. It only ever receives the person and user of the session: no route takes an id.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import false, or_, select

from lms.assessments.models import Attempt, AttemptAnswer, Question, Quiz
from lms.auth.models import User
from lms.catalog.models import Course, CourseCompletion, Enrolment, Lesson, LessonProgress
from lms.certification.models import Certificate
from lms.classes.models import Attendance, ClassDay, RosterEntry, TrainingClass
from lms.core.audit import AuditLog
from lms.extensions import db
from lms.messages.models import Message
from lms.onboarding.models import ActivationCode, RegistrationRequest
from lms.registry.models import GENDER_LABELS, Person


@dataclass
class Section:
    key: str
    title: Any
    columns: list[tuple[str, Any]]
    rows: list[dict[str, Any]] = field(default_factory=list)


def json_value(value: Any) -> Any:
    """A JSON-ready value: dates as ISO text, lazy translations as text."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if value is None or isinstance(value, bool | int | float | str | dict | list):
        return value
    return str(value)


def cell_value(value: Any) -> Any:
    """A spreadsheet- and page-ready value: nested data as JSON text."""
    value = json_value(value)
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return value


def _registry(person: Person) -> Section:
    columns = [
        ("full_name", _l("Full name")), ("phone", _l("Phone")), ("email", _l("E-mail")),
        ("national_id", _l("National ID")), ("gender", _l("Gender")), ("birth_year", _l("Birth year")),
        ("ethnicity", _l("Ethnicity")), ("target_group", _l("Target group")),
        ("organisation", _l("Organisation")), ("agency", _l("Agency")), ("position", _l("Position")),
        ("unit", _l("Administrative unit")), ("active_from", _l("Active from")),
        ("active_until", _l("Active until")), ("created_at", _l("Recorded on")),
        ("updated_at", _l("Last changed")),
    ]
    row = {
        "full_name": person.full_name, "phone": person.phone, "email": person.email,
        "national_id": person.national_id,
        "gender": str(GENDER_LABELS[person.gender]) if person.gender in GENDER_LABELS else person.gender,
        "birth_year": person.birth_year, "ethnicity": person.ethnicity, "target_group": person.target_group,
        "organisation": person.organisation.name if person.organisation else None,
        "agency": person.agency, "position": person.position,
        "unit": person.unit.name if person.unit else None,
        "active_from": person.active_from, "active_until": person.active_until,
        "created_at": person.created_at, "updated_at": person.updated_at,
    }
    return Section("registry", _l("Registry record"), columns, [row])


def _account(user: User | None) -> Section:
    columns = [("display_name", _l("Name shown")), ("email", _l("E-mail")), ("phone", _l("Phone")),
               ("roles", _l("Roles")), ("locale", _l("Language")), ("created_at", _l("Created on")),
               ("last_login_at", _l("Last login"))]
    rows = []
    if user is not None:
        rows.append({"display_name": user.display_name, "email": user.email, "phone": user.phone,
                     "roles": ", ".join(user.roles), "locale": user.locale, "created_at": user.created_at,
                     "last_login_at": user.last_login_at})
    return Section("account", _l("Account"), columns, rows)


def _rows(stmt) -> list[dict[str, Any]]:
    return [dict(r._mapping) for r in db.session.execute(stmt)]


def person_data(person: Person, user: User | None) -> list[Section]:
    """The sections of "my data" for ``person`` (and their login ``user``, if any)."""
    uid = user.id if user is not None else -1
    sections = [_registry(person), _account(user)]
    sections.append(Section("enrolments", _l("Enrolments"), [
        ("course", _l("Course")), ("enrolled_at", _l("Enrolled on")), ("last_seen_at", _l("Last seen"))],
        _rows(select(Course.title.label("course"), Enrolment.enrolled_at, Enrolment.last_seen_at)
              .join(Course, Course.id == Enrolment.course_id).where(Enrolment.user_id == uid)
              .order_by(Enrolment.enrolled_at))))
    sections.append(Section("lesson_progress", _l("Lessons completed"), [
        ("lesson", _l("Lesson")), ("completed_at", _l("Completed on"))],
        _rows(select(Lesson.title.label("lesson"), LessonProgress.completed_at)
              .join(Lesson, Lesson.id == LessonProgress.lesson_id).where(LessonProgress.user_id == uid)
              .order_by(LessonProgress.completed_at))))
    sections.append(Section("attempts", _l("Quiz attempts"), [
        ("quiz", _l("Quiz")), ("number", _l("Attempt")), ("status", _l("Status")),
        ("started_at", _l("Started")), ("submitted_at", _l("Submitted")), ("points", _l("Points")),
        ("max_points", _l("Out of"))],
        _rows(select(Quiz.title.label("quiz"), Attempt.number, Attempt.status, Attempt.started_at,
                     Attempt.submitted_at, Attempt.points, Attempt.max_points)
              .join(Quiz, Quiz.id == Attempt.quiz_id).where(Attempt.user_id == uid, Attempt.preview.is_(False))
              .order_by(Attempt.started_at))))
    sections.append(Section("answers", _l("Answers"), [
        ("quiz", _l("Quiz")), ("attempt", _l("Attempt")), ("question", _l("Question")),
        ("response", _l("Answer")), ("points", _l("Points")), ("comment", _l("Comment")),
        ("saved_at", _l("Saved"))],
        _rows(select(Quiz.title.label("quiz"), Attempt.number.label("attempt"),
                     Question.ident.label("question"), AttemptAnswer.response, AttemptAnswer.points,
                     AttemptAnswer.comment, AttemptAnswer.saved_at)
              .join(Attempt, Attempt.id == AttemptAnswer.attempt_id).join(Quiz, Quiz.id == Attempt.quiz_id)
              .join(Question, Question.id == AttemptAnswer.question_id)
              .where(Attempt.user_id == uid, Attempt.preview.is_(False))
              .order_by(Attempt.started_at, AttemptAnswer.seq))))
    sections.append(Section("completions", _l("Courses completed"), [
        ("course", _l("Course")), ("completed_at", _l("Completed on")), ("via", _l("How"))],
        _rows(select(Course.title.label("course"), CourseCompletion.completed_at, CourseCompletion.via)
              .join(Course, Course.id == CourseCompletion.course_id)
              .where(CourseCompletion.person_id == person.id).order_by(CourseCompletion.completed_at))))
    sections.append(Section("classes", _l("Classes"), [
        ("class_title", _l("Class")), ("added_at", _l("Added on")), ("posttest_score", _l("Post-test score"))],
        _rows(select(TrainingClass.title.label("class_title"), RosterEntry.added_at, RosterEntry.posttest_score)
              .join(TrainingClass, TrainingClass.id == RosterEntry.class_id)
              .where(RosterEntry.person_id == person.id).order_by(RosterEntry.added_at))))
    sections.append(Section("attendance", _l("Attendance"), [
        ("class_title", _l("Class")), ("day", _l("Day")), ("status", _l("Status")),
        ("marked_at", _l("Recorded"))],
        _rows(select(TrainingClass.title.label("class_title"), ClassDay.day, Attendance.status,
                     Attendance.marked_at)
              .join(ClassDay, ClassDay.id == Attendance.day_id)
              .join(TrainingClass, TrainingClass.id == ClassDay.class_id)
              .where(Attendance.person_id == person.id).order_by(ClassDay.day))))
    sections.append(Section("certificates", _l("Certificates"), [
        ("code", _l("Code")), ("course_title", _l("Course")), ("holder_name", _l("Holder")),
        ("issued_on", _l("Issued on")), ("revoked_at", _l("Revoked"))],
        _rows(select(Certificate.code, Certificate.course_title, Certificate.holder_name, Certificate.issued_on,
                     Certificate.revoked_at)
              .where(Certificate.person_id == person.id).order_by(Certificate.issued_on))))
    sections.append(Section("messages", _l("Messages"), [
        ("channel", _l("Channel")), ("address", _l("Sent to")), ("subject", _l("Subject")),
        ("body", _l("Text")), ("status", _l("Status")), ("created_at", _l("Created")),
        ("sent_at", _l("Sent"))],
        _rows(select(Message.channel, Message.address, Message.subject, Message.body, Message.status,
                     Message.created_at, Message.sent_at)
              .where(or_(Message.person_id == person.id, Message.user_id == uid))
              .order_by(Message.created_at))))
    sections.append(Section("registrations", _l("Self-registrations"), [
        ("full_name", _l("Full name")), ("phone", _l("Phone")), ("status", _l("Status")),
        ("created_at", _l("Sent")), ("decided_at", _l("Decided"))],
        _rows(select(RegistrationRequest.full_name, RegistrationRequest.phone, RegistrationRequest.status,
                     RegistrationRequest.created_at, RegistrationRequest.decided_at)
              .where(RegistrationRequest.person_id == person.id).order_by(RegistrationRequest.created_at))))
    sections.append(Section("codes", _l("Activation and reset codes"), [
        ("purpose", _l("Purpose")), ("channel", _l("Channel")), ("created_at", _l("Created")),
        ("expires_at", _l("Expires")), ("used_at", _l("Used"))],
        _rows(select(ActivationCode.purpose, ActivationCode.channel, ActivationCode.created_at,
                     ActivationCode.expires_at, ActivationCode.used_at)
              .where(ActivationCode.person_id == person.id).order_by(ActivationCode.created_at))))
    about = or_(
        (AuditLog.object_type == "person") & (AuditLog.object_id == str(person.id)),
        (AuditLog.object_type == "user") & (AuditLog.object_id == str(uid)),
        AuditLog.actor_id == uid,
    )
    sections.append(Section("audit", _l("Audit log entries about you or by you"), [
        ("at", _l("When")), ("action", _l("Action")), ("object", _l("Record")), ("actor", _l("By"))],
        [{"at": r.at, "action": r.action, "object": f"{r.object_type} {r.object_id}",
          "actor": _l("you") if r.actor_id == uid else (_l("staff") if r.actor_id else _l("the system"))}
         for r in db.session.scalars(select(AuditLog).where(about).order_by(AuditLog.at))]))
    return sections


def as_json(sections: list[Section]) -> dict[str, Any]:
    return {s.key: [{k: json_value(v) for k, v in row.items()} for row in s.rows] for s in sections}


def as_sheets(sections: list[Section]) -> list[tuple[str, list[str], list[list[Any]]]]:
    return [(str(s.title), [str(label) for _key, label in s.columns],
             [[cell_value(row.get(key)) for key, _label in s.columns] for row in s.rows]) for s in sections]


def requests_query(viewer, *, status: str | None = "open"):
    """Data requests the viewer handles: admins all, managers those of their area's people."""
    from lms.privacy.models import DataRequest
    from lms.registry.queries import person_scope

    stmt = select(DataRequest).join(Person, Person.id == DataRequest.person_id)
    if not viewer.has_role("admin"):
        if not viewer.has_role("manager"):
            return stmt.where(false())
        stmt = stmt.where(person_scope(viewer))
    if status:
        stmt = stmt.where(DataRequest.status == status)
    return stmt.order_by(DataRequest.due_on, DataRequest.id)


def can_handle(viewer, request) -> bool:
    from lms.privacy.models import DataRequest

    return db.session.scalar(requests_query(viewer, status=None).with_only_columns(DataRequest.id)
                             .where(DataRequest.id == request.id)) is not None


def my_requests(user):
    from lms.privacy.models import DataRequest

    return list(db.session.scalars(select(DataRequest).where(DataRequest.person_id == user.person_id)
                                   .order_by(DataRequest.created_at.desc())))

"""Catalog mutations: enrolment, progress and course completion.

Services validate, change and flush; the caller commits.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from flask import current_app
from sqlalchemy import func, or_, select, update

from lms.catalog import importer
from lms.catalog.hooks import requirement_checkers
from lms.catalog.models import (
    COMPLETION_VIAS,
    Course,
    CourseAsset,
    CourseCompletion,
    Enrolment,
    Lesson,
    LessonProgress,
    LessonVersion,
    Module,
)
from lms.core import audit
from lms.core.db import insert_ignore, utcnow
from lms.core.errors import ServiceError
from lms.core.localtime import local_date, local_midnight_utc
from lms.core.signals import course_completed
from lms.extensions import db

log = logging.getLogger("lms.catalog")

def required_lessons_query(course: Course):
    """The lessons that count for completion under the course's ``completion`` rule."""
    rule = (course.completion or {}).get("lessons", "required")
    stmt = select(Lesson.id).where(Lesson.course_id == course.id, Lesson.retired_at.is_(None))
    if rule == "all":
        return stmt
    if isinstance(rule, list):
        return stmt.where(Lesson.slug.in_(rule))
    return stmt.where(Lesson.required.is_(True))


def lessons_done(user_id: int, course: Course) -> tuple[int, int]:
    """(required lessons done, required lessons) for a user."""
    required = required_lessons_query(course).subquery()
    total = db.session.scalar(select(func.count()).select_from(required)) or 0
    done = db.session.scalar(
        select(func.count())
        .select_from(LessonProgress)
        .where(LessonProgress.user_id == user_id, LessonProgress.lesson_id.in_(select(required.c.id)))
    ) or 0
    return done, total


def online_requirements_met(user, course: Course) -> bool:
    done, total = lessons_done(user.id, course)
    if done < total:
        return False
    checkers = requirement_checkers.functions()
    if (course.completion or {}).get("quizzes") and not checkers:
        return False  # quizzes are required but nothing can check them
    return all(checker(user, course) for checker in checkers)


def record_completion(
    person_id: int,
    course: Course,
    *,
    via: str,
    completed_at: datetime | None = None,
    source_ref: str | None = None,
    actor=None,
) -> tuple[CourseCompletion, bool]:
    """Record that a person completed a course: once, then renewed by later completions.

    Returns ``(completion, changed)``: changed is True when the row was created or renewed.
    The first call inserts (INSERT … ON CONFLICT DO NOTHING on the (person, course) unique
    constraint, so a concurrent one in another transaction finds the existing row). A later
    completion (a refresher: online, class or import) renews the row — ``completed_at``,
    ``via``, ``course_version`` and ``source_ref`` — by a conditional UPDATE that only a
    later date passes, on a later local day or of another course version (so a double
    submit renews nothing); ``first_completed_at`` stays. A renewal is audited
    (``completion.renew``, with the old values) and counted in ``renewals``.
    ``course_completed`` is sent when created and, with ``renewal=True``, when renewed.
    """
    if via not in COMPLETION_VIAS:
        raise ValueError(f"unknown completion route: {via}")
    when = completed_at or utcnow()
    # A past record does not say which version was taught.
    version = None if via == "historical" else course.version
    created = insert_ignore(
        db.session,
        CourseCompletion,
        {
            "person_id": person_id,
            "course_id": course.id,
            "completed_at": when,
            "first_completed_at": when,
            "renewals": 0,
            "via": via,
            "course_version": version,
            "source_ref": source_ref,
            "recorded_at": utcnow(),
        },
        ["person_id", "course_id"],
    )
    where = (CourseCompletion.person_id == person_id, CourseCompletion.course_id == course.id)
    renewed = False
    old = None
    if not created:
        old = db.session.execute(
            select(CourseCompletion.id, CourseCompletion.completed_at, CourseCompletion.via,
                   CourseCompletion.course_version, CourseCompletion.source_ref).where(*where)
        ).one()
        # A refresher is on a later (local) day, or of another course version: a repeated or
        # concurrent call on the same day (a double submit) renews nothing.
        day_start = local_midnight_utc(local_date(when))
        if when > old.completed_at and (old.completed_at < day_start or old.course_version != version):
            renewed = bool(db.session.execute(
                update(CourseCompletion)
                .where(*where, CourseCompletion.completed_at < when,
                       or_(CourseCompletion.completed_at < day_start,
                           CourseCompletion.course_version.is_distinct_from(version)))
                .values(completed_at=when, via=via, course_version=version, source_ref=source_ref,
                        recorded_at=utcnow(), renewals=CourseCompletion.renewals + 1)
                .execution_options(synchronize_session=False)
            ).rowcount)
    completion = db.session.scalar(
        select(CourseCompletion).where(*where).execution_options(populate_existing=True)
    )
    if created:
        log.info("completion person=%s course=%s via=%s", person_id, course.slug, via)
        course_completed.send(current_app._get_current_object(), completion=completion, renewal=False)
    elif renewed:
        audit.record(actor, "completion.renew", "course_completion", completion.id,
                     person_id=person_id, course_id=course.id,
                     old={"completed_at": old.completed_at.isoformat(), "via": old.via,
                          "course_version": old.course_version, "source_ref": old.source_ref},
                     new={"completed_at": when.isoformat(), "via": via, "course_version": version,
                          "source_ref": source_ref})
        log.info("completion renewed person=%s course=%s via=%s", person_id, course.slug, via)
        course_completed.send(current_app._get_current_object(), completion=completion, renewal=True)
    return completion, created or renewed


def enrol(user, course: Course, *, actor=None) -> bool:
    """Enrol a user (idempotent); True when newly enrolled."""
    created = insert_ignore(
        db.session,
        Enrolment,
        {"user_id": user.id, "course_id": course.id, "enrolled_at": utcnow(),
         "enrolled_by_id": getattr(actor, "id", None)},
        ["user_id", "course_id"],
    )
    if created:
        log.info("enrol user=%s course=%s by=%s", user.id, course.slug, getattr(actor, "id", None))
    return created


def self_enrol(user, course: Course) -> bool:
    """A learner enrols themself where the course allows it and prerequisites are met."""
    from flask_babel import gettext as _

    if not course.published or not course.self_enrol:
        raise ServiceError(_("This course is not open for self-enrolment. Ask your trainer to enrol you."))
    completed = set()
    if user.person_id is not None:
        completed = set(db.session.scalars(
            select(CourseCompletion.course_id).where(CourseCompletion.person_id == user.person_id)
        ))
    missing = [p for p in course.prerequisites if p.id not in completed]
    if missing:
        raise ServiceError(_("Complete “%(course)s” first: it is a prerequisite of this course.",
                             course=missing[0].title))
    return enrol(user, course, actor=user)


def mark_done(user, lesson: Lesson) -> CourseCompletion | None:
    """Record that the user finished a lesson (idempotent) and update course completion."""
    insert_ignore(
        db.session,
        LessonProgress,
        {"user_id": user.id, "lesson_id": lesson.id, "completed_at": utcnow()},
        ["user_id", "lesson_id"],
    )
    enrolment = db.session.scalar(
        select(Enrolment).where(Enrolment.user_id == user.id, Enrolment.course_id == lesson.course_id)
    )
    if enrolment is not None:
        enrolment.last_lesson_id = lesson.id
        enrolment.last_seen_at = utcnow()
    db.session.flush()
    return update_completion(user, lesson.course)


def enrol_identifiers(
    course: Course, identifiers: list[str], *, actor, allowed: Callable[[object], bool] | None = None
) -> dict[str, list[str]]:
    """Enrol users given by e-mail or phone (any spelling). Returns what happened to each.

    ``allowed(user)`` limits whom the actor may enrol (a manager: people of their area);
    someone outside it is reported exactly like an unknown login.
    """
    from lms.auth.services import find_user_by_login

    result: dict[str, list[str]] = {"enrolled": [], "already": [], "not_found": []}
    seen: set[int] = set()
    for raw in identifiers:
        text = raw.strip()
        if not text:
            continue
        user = find_user_by_login(text)
        if user is None or (allowed is not None and not allowed(user)):
            result["not_found"].append(text)
        elif user.id in seen:
            continue
        else:
            seen.add(user.id)
            key = "enrolled" if enrol(user, course, actor=actor) else "already"
            result[key].append(user.display_name)
    if result["enrolled"]:
        audit.record(actor, "course.enrol", "course", course.id, count=len(result["enrolled"]))
    db.session.flush()
    return result


def update_completion(user, course: Course, *, renew: bool = False) -> CourseCompletion | None:
    """Record online completion when the user now meets every requirement.

    A person who already holds a completion renews it only on fresh evidence (``renew``: a
    required quiz passed just now, e.g. retaken after the course version changed); marking
    an already-read lesson done again does not renew it.
    """
    if user.person_id is None or not online_requirements_met(user, course):
        return None
    if not renew:
        existing = db.session.scalar(
            select(CourseCompletion).where(CourseCompletion.person_id == user.person_id,
                                           CourseCompletion.course_id == course.id)
        )
        if existing is not None:
            return existing
    completion, _ = record_completion(user.person_id, course, via="online")
    return completion


# --- importing course files ------------------------------------------------------


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # changed in the browser, left as they are
    new_versions: int = 0
    retired_lessons: int = 0
    warnings: list = field(default_factory=list)  # importer.Problem: declared hours far above the estimate

    def lines(self) -> list[str]:
        out = []
        for label, slugs in (("created", self.created), ("updated", self.updated), ("unchanged", self.unchanged),
                             ("kept (changed in the browser)", self.kept)):
            for slug in slugs:
                out.append(f"{label}: {slug}")
        out.append(
            f"{len(self.created)} created, {len(self.updated)} updated, {len(self.unchanged)} unchanged, "
            f"{len(self.kept)} kept; "
            f"{self.new_versions} new lesson versions, {self.retired_lessons} lessons retired"
        )
        return out


def import_courses(
    paths: list[Path], *, check: bool = False, replace: bool = False, keep_browser_edits: bool = False, actor=None
) -> ImportReport:
    """Validate every course in ``paths``, then (unless ``check``) write them.

    Raises ``ContentError`` listing every problem; then nothing has been written. With
    ``keep_browser_edits`` a course changed in the browser is left alone (and reported)
    instead of being a problem.
    """
    # One query for every course's state: changed in the browser, and the source hash
    # (with the quizzes it covers) that lets an unchanged course skip parsing.
    kept, known, known_quizzes = set(), {}, {}
    if (keep_browser_edits and not replace) or not (check or replace):
        for slug, digest, completion, edited in db.session.execute(
            select(Course.slug, Course.source_hash, Course.completion, Course.edited_in_browser)
        ):
            if edited:
                if keep_browser_edits and not replace:
                    kept.add(slug)
            elif digest and not check and not replace:
                known[slug] = digest
                known_quizzes[slug] = (completion or {}).get("quizzes") or []
    specs = importer.load_specs(
        paths, quizzes_dir=current_app.config.get("QUIZZES_DIR"), replace=replace, known_hashes=known, skip=kept,
        known_quizzes=known_quizzes,
    )
    report = ImportReport(kept=sorted(kept), warnings=importer.hours_warnings(specs))
    if check:
        report.unchanged = [s.slug for s in specs]
        return report
    courses: dict[str, Course] = {}
    for spec in specs:
        if spec.unchanged:  # the hash said so: no query, nothing to write
            report.unchanged.append(spec.slug)
            continue
        course = db.session.scalar(select(Course).where(Course.slug == spec.slug))
        if (
            course is not None and course.source_hash == spec.source_hash and not course.edited_in_browser
        ):
            report.unchanged.append(spec.slug)
            courses[spec.slug] = course
            continue
        created = course is None
        course = apply_course_spec(spec, course, actor=actor, report=report)
        courses[spec.slug] = course
        (report.created if created else report.updated).append(spec.slug)
    # Prerequisites once every course of the batch exists.
    for spec in specs:
        if spec.slug in report.unchanged:
            continue
        course = courses[spec.slug]
        wanted = spec.meta.get("prerequisites", [])
        course.prerequisites = [
            courses.get(slug) or db.session.scalar(select(Course).where(Course.slug == slug)) for slug in wanted
        ]
    db.session.flush()
    return report


def _new_version(lesson: Lesson, body_md: str, body_html: str, content_hash: str, actor=None) -> LessonVersion:
    number = (lesson.version_number or 0) + 1
    version = LessonVersion(
        lesson_id=lesson.id, number=number, body_md=body_md, body_html=body_html,
        content_hash=content_hash, created_by_id=getattr(actor, "id", None),
    )
    db.session.add(version)
    lesson.version_number = number
    return version


def apply_course_spec(spec, course: Course | None, *, actor=None, report: ImportReport | None = None) -> Course:
    """Write one parsed course: upsert by slugs, version changed lessons, retire the missing."""
    now = utcnow()
    meta = spec.meta
    if course is None:
        course = Course(slug=spec.slug)
        db.session.add(course)
    for key in ("title", "title_en", "summary", "summary_en", "audience", "language", "hours", "version",
                "completion", "self_enrol", "certificate_template", "published", "search_text"):
        setattr(course, key, meta.get(key))
    course.overview_md = spec.overview_md
    course.overview_html = spec.overview_html
    if spec.estimate is not None:
        course.estimated_minutes = spec.estimate.total
    course.source_hash = spec.source_hash
    course.edited_in_browser = False
    db.session.flush()

    modules = {m.slug: m for m in db.session.scalars(select(Module).where(Module.course_id == course.id))}
    lessons = {x.slug: x for x in db.session.scalars(select(Lesson).where(Lesson.course_id == course.id))}
    seen_modules, seen_lessons = set(), set()
    position = 0
    for index, mspec in enumerate(spec.modules):
        module = modules.get(mspec.slug)
        if module is None:
            module = Module(course_id=course.id, slug=mspec.slug)
            db.session.add(module)
        module.title, module.title_en = mspec.title, mspec.title_en
        module.overview_md, module.overview_html = mspec.overview_md, mspec.overview_html
        module.position = index
        module.retired_at = None
        db.session.flush()
        seen_modules.add(mspec.slug)
        for lspec in mspec.lessons:
            position += 1
            lesson = lessons.get(lspec.slug)
            if lesson is None:
                lesson = Lesson(course_id=course.id, slug=lspec.slug, version_number=0)
                db.session.add(lesson)
            lesson.module_id = module.id
            lesson.title, lesson.title_en = lspec.title, lspec.title_en
            lesson.minutes, lesson.required = lspec.minutes, lspec.required
            lesson.audio_path, lesson.audio_seconds = lspec.audio_path, lspec.audio_seconds
            lesson.position = position
            lesson.retired_at = None
            db.session.flush()
            current = lesson.current_version
            if current is None or current.content_hash != lspec.content_hash or current.body_html != lspec.body_html:
                _new_version(lesson, lspec.body_md, lspec.body_html, lspec.content_hash, actor)
                if report is not None:
                    report.new_versions += 1
            seen_lessons.add(lspec.slug)
    for slug, lesson in lessons.items():
        if slug not in seen_lessons and lesson.retired_at is None:
            lesson.retired_at = now
            if report is not None:
                report.retired_lessons += 1
    for slug, module in modules.items():
        if slug not in seen_modules and module.retired_at is None:
            module.retired_at = now

    assets = {a.path: a for a in db.session.scalars(select(CourseAsset).where(CourseAsset.course_id == course.id))}
    wanted = {a.path: a for a in spec.assets}
    for path, aspec in wanted.items():
        asset = assets.get(path)
        if asset is None:
            db.session.add(CourseAsset(course_id=course.id, path=path, mime_type=aspec.mime_type,
                                       sha256=aspec.sha256, size=len(aspec.data), content=aspec.data))
        elif asset.sha256 != aspec.sha256:
            asset.content, asset.sha256, asset.size, asset.mime_type = (
                aspec.data, aspec.sha256, len(aspec.data), aspec.mime_type)
    for path, asset in assets.items():
        if path not in wanted:
            db.session.delete(asset)
    db.session.flush()
    audit.record(actor, "course.import", "course", course.id, slug=course.slug, hash=spec.source_hash)
    return course

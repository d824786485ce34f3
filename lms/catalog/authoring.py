"""Authoring in the browser (services: validate, change, flush; the view commits).

Every save of a lesson whose text changed is a new version; learners' progress stays
with the lesson. A course changed here is marked ``edited_in_browser`` so that a later
file import does not silently overwrite it.
"""

from __future__ import annotations

from decimal import Decimal

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from lms.catalog import importer
from lms.catalog.importer import LinkResolver, find_links, normalized_key
from lms.catalog.models import Course, CourseAsset, Lesson, Module
from lms.catalog.services import ImportReport, _new_version, apply_course_spec
from lms.core import audit
from lms.core.db import utcnow
from lms.core.errors import ServiceError
from lms.core.frontmatter import ContentError
from lms.core.markdown import is_relative_url, render_markdown
from lms.core.text import fold
from lms.extensions import db


def resolver_for(course: Course) -> LinkResolver:
    lessons = db.session.execute(
        select(Lesson.slug, Module.slug).join(Module, Module.id == Lesson.module_id)
        .where(Lesson.course_id == course.id, Lesson.retired_at.is_(None))
    ).all()
    assets = db.session.scalars(select(CourseAsset.path).where(CourseAsset.course_id == course.id)).all()
    return LinkResolver(
        course.slug,
        {f"{module}/{lesson}.md": lesson for lesson, module in lessons},
        {normalized_key(path): path for path in assets},
    )


def render_checked(course: Course, text: str, base_dir: str, field: str) -> str:
    """Render Markdown for ``course``; a relative link that leads nowhere is a form error."""
    resolver = resolver_for(course)
    for line, url in find_links(text or "", 1):
        if is_relative_url(url) and resolver.target(base_dir, url) is None:
            raise ServiceError(
                _("Line %(line)d: the link “%(url)s” does not lead to a lesson or file of this course.",
                  line=line, url=url),
                field,
            )
    return render_markdown(text or "", resolver.renderer(base_dir))


def preview(course: Course | None, text: str, base_dir: str = "") -> str:
    if course is None:
        return render_markdown(text or "")
    return render_markdown(text or "", resolver_for(course).renderer(base_dir))


def _touch(course: Course) -> None:
    course.edited_in_browser = True
    course.updated_at = utcnow()


def _search_text(course: Course) -> str:
    return fold(" ".join(filter(None, [course.title, course.title_en, course.summary, course.summary_en])))


def create_course(data: dict, *, actor) -> Course:
    if db.session.scalar(select(Course.id).where(Course.slug == data["slug"])):
        raise ServiceError(_("Another course already uses this short name."), "slug")
    course = Course(slug=data["slug"], published=False, completion={"lessons": "required", "quizzes": []})
    db.session.add(course)
    update_course(course, data, actor=actor, audit_action="course.create")
    return course


def update_course(course: Course, data: dict, *, actor, audit_action: str = "course.update") -> Course:
    course.title = data["title"].strip()
    course.title_en = (data.get("title_en") or "").strip() or None
    course.summary = data["summary"].strip()
    course.summary_en = (data.get("summary_en") or "").strip() or None
    course.audience = list(data["audience"])
    hours = data.get("hours")
    course.hours = float(hours) if isinstance(hours, Decimal | int | float) else 0.0
    course.language = data.get("language") or "vi"
    course.self_enrol = bool(data.get("self_enrol"))
    course.overview_md = data.get("overview_md") or ""
    course.overview_html = render_checked(course, course.overview_md, "", "overview_md")
    course.search_text = _search_text(course)
    _touch(course)
    db.session.flush()
    audit.record(actor, audit_action, "course", course.id, slug=course.slug)
    return course


def set_published(course: Course, published: bool, *, actor) -> None:
    course.published = published
    _touch(course)
    db.session.flush()
    audit.record(actor, "course.publish" if published else "course.unpublish", "course", course.id)


def _next_position(model, course: Course) -> int:
    return (db.session.scalar(select(func.max(model.position)).where(model.course_id == course.id)) or 0) + 1


def save_module(course: Course, module: Module | None, data: dict, *, actor) -> Module:
    clash = db.session.scalar(select(Module).where(Module.course_id == course.id, Module.slug == data["slug"]))
    if clash is not None and clash is not module:
        raise ServiceError(_("Another module of this course uses this short name."), "slug")
    if module is None:
        module = Module(course_id=course.id, position=_next_position(Module, course))
        db.session.add(module)
    module.slug = data["slug"]
    module.title = data["title"].strip()
    module.title_en = (data.get("title_en") or "").strip() or None
    module.overview_md = data.get("overview_md") or ""
    module.overview_html = render_checked(course, module.overview_md, module.slug, "overview_md")
    _touch(course)
    db.session.flush()
    audit.record(actor, "module.save", "course", course.id, module=module.slug)
    return module


def save_lesson(course: Course, lesson: Lesson | None, data: dict, *, actor) -> Lesson:
    clash = db.session.scalar(select(Lesson).where(Lesson.course_id == course.id, Lesson.slug == data["slug"]))
    if clash is not None and clash is not lesson:
        raise ServiceError(_("Another lesson of this course uses this short name."), "slug")
    module = db.session.get(Module, int(data["module"]))
    if module is None or module.course_id != course.id:
        raise ServiceError(_("Choose a module of this course."), "module")
    if lesson is None:
        lesson = Lesson(course_id=course.id, version_number=0, position=_next_position(Lesson, course))
        db.session.add(lesson)
    lesson.slug = data["slug"]
    lesson.module_id = module.id
    lesson.title = data["title"].strip()
    lesson.title_en = (data.get("title_en") or "").strip() or None
    lesson.minutes = int(data.get("minutes") or 0)
    lesson.required = bool(data.get("required"))
    db.session.flush()
    body = data.get("body_md") or ""
    html = render_checked(course, body, module.slug, "body_md")
    current = lesson.current_version
    if current is None or current.body_md != body or current.body_html != html:
        _new_version(lesson, body, html, importer._sha(body.encode()), actor)
    _touch(course)
    db.session.flush()
    audit.record(actor, "lesson.save", "lesson", lesson.id, slug=lesson.slug, version=lesson.version_number)
    return lesson


def retire_lesson(course: Course, lesson: Lesson, *, actor) -> None:
    lesson.retired_at = utcnow()
    _touch(course)
    db.session.flush()
    audit.record(actor, "lesson.retire", "lesson", lesson.id, slug=lesson.slug)


def move(course: Course, kind: str, item_id: int, direction: int, *, actor) -> None:
    """Swap an active module or lesson with its neighbour (direction -1 up, +1 down)."""
    if kind == "module":
        items = db.session.scalars(
            select(Module).where(Module.course_id == course.id, Module.retired_at.is_(None)).order_by(Module.position)
        ).all()
    else:
        item = db.session.get(Lesson, item_id)
        if item is None or item.course_id != course.id:
            raise ServiceError(_("Unknown lesson."))
        items = db.session.scalars(
            select(Lesson).where(Lesson.module_id == item.module_id, Lesson.retired_at.is_(None))
            .order_by(Lesson.position)
        ).all()
    ids = [i.id for i in items]
    if item_id not in ids:
        raise ServiceError(_("Unknown item."))
    index = ids.index(item_id)
    other = index + direction
    if 0 <= other < len(items):
        items[index].position, items[other].position = items[other].position, items[index].position
        if items[index].position == items[other].position:
            items[index].position += direction
    if kind == "module":
        _renumber_lessons(course)
    _touch(course)
    db.session.flush()
    audit.record(actor, "course.reorder", "course", course.id, kind=kind, item=item_id, direction=direction)


def _renumber_lessons(course: Course) -> None:
    """Keep lesson positions in course order (module order, then lesson order)."""
    db.session.flush()
    rows = db.session.execute(
        select(Lesson).join(Module, Module.id == Lesson.module_id)
        .where(Lesson.course_id == course.id).order_by(Module.position, Lesson.position)
    ).scalars().all()
    for position, lesson in enumerate(rows, start=1):
        lesson.position = position


def import_zip(data: bytes, filename: str, *, replace: bool, actor) -> ImportReport:
    """Import one course from an uploaded zip, with the same checks as the CLI."""
    source = importer.read_zip(data, filename)
    spec = importer.parse_course(source)
    problems = importer.cross_check([spec], quizzes_dir=current_app.config.get("QUIZZES_DIR"), replace=replace)
    if problems:
        raise ContentError(problems)
    report = ImportReport()
    course = db.session.scalar(select(Course).where(Course.slug == spec.slug))
    if course is not None and course.source_hash == spec.source_hash and not course.edited_in_browser:
        report.unchanged.append(spec.slug)
        return report
    created = course is None
    course = apply_course_spec(spec, course, actor=actor, report=report)
    course.prerequisites = [
        db.session.scalar(select(Course).where(Course.slug == slug)) for slug in spec.meta.get("prerequisites", [])
    ]
    db.session.flush()
    (report.created if created else report.updated).append(spec.slug)
    return report



"""Authoring in the browser (services: validate, change, flush; the view commits).

Every save of a lesson whose text changed is a new version; learners' progress stays
with the lesson. A course changed here is marked ``edited_in_browser`` so that a later
file import does not silently overwrite it.
"""

from __future__ import annotations

import hashlib
import posixpath
import re
from dataclasses import dataclass
from decimal import Decimal

import flask_babel
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from lms.catalog import importer, media
from lms.catalog.importer import LinkResolver, find_links, normalized_key
from lms.catalog.models import Course, CourseAsset, Lesson, LessonVersion, Module
from lms.catalog.services import ImportReport, _new_version, apply_course_spec
from lms.core import audit
from lms.core.db import utcnow
from lms.core.errors import ServiceError
from lms.core.frontmatter import ContentError, parse_front_matter
from lms.core.markdown import is_relative_url, render_markdown
from lms.core.text import fold, slugify
from lms.extensions import db


@dataclass
class LessonTemplate:
    name: str  # the file's stem
    title: str
    description: str
    body: str


def lesson_templates() -> list[LessonTemplate]:
    """The Markdown files of LESSON_TEMPLATES_DIR, in file order; unreadable ones are skipped."""
    from pathlib import Path

    folder = Path(current_app.config.get("LESSON_TEMPLATES_DIR") or "")
    found = []
    for path in sorted(folder.glob("*.md")) if folder.is_dir() else []:
        if path.name.lower() == "readme.md":
            continue
        try:
            fm = parse_front_matter(path.read_text("utf-8"), str(path), required=False)
        except (ContentError, OSError, UnicodeDecodeError):
            current_app.logger.warning("lesson template %s cannot be read", path)
            continue
        english = flask_babel.get_locale() is not None and str(flask_babel.get_locale()) == "en"
        title = str((english and fm.meta.get("title_en")) or fm.meta.get("title") or path.stem)
        found.append(LessonTemplate(path.stem, title, str(fm.meta.get("description") or ""), fm.body.lstrip("\n")))
    return found


_EMPTY_ALT = re.compile(r"!\[\s*\]\(")


def images_without_description(text: str | None) -> int:
    """How many Markdown images have an empty alt text."""
    return len(_EMPTY_ALT.findall(text or ""))


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
        _new_version(lesson, body, html, importer.parts_hash(body.encode()), actor)
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
    spec = importer.parse_course(source, quiz_files=importer.QuizFiles(current_app.config.get("QUIZZES_DIR")))
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




# --- files uploaded from the editor ----------------------------------------------------------

FOLDERS = {"image": "images", "document": "files", "audio": "audio"}


@dataclass
class Uploaded:
    kind: str  # image, document, audio
    path: str  # relative to the course folder
    size: int
    name: str


def _caps() -> tuple[int, int]:
    config = current_app.config
    return config["COURSE_FILE_MAX_BYTES"], config["COURSE_FILES_MAX_BYTES"]


def _mb(size: int) -> str:
    from flask_babel import format_decimal

    return format_decimal(round(size / (1024 * 1024), 1))


def course_files_size(course: Course) -> int:
    return db.session.scalar(select(func.coalesce(func.sum(CourseAsset.size), 0))
                             .where(CourseAsset.course_id == course.id)) or 0


def _free_path(course: Course, folder: str, stem: str, ext: str, sha: str) -> tuple[str, CourseAsset | None]:
    """A path in ``folder`` for this content: the same file again reuses its path."""
    for n in range(1, 1000):
        path = f"{folder}/{stem}{'' if n == 1 else f'-{n}'}{ext}"
        existing = db.session.scalar(select(CourseAsset).where(CourseAsset.course_id == course.id,
                                                               CourseAsset.path == path))
        if existing is None or existing.sha256 == sha:
            return path, existing
    raise ServiceError(_("Too many files with this name."))


def _store(course: Course, path: str, data: bytes, mime: str, existing: CourseAsset | None = None) -> CourseAsset:
    sha = hashlib.sha256(data).hexdigest()
    asset = existing or db.session.scalar(
        select(CourseAsset).where(CourseAsset.course_id == course.id, CourseAsset.path == path))
    if asset is None:
        asset = CourseAsset(course_id=course.id, path=path)
        db.session.add(asset)
    asset.mime_type, asset.sha256, asset.size, asset.content = mime, sha, len(data), data
    return asset


def _refusal(exc: media.MediaError) -> ServiceError:
    reasons = {
        "unknown": _("its content is not a picture, a PDF, Excel or Word form, or an MP3, Opus or M4A sound"),
        "mismatch": _("its content is %(kind)s, which does not match its name", kind=exc.kind),
        "pixels": _("the picture has too many pixels (more than 50 megapixels)"),
        "unreadable": _("the picture cannot be read"),
        "format": _("the picture must be PNG, JPEG, GIF or WebP"),
    }
    return ServiceError(_("This file is not accepted: %(reason)s.", reason=reasons.get(exc.code, str(exc))), "file")


def add_file(course: Course, filename: str, data: bytes, *, actor, only: set[str] | None = None) -> Uploaded:
    """Check an uploaded file by its content, store it (an image processed, with its phone
    variant) among the course's files, and return where it is."""
    file_cap, course_cap = _caps()
    if not data:
        raise ServiceError(_("The file is empty."), "file")
    if len(data) > file_cap:
        raise ServiceError(_("The file is larger than %(mb)s MB.", mb=_mb(file_cap)), "file")
    name = posixpath.basename((filename or "").replace("\\", "/")) or "file"
    if name.lower().endswith((".svg", ".svgz")):
        raise ServiceError(_("SVG drawings are not accepted: upload a PNG or JPEG picture."), "file")
    try:
        kind = media.check_file(name, data, decode=False)  # a picture is decoded below
    except media.MediaError as exc:
        raise _refusal(exc) from exc
    group = "image" if kind in media.IMAGE_KINDS else "audio" if kind in media.AUDIO_KINDS else "document"
    if kind == "mp4" or (only is not None and group not in only):
        raise ServiceError(_("This kind of file is not accepted here."), "file")
    stem = slugify(name.rsplit(".", 1)[0]) or group
    files: list[tuple[str, bytes, str]] = []
    if group == "image":
        try:
            image = media.process_image(data)
        except media.MediaError as exc:
            raise _refusal(exc) from exc
        stem = stem.removesuffix(f"-{media.PHONE_WIDTH}")
        main = image.data
        path, existing = _free_path(course, FOLDERS[group], stem, image.ext, hashlib.sha256(main).hexdigest())
        files.append((path, main, media.MIME_TYPES[image.kind]))
        if image.phone is not None:
            files.append((media.phone_path(path), image.phone, media.MIME_TYPES[image.kind]))
    else:
        ext = "." + name.rsplit(".", 1)[-1].lower()
        path, existing = _free_path(course, FOLDERS[group], stem, ext, hashlib.sha256(data).hexdigest())
        files.append((path, data, media.MIME_TYPES[kind]))
    if existing is None:
        adding = sum(len(d) for _p, d, _m in files)
        if course_files_size(course) + adding > course_cap:
            raise ServiceError(_("The course's files would add up to more than %(mb)s MB.",
                                 mb=_mb(course_cap)), "file")
        for file_path, file_data, mime in files:
            _store(course, file_path, file_data, mime)
        _touch(course)
    db.session.flush()
    audit.record(actor, "course.file_add", "course", course.id, path=path, size=len(files[0][1]))
    return Uploaded(group, path, len(files[0][1]), name)


def remove_file(course: Course, path: str, *, actor) -> None:
    for file_path in {path, media.phone_path(path)}:
        asset = db.session.scalar(select(CourseAsset).where(CourseAsset.course_id == course.id,
                                                            CourseAsset.path == file_path))
        if asset is not None:
            db.session.delete(asset)
    _touch(course)
    db.session.flush()
    audit.record(actor, "course.file_remove", "course", course.id, path=path)


def set_audio(course: Course, lesson: Lesson, filename: str | None, data: bytes | None, *, actor) -> None:
    """Give a lesson its narration (an MP3, Opus or M4A file), or take it away (no data)."""
    if data is None:
        lesson.audio_path, lesson.audio_seconds = None, None
    else:
        name = filename or "narration"
        stem = slugify(name.rsplit(".", 1)[0]) or lesson.slug
        saved = add_file(course, f"{lesson.slug}-{stem}.{name.rsplit('.', 1)[-1]}" if "." in name else name, data,
                         actor=actor, only={"audio"})
        lesson.audio_path = saved.path
        lesson.audio_seconds = media.audio_seconds(data, media.sniff(data) or "")
    _touch(course)
    db.session.flush()
    audit.record(actor, "lesson.audio", "lesson", lesson.id, path=lesson.audio_path)


# --- reuse: copy a lesson or a module into another course ------------------------------------


def _free_slug(model, course: Course, slug: str) -> str:
    taken = set(db.session.scalars(select(model.slug).where(model.course_id == course.id)))
    candidate, n = slug, 1
    while candidate in taken:
        n += 1
        candidate = f"{slug[:95]}-{n}"
    return candidate


def _copy_assets(source: Course, target: Course, paths: set[str]) -> None:
    """Bring the course files a lesson uses (pictures with their phone variants, forms, audio)."""
    wanted = set(paths) | {media.phone_path(p) for p in paths}
    for asset in db.session.scalars(select(CourseAsset).where(CourseAsset.course_id == source.id,
                                                              CourseAsset.path.in_(wanted))):
        there = db.session.scalar(select(CourseAsset).where(CourseAsset.course_id == target.id,
                                                            CourseAsset.path == asset.path))
        if there is not None and there.sha256 != asset.sha256:
            raise ServiceError(_("The course already has another file named %(path)s.", path=asset.path))
        if there is None:
            _store(target, asset.path, asset.content, asset.mime_type)


def _copy_lesson(lesson: Lesson, target: Course, module: Module, *, actor, render: bool = True) -> Lesson:
    source = lesson.course
    body = lesson.current_version.body_md if lesson.current_version else ""
    resolver = resolver_for(source)
    paths = {found[1] for _line, url in find_links(body, 1)
             if is_relative_url(url) and (found := resolver.target(lesson.module.slug, url)) and found[0] == "asset"}
    if lesson.audio_path:
        paths.add(lesson.audio_path)
    _copy_assets(source, target, paths)
    copy = Lesson(course_id=target.id, module_id=module.id, slug=_free_slug(Lesson, target, lesson.slug),
                  title=lesson.title, title_en=lesson.title_en, minutes=lesson.minutes, required=lesson.required,
                  version_number=0, position=_next_position(Lesson, target),
                  audio_path=lesson.audio_path, audio_seconds=lesson.audio_seconds)
    db.session.add(copy)
    db.session.flush()
    if render:
        _render_copy(copy, body, target, module, actor)
    return copy


def _render_copy(copy: Lesson, body: str, target: Course, module: Module, actor) -> None:
    # Links to lessons the other course does not have are dropped (the text stays).
    html = render_markdown(body, resolver_for(target).renderer(module.slug))
    _new_version(copy, body, html, importer.parts_hash(body.encode()), actor)


def copy_lesson(lesson: Lesson, target: Course, module: Module, *, actor) -> Lesson:
    if module.course_id != target.id or module.retired_at is not None:
        raise ServiceError(_("Choose a module of this course."), "target")
    copy = _copy_lesson(lesson, target, module, actor=actor)
    _renumber_lessons(target)
    _touch(target)
    db.session.flush()
    audit.record(actor, "lesson.copy", "lesson", copy.id, source=lesson.id, course=target.slug)
    return copy


def copy_module(module: Module, target: Course, *, actor) -> Module:
    copy = Module(course_id=target.id, slug=_free_slug(Module, target, module.slug), title=module.title,
                  title_en=module.title_en, overview_md=module.overview_md, position=_next_position(Module, target))
    db.session.add(copy)
    db.session.flush()
    copy.overview_html = render_markdown(module.overview_md, resolver_for(target).renderer(copy.slug))
    lessons = db.session.scalars(select(Lesson).where(Lesson.module_id == module.id, Lesson.retired_at.is_(None))
                                 .order_by(Lesson.position)).all()
    copies = [(_copy_lesson(lesson, target, copy, actor=actor, render=False), lesson) for lesson in lessons]
    for new, old in copies:  # after all exist, so that links between them resolve
        _render_copy(new, old.current_version.body_md if old.current_version else "", target, copy, actor)
    _renumber_lessons(target)
    _touch(target)
    db.session.flush()
    audit.record(actor, "module.copy", "course", target.id, source=module.id, module=copy.slug)
    return copy


# --- history ----------------------------------------------------------------------------------


def restore_version(course: Course, lesson: Lesson, number: int, *, actor) -> LessonVersion:
    """Make an earlier text current again, as a new version (history is never rewritten)."""
    old = db.session.scalar(select(LessonVersion).where(LessonVersion.lesson_id == lesson.id,
                                                        LessonVersion.number == number))
    if old is None:
        raise ServiceError(_("Unknown version."))
    html = render_markdown(old.body_md, resolver_for(course).renderer(lesson.module.slug))
    version = _new_version(lesson, old.body_md, html, importer.parts_hash(old.body_md.encode()), actor)
    _touch(course)
    db.session.flush()
    audit.record(actor, "lesson.restore", "lesson", lesson.id, restored=number, version=version.number)
    return version

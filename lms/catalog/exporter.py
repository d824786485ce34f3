"""A course from the database back to the folder format, as a zip.

Importing the zip reproduces the same content: titles, settings, lesson bodies, assets.
"""

from __future__ import annotations

import io
import zipfile

import yaml
from sqlalchemy import select

from lms.catalog.models import Course, CourseAsset, Lesson, Module
from lms.extensions import db

# A fixed timestamp: the same course always gives the same bytes.
_ZIP_TIME = (2020, 1, 1, 0, 0, 0)


def _front_matter(meta: dict) -> str:
    clean = {k: v for k, v in meta.items() if v is not None}
    dumped = yaml.safe_dump(clean, allow_unicode=True, sort_keys=False, default_flow_style=None, width=1000)
    return f"---\n{dumped}---\n"


def course_files(course: Course) -> dict[str, bytes]:
    """The course as folder-format files: relative path → bytes."""
    hours = course.hours
    meta = {
        "title": course.title,
        "title_en": course.title_en,
        "summary": course.summary,
        "summary_en": course.summary_en,
        "audience": list(course.audience or []),
        "language": course.language,
        "hours": int(hours) if hours == int(hours) else hours,
        "version": course.version,
        "prerequisites": [p.slug for p in course.prerequisites],
        "completion": course.completion or {"lessons": "required", "quizzes": []},
        "self_enrol": course.self_enrol,
        "certificate_template": course.certificate_template,
        "published": course.published,
    }
    files = {"course.md": (_front_matter(meta) + course.overview_md).encode()}
    modules = db.session.scalars(
        select(Module).where(Module.course_id == course.id, Module.retired_at.is_(None)).order_by(Module.position)
    ).all()
    for m_index, module in enumerate(modules, start=1):
        folder = f"{m_index:02d}-{module.slug}"
        files[f"{folder}/module.md"] = (
            _front_matter({"title": module.title, "title_en": module.title_en}) + module.overview_md
        ).encode()
        lessons = db.session.scalars(
            select(Lesson).where(Lesson.module_id == module.id, Lesson.retired_at.is_(None)).order_by(Lesson.position)
        ).all()
        for l_index, lesson in enumerate(lessons, start=1):
            body = lesson.current_version.body_md if lesson.current_version else ""
            header = _front_matter({
                "title": lesson.title, "title_en": lesson.title_en, "minutes": lesson.minutes,
                "required": lesson.required,
                "audio": f"../{lesson.audio_path}" if lesson.audio_path else None,
            })
            files[f"{folder}/{l_index:02d}-{lesson.slug}.md"] = (header + body).encode()
    for asset in db.session.scalars(select(CourseAsset).where(CourseAsset.course_id == course.id)):
        files[asset.path] = asset.content
    return files


def export_zip(course: Course) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path, data in sorted(course_files(course).items()):
            info = zipfile.ZipInfo(f"{course.slug}/{path}", date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return buffer.getvalue()

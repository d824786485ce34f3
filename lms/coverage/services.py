"""Requirement mutations: set in the app by administrators, seeded from requirements.yaml.

Services validate, change and flush; the caller commits.
"""

from __future__ import annotations

import logging
import re
from datetime import date
from pathlib import Path

import yaml
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from lms.catalog.models import Course
from lms.core import audit
from lms.core.errors import ServiceError
from lms.core.groups import TARGET_GROUPS
from lms.core.signals import requirement_changed
from lms.coverage.models import Requirement, RequirementCourse
from lms.extensions import db

log = logging.getLogger("lms.coverage")
_SLUG = re.compile(r"[a-z0-9][a-z0-9\-]{0,99}")


def set_requirement(group: str, slugs: list[str], *, target_percent: int = 100,
                    deadline: date | None = None, actor=None) -> Requirement:
    if group not in TARGET_GROUPS:
        raise ServiceError(_("Unknown target group: %(group)s", group=group), "target_group")
    slugs = list(dict.fromkeys(s.strip() for s in slugs if s and s.strip()))
    bad = [s for s in slugs if not _SLUG.fullmatch(s)]
    if bad:
        raise ServiceError(_("Not a course code: %(slug)s", slug=bad[0]), "courses")
    if not isinstance(target_percent, int) or not 1 <= target_percent <= 100:
        raise ServiceError(_("The target must be between 1 and 100 percent."), "target_percent")
    req = db.session.get(Requirement, group)
    if req is None:
        req = Requirement(target_group=group)
        db.session.add(req)
    changed = (req.course_slugs != slugs or req.target_percent != target_percent or req.deadline != deadline)
    if not changed:
        return req
    req.target_percent = target_percent
    req.deadline = deadline
    keep = {c.course_slug: c for c in req.courses}
    req.courses = [keep.get(s) or RequirementCourse(course_slug=s) for s in slugs]
    for position, course in enumerate(req.courses):
        course.position = position
    db.session.flush()
    audit.record(actor, "requirement.set", "requirement", group, courses=slugs,
                 target_percent=target_percent, deadline=deadline.isoformat() if deadline else None)
    requirement_changed.send(current_app._get_current_object(), target_group=group, actor=actor)
    return req


def requirements_path() -> Path:
    return Path(current_app.config["COURSES_DIR"]) / "requirements.yaml"


def seed_requirements(path: Path | None = None, *, actor=None) -> tuple[int, list[str]]:
    """Load requirements.yaml; return (groups set, course slugs that are not imported yet)."""
    path = path or requirements_path()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ServiceError(_("No requirements file at %(path)s", path=str(path))) from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ServiceError(_("%(path)s: not valid YAML (%(error)s)", path=str(path), error=str(exc))) from None
    if not isinstance(data, dict) or not isinstance(data.get("groups"), dict):
        raise ServiceError(_("%(path)s: expected a mapping with “groups”", path=str(path)))
    percent = data.get("target_percent", 100)
    deadline = data.get("deadline")
    if deadline is not None and not isinstance(deadline, date):
        raise ServiceError(_("%(path)s: the deadline must be a date (YYYY-MM-DD)", path=str(path)))
    if not isinstance(percent, int):
        raise ServiceError(_("%(path)s: target_percent must be a whole number", path=str(path)))
    count = 0
    for group, slugs in data["groups"].items():
        if not isinstance(slugs, list):
            raise ServiceError(_("%(path)s: the courses of %(group)s must be a list", path=str(path), group=group))
        try:
            set_requirement(str(group), [str(s) for s in slugs], target_percent=percent, deadline=deadline,
                            actor=actor)
        except ServiceError as exc:
            raise ServiceError(f"{path}: {exc.message}") from None
        count += 1
    wanted = {str(s) for slugs in data["groups"].values() for s in slugs}
    have = set(db.session.scalars(select(Course.slug).where(Course.slug.in_(wanted))))
    return count, sorted(wanted - have)

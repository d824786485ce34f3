"""Requirement-set mutations: set in the app by administrators, seeded from requirements.yaml.

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
from lms.coverage.models import (
    RECOMMENDED,
    REQUIRED,
    Requirement,
    RequirementCourse,
    RequirementMilestone,
    RequirementSet,
    RequirementValidity,
)
from lms.extensions import db

log = logging.getLogger("lms.coverage")
_SLUG = re.compile(r"[a-z0-9][a-z0-9\-]{0,99}")
_NAME = re.compile(r"[a-z0-9][a-z0-9\-_]{0,59}")
DEFAULT_SET = "default"


def find_set(name: str | None = None) -> RequirementSet | None:
    """The set of that name, or the primary set when no name is given."""
    if name:
        return db.session.scalar(select(RequirementSet).where(RequirementSet.name == name))
    return db.session.scalar(select(RequirementSet).where(RequirementSet.is_primary.is_(True)))


def _percent(value, field: str = "target_percent") -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 100:
        raise ServiceError(_("The target must be between 1 and 100 percent."), field)
    return value


def _slugs(slugs, field: str) -> list[str]:
    slugs = list(dict.fromkeys(str(s).strip() for s in slugs or () if s and str(s).strip()))
    bad = [s for s in slugs if not _SLUG.fullmatch(s)]
    if bad:
        raise ServiceError(_("Not a course code: %(slug)s", slug=bad[0]), field)
    return slugs


def create_set(name: str, title: str = "", *, target_percent: int = 100, deadline: date | None = None,
               primary: bool = False, actor=None) -> RequirementSet:
    name = (name or "").strip()
    if not _NAME.fullmatch(name):
        raise ServiceError(_("A set name is lower-case letters, digits and dashes."), "name")
    if find_set(name) is not None:
        raise ServiceError(_("A requirement set with this name exists already."), "name")
    position = db.session.scalar(select(db.func.count()).select_from(RequirementSet)) or 0
    rset = RequirementSet(name=name, title=(title or "").strip()[:200], target_percent=_percent(target_percent),
                          deadline=deadline, position=position, is_primary=False)
    db.session.add(rset)
    db.session.flush()
    if primary or find_set() is None:
        make_primary(rset)
    audit.record(actor, "requirement_set.create", "requirement_set", rset.id, name=name)
    return rset


def make_primary(rset: RequirementSet, *, actor=None) -> None:
    if rset.is_primary:
        return
    for other in db.session.scalars(select(RequirementSet).where(RequirementSet.is_primary.is_(True))):
        other.is_primary = False
    db.session.flush()  # first: at most one primary set (a unique index)
    rset.is_primary = True
    db.session.flush()
    audit.record(actor, "requirement_set.primary", "requirement_set", rset.id, name=rset.name)
    for req in rset.groups:
        requirement_changed.send(current_app._get_current_object(), target_group=req.target_group, actor=actor)


def update_set(rset: RequirementSet, *, title: str | None = None, target_percent: int | None = None,
               deadline: date | None = None, milestones: list[tuple[date, int]] | None = None,
               validity: dict[str, dict] | None = None, actor=None) -> RequirementSet:
    """Change a set's title, target, deadline, milestones (replaced) and validity rules (replaced)."""
    before = _state(rset)
    if title is not None:
        rset.title = title.strip()[:200]
    if target_percent is not None:
        rset.target_percent = _percent(target_percent)
    rset.deadline = deadline
    if milestones is not None:
        seen: dict[date, int] = {}
        for due_on, pct in milestones:
            if not isinstance(due_on, date):
                raise ServiceError(_("A milestone needs a date (YYYY-MM-DD)."), "milestones")
            if due_on in seen:
                raise ServiceError(_("Two milestones on %(date)s.", date=due_on.isoformat()), "milestones")
            seen[due_on] = _percent(pct, "milestones")
        keep = {m.due_on: m for m in rset.milestones}
        rset.milestones = [keep.get(d) or RequirementMilestone(due_on=d) for d in sorted(seen)]
        for m in rset.milestones:
            m.percent = seen[m.due_on]
    if validity is not None:
        rules = {}
        for slug, rule in validity.items():
            (slug,) = _slugs([slug], "validity")
            months, since, version = rule.get("valid_months"), rule.get("valid_from"), rule.get("min_version")
            if months is not None and (isinstance(months, bool) or not isinstance(months, int) or months < 1):
                raise ServiceError(_("valid_months must be a whole number of months (1 or more)."), "validity")
            if since is not None and not isinstance(since, date):
                raise ServiceError(_("valid_from must be a date (YYYY-MM-DD)."), "validity")
            version = str(version).strip()[:40] if version not in (None, "") else None
            if months is None and since is None and version is None:
                continue
            rules[slug] = (months, since, version)
        keep = {v.course_slug: v for v in rset.validity}
        rset.validity = [keep.get(s) or RequirementValidity(course_slug=s) for s in sorted(rules)]
        for v in rset.validity:
            v.valid_months, v.valid_from, v.min_version = rules[v.course_slug]
    db.session.flush()
    after = _state(rset)
    if after != before:
        audit.record(actor, "requirement_set.update", "requirement_set", rset.id, **after)
    return rset


def _state(rset: RequirementSet) -> dict:
    return {
        "name": rset.name, "title": rset.title, "target_percent": rset.target_percent,
        "deadline": rset.deadline.isoformat() if rset.deadline else None,
        "milestones": [[m.due_on.isoformat(), m.percent] for m in rset.milestones],
        "validity": {v.course_slug: [v.valid_months, v.valid_from.isoformat() if v.valid_from else None,
                                     v.min_version] for v in rset.validity},
    }


def delete_set(rset: RequirementSet, *, actor=None) -> None:
    if rset.is_primary:
        raise ServiceError(_("The primary set cannot be deleted; make another set primary first."))
    audit.record(actor, "requirement_set.delete", "requirement_set", rset.id, name=rset.name)
    db.session.delete(rset)
    db.session.flush()


def set_requirement(group: str, slugs: list[str], *, target_percent: int | None = None,
                    deadline: date | None = None, recommended: list[str] | None = None,
                    requirement: str | None = None, actor=None) -> Requirement:
    """Set a group's required (and, if given, recommended) courses in a set (default: the primary).

    Without any set yet, a primary set named "default" is created. ``target_percent`` and
    ``deadline``, when given, are the set's own (shared by all its groups).
    """
    if group not in TARGET_GROUPS:
        raise ServiceError(_("Unknown target group: %(group)s", group=group), "target_group")
    slugs = _slugs(slugs, "courses")
    rset = find_set(requirement)
    if rset is None:
        if requirement:
            raise ServiceError(_("No requirement set named %(name)s.", name=requirement))
        rset = create_set(DEFAULT_SET, _("Training requirement"), target_percent=_percent(target_percent or 100),
                          deadline=deadline, primary=True, actor=actor)
    if target_percent is not None or deadline is not None:
        if target_percent is not None:
            rset.target_percent = _percent(target_percent)
        rset.deadline = deadline
    req = db.session.get(Requirement, (rset.id, group))
    if req is None:
        req = Requirement(set_id=rset.id, target_group=group)
        db.session.add(req)
        db.session.flush()
    rec = req.recommended_slugs if recommended is None else _slugs(recommended, "recommended")
    rec = [s for s in rec if s not in slugs]
    wanted = [(s, REQUIRED) for s in slugs] + [(s, RECOMMENDED) for s in rec]
    if [(c.course_slug, c.kind) for c in req.courses] == wanted:
        db.session.flush()
        return req
    keep = {c.course_slug: c for c in req.courses}
    req.courses = [keep.get(s) or RequirementCourse(set_id=rset.id, course_slug=s) for s, _kind in wanted]
    for position, (course, (_slug, kind)) in enumerate(zip(req.courses, wanted, strict=True)):
        course.position = position
        course.kind = kind
    db.session.flush()
    audit.record(actor, "requirement.set", "requirement", f"{rset.name}/{group}", courses=slugs,
                 recommended=rec, target_percent=rset.target_percent,
                 deadline=rset.deadline.isoformat() if rset.deadline else None)
    if rset.is_primary:  # onboarding enrols account holders in the primary set's courses
        requirement_changed.send(current_app._get_current_object(), target_group=group, actor=actor)
    return req


def requirements_path() -> Path:
    return Path(current_app.config["COURSES_DIR"]) / "requirements.yaml"


def _load_yaml(path: Path):
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ServiceError(_("No requirements file at %(path)s", path=str(path))) from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ServiceError(_("%(path)s: not valid YAML (%(error)s)", path=str(path), error=str(exc))) from None


def _parse_set(path: Path, name: str, data) -> dict:
    """One set of the file, checked: {title, target_percent, deadline, milestones, validity, groups}."""
    where = f"{path}: {name}"
    if not isinstance(data, dict) or not isinstance(data.get("groups"), dict):
        raise ServiceError(_("%(path)s: expected a mapping with “groups”", path=where))
    percent = data.get("target_percent", 100)
    deadline = data.get("deadline")
    if deadline is not None and not isinstance(deadline, date):
        raise ServiceError(_("%(path)s: the deadline must be a date (YYYY-MM-DD)", path=where))
    if isinstance(percent, bool) or not isinstance(percent, int):
        raise ServiceError(_("%(path)s: target_percent must be a whole number", path=where))
    raw = data.get("milestones") or {}
    if isinstance(raw, dict):
        raw = [{"date": d, "percent": p} for d, p in raw.items()]
    if not isinstance(raw, list) or not all(isinstance(m, dict) for m in raw):
        raise ServiceError(_("%(path)s: milestones are a mapping of date to percent", path=where))
    milestones = [(m.get("date"), m.get("percent")) for m in raw]
    validity = data.get("validity") or {}
    if not isinstance(validity, dict) or not all(isinstance(v, dict) for v in validity.values()):
        raise ServiceError(_("%(path)s: validity is a mapping of course code to rules", path=where))
    groups = {}
    for group, spec in data["groups"].items():
        if isinstance(spec, list):
            spec = {"required": spec}
        if not isinstance(spec, dict) or not isinstance(spec.get("required", []), list) \
                or not isinstance(spec.get("recommended", []), list):
            raise ServiceError(_("%(path)s: the courses of %(group)s must be a list", path=where, group=group))
        groups[str(group)] = ([str(s) for s in spec.get("required", [])],
                              [str(s) for s in spec.get("recommended", [])])
    return {"title": str(data.get("title") or ""), "target_percent": percent, "deadline": deadline,
            "milestones": milestones, "validity": {str(k): v for k, v in validity.items()}, "groups": groups}


def seed_requirements(path: Path | None = None, *, actor=None) -> tuple[int, list[str]]:
    """Load requirements.yaml; return (groups set, course slugs that are not imported yet).

    Two shapes are read: the one-set file (``target_percent``, ``deadline``, ``groups``),
    seeded as the set "default", and the file of named sets (``primary``, ``sets``); see
    courses/README.md, "Training requirements". Sets and groups the file does not name
    are left as they are.
    """
    path = path or requirements_path()
    data = _load_yaml(path)
    if not isinstance(data, dict):
        raise ServiceError(_("%(path)s: expected a mapping with “groups”", path=str(path)))
    if "sets" in data:
        if not isinstance(data["sets"], dict) or not data["sets"]:
            raise ServiceError(_("%(path)s: “sets” must be a mapping of set names", path=str(path)))
        sets = {str(name): _parse_set(path, str(name), spec) for name, spec in data["sets"].items()}
        primary = str(data.get("primary") or next(iter(sets)))
        if primary not in sets:
            raise ServiceError(_("%(path)s: the primary set %(name)s is not in “sets”", path=str(path),
                                 name=primary))
    else:
        sets = {DEFAULT_SET: _parse_set(path, DEFAULT_SET, data)}
        primary = DEFAULT_SET
    count = 0
    wanted: set[str] = set()
    for position, (name, spec) in enumerate(sets.items()):
        try:
            rset = find_set(name) or create_set(name, spec["title"], target_percent=spec["target_percent"],
                                                deadline=spec["deadline"], actor=actor)
            rset.position = position
            update_set(rset, title=spec["title"] or rset.title, target_percent=spec["target_percent"],
                       deadline=spec["deadline"], milestones=spec["milestones"], validity=spec["validity"],
                       actor=actor)
            for group, (required, recommended) in spec["groups"].items():
                set_requirement(group, required, recommended=recommended, requirement=name, actor=actor)
                wanted.update(required, recommended)
                count += 1
        except ServiceError as exc:
            raise ServiceError(f"{path}: {name}: {exc.message}") from None
    make_primary(find_set(primary), actor=actor)
    have = set(db.session.scalars(select(Course.slug).where(Course.slug.in_(wanted))))
    return count, sorted(wanted - have)

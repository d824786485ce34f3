"""The "completions" kind of registry file (past training records), written by the catalog.

The registry reads and checks the file and matches people; this handler checks the course
column and records the completions (``lms.registry.hooks.import_handlers``).
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from lms.catalog.models import Course, CourseCompletion
from lms.catalog.services import record_completion
from lms.core.localtime import local_midnight_utc
from lms.extensions import db
from lms.registry.imports.schema import SOURCE_VALUES, ImportPlan, Sheet
from lms.registry.imports.validation import RowChecker, match_person


class CompletionsImport:
    kind = "completions"

    def reference(self) -> tuple[str, list[str], list[list[str]]]:
        """A sheet of the import template: the course codes the course column accepts."""
        rows = db.session.execute(select(Course.slug, Course.title).order_by(Course.title)).all()
        return "Mã khóa học", ["Mã khóa học", "Tên khóa học"], [[slug, title] for slug, title in rows]

    def plan(self, plan: ImportPlan, sheet: Sheet, index) -> None:
        courses = dict(db.session.execute(select(Course.slug, Course.id)).all())
        existing = {(person_id, course_id): completed_at for person_id, course_id, completed_at in db.session.execute(
            select(CourseCompletion.person_id, CourseCompletion.course_id, CourseCompletion.completed_at))}
        rows = plan.extra_rows.setdefault(self.kind, [])
        seen: dict[tuple, int] = {}
        for number, row in sheet.rows:
            check = RowChecker(plan, sheet, number, row)
            nid = check.national_id("national_id")
            phone = check.phone("phone")
            check.text("full_name", 200)
            slug = check.text("course", 100, required=True)
            completed = check.past_date("completed_at", required=True)
            source = check.choice("source", SOURCE_VALUES) or "historical"
            if slug is not None and slug not in courses:
                check.error("course", _("unknown course %(slug)s", slug=slug))
            if check.failed:
                continue
            if not nid and not phone:
                check.error("national_id", _("give the national ID number or the phone number"))
                continue
            person_id = match_person(index, nid, phone, None, check, "national_id", "phone")
            if check.failed:
                continue
            if person_id is None:
                check.error("national_id" if nid else "phone", _("no person in the registry has this number"))
                continue
            if (
                index.scope_units is not None and person_id > 0
                and (index.people[person_id].get("unit_id") not in index.scope_units
                     or person_id in index.protected)
            ):
                check.error("national_id" if nid else "phone", _("this person is outside your area"))
                continue
            key = (person_id, slug)
            if key in seen:
                check.error("course", _("repeated in this file (row %(row)d)", row=seen[key]))
                continue
            seen[key] = number
            counts = plan.count(self.kind)
            when = local_midnight_utc(completed)
            stored = existing.get((person_id, courses[slug])) if person_id > 0 else None
            if stored is not None and when <= stored:
                counts.unchanged += 1
                continue
            # A later date than the stored completion renews it (a refresher).
            rows.append({"person_key": person_id, "course_id": courses[slug],
                         "completed_at": when, "via": source})
            if stored is None:
                counts.create += 1
            else:
                counts.update += 1

    def apply(self, plan: ImportPlan, rows: list[dict], person_ids: dict[int, int], actor) -> None:
        courses = {c.id: c for c in db.session.scalars(
            select(Course).where(Course.id.in_({row["course_id"] for row in rows}))
        )}
        for row in rows:
            person_id = person_ids.get(row["person_key"], row["person_key"])
            record_completion(person_id, courses[row["course_id"]], via=row["via"],
                              completed_at=row["completed_at"], source_ref=plan.source_ref or "import",
                              actor=actor)

"""Learners' pages: catalogue, course, lesson, progress; trainers' and managers' enrolment."""

from __future__ import annotations

import csv
import io

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup
from sqlalchemy import select

from lms.catalog import queries, services
from lms.catalog.forms import EnrolListForm
from lms.catalog.hooks import course_panels, learning_plans
from lms.catalog.importer import READING_WORDS_PER_MINUTE
from lms.catalog.models import CourseAsset, CourseCompletion
from lms.core.conditional import is_current, not_modified, page_etag, row_state, with_etag
from lms.core.errors import ServiceError
from lms.core.forms import ConfirmForm
from lms.core.i18n import locale_code
from lms.core.security import ADMIN, MANAGER, TRAINER, can_author, is_staff, roles_required
from lms.core.uow import unit_of_work
from lms.extensions import db
from lms.registry.queries import can_see_person

bp = Blueprint("catalog", __name__, template_folder="templates")


@bp.app_template_filter("duration")
def duration(seconds: int) -> str:
    """75 → "1 min 15 s"; 56 → "56 s" (translated)."""
    if seconds < 60:
        return _("%(s)d s", s=seconds)
    return _("%(m)d min %(s)02d s", m=seconds // 60, s=seconds % 60)


@bp.app_template_filter("file_size")
def file_size(size: int) -> str:
    """1234567 → "1,2 MB" (in the interface's number format)."""
    from flask_babel import format_decimal

    if size < 1024 * 1024:
        return f"{format_decimal(max(round(size / 1024), 1))} KB"
    return f"{format_decimal(round(size / (1024 * 1024), 1))} MB"


def _locale() -> str:
    return locale_code()


def _course_or_404(slug: str):
    course = queries.get_course(slug)
    if course is None:
        abort(404)
    if not course.published and not can_author(current_user):
        abort(404)
    return course


def _panels(course) -> list[Markup]:
    rendered = []
    for panel in course_panels.functions():
        html = panel(course, current_user)
        if html:
            rendered.append(Markup(html))  # noqa: S704 - panels return HTML rendered by their own templates
    return rendered


@bp.route("/courses")
@login_required
def index():
    q = (request.args.get("q") or "").strip()[:200]
    courses = queries.catalogue(current_user, q)
    enrolled = queries.enrolled_course_ids(current_user)
    return render_template("catalog/index.html", courses=courses, q=q, enrolled=enrolled, locale=_locale())


@bp.route("/courses/<slug>")
@login_required
def course(slug: str):
    user = current_user._get_current_object()
    found = queries.course_page(slug, user)
    if found is None or (not found[0].published and not can_author(user)):
        abort(404)
    course, enrolment, completion = found
    outline = queries.outline(course, user)
    # Prerequisites are shown (and read) only to those not enrolled.
    missing = [] if enrolment is not None else queries.unmet_prerequisites(user, course)
    panels = _panels(course)
    # Everything the page shows beyond the layout (lms.core.conditional adds the user,
    # roles, locale, navigation, CSRF token, date and release).
    etag = page_etag("catalog.course", (
        row_state(course), enrolment.id if enrolment else None, _outline_state(outline),
        row_state(completion), [row_state(c) for c in missing], [str(p) for p in panels],
    ))
    if is_current(etag):
        return not_modified(etag)
    return with_etag(render_template(
        "catalog/course.html",
        course=course,
        enrolment=enrolment,
        outline=outline,
        completion=completion,
        missing=missing,
        panels=panels,
        form=ConfirmForm(),
        reading_rate=READING_WORDS_PER_MINUTE,
        locale=_locale(),
        staff=is_staff(user),
    ), etag)


def _outline_state(outline) -> tuple:
    # The outline's rows carry every module and lesson shown and the user's progress marks.
    return outline.rows, sorted(outline.required_ids)


@bp.route("/courses/<slug>/enrol", methods=["POST"])
@login_required
def enrol(slug: str):
    course = _course_or_404(slug)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    with unit_of_work() as work:
        created = services.self_enrol(current_user, course)
    if not work.ok:
        return redirect(url_for("catalog.course", slug=slug))
    if created:
        flash(_("You are enrolled. Good luck with the course!"), "success")
    first = queries.outline(course, current_user).next_lesson()
    if first is not None:
        return redirect(url_for("catalog.lesson", slug=slug, lesson_slug=first.slug))
    return redirect(url_for("catalog.course", slug=slug))


@bp.route("/courses/<slug>/lessons/<lesson_slug>")
@login_required
def lesson(slug: str, lesson_slug: str):
    user = current_user._get_current_object()
    page = queries.lesson_page(slug, lesson_slug, user)
    if page is None or (not page.course.published and not can_author(user)):
        abort(404)
    course, lesson = page.course, page.lesson
    if lesson is None:
        abort(404)
    if not page.enrolled and not is_staff(user):
        flash(_("Enrol in the course to read its lessons."), "info")
        return redirect(url_for("catalog.course", slug=slug))
    outline = queries.outline(course, user)
    previous, following = outline.neighbours(lesson)
    audio_size = None
    if lesson.audio_path:
        audio_size = db.session.scalar(
            select(CourseAsset.size).where(CourseAsset.course_id == course.id, CourseAsset.path == lesson.audio_path)
        )
    # After the last lesson, point to what completes the course: its final quizzes
    # (the quiz panel that lms.assessments registers on the course page).
    lessons_done = outline.required_done >= len(outline.required_ids)
    final_quiz = (following is None or lessons_done) and bool((course.completion or {}).get("quizzes"))
    panels = _panels(course) if final_quiz and page.enrolled else []
    etag = page_etag("catalog.lesson", (
        row_state(course), row_state(lesson), row_state(page.version), page.enrolled, audio_size,
        _outline_state(outline), [str(p) for p in panels],
    ))
    if is_current(etag):
        return not_modified(etag)
    return with_etag(render_template(
        "catalog/lesson.html",
        audio_size=audio_size,
        final_quiz=final_quiz,
        panels=panels,
        course=course,
        lesson=lesson,
        version=page.version,
        outline=outline,
        previous=previous,
        following=following,
        done=lesson.id in outline.done_ids,
        enrolled=page.enrolled,
        locale=_locale(),
    ), etag)


@bp.route("/courses/<slug>/lessons/<lesson_slug>/done", methods=["POST"])
@login_required
def mark_done(slug: str, lesson_slug: str):
    course = _course_or_404(slug)
    lesson = queries.get_lesson(course, lesson_slug)
    if lesson is None:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if queries.enrolment_of(current_user, course) is None:
        flash(_("Enrol in the course to record your progress."), "info")
        return redirect(url_for("catalog.course", slug=slug))
    had_completion = queries.completion_of(current_user.person_id, course) is not None
    with unit_of_work():
        completion = services.mark_done(current_user, lesson)
    if completion is not None and not had_completion:
        flash(_("Congratulations! You have completed this course."), "success")
        return redirect(url_for("catalog.course", slug=slug))
    _previous, following = queries.outline(course, current_user).neighbours(lesson)
    if following is not None:
        return redirect(url_for("catalog.lesson", slug=slug, lesson_slug=following.slug))
    if (course.completion or {}).get("quizzes"):
        # The last lesson: stay on it, where the final quiz is pointed to.
        return redirect(url_for("catalog.lesson", slug=slug, lesson_slug=lesson.slug))
    return redirect(url_for("catalog.course", slug=slug))


INLINE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp", "audio/mpeg", "audio/ogg", "audio/mp4"}


@bp.route("/courses/<slug>/files/<path:path>")
@login_required
def asset(slug: str, path: str):
    """A course's own images and attachments, from the database; nothing else."""
    course = _course_or_404(slug)
    asset = db.session.scalar(
        select(CourseAsset).where(CourseAsset.course_id == course.id, CourseAsset.path == path)
    )
    if asset is None:
        abort(404)
    inline = asset.mime_type in INLINE_TYPES and not request.args.get("download")
    # conditional=True answers If-None-Match (304) and Range (206): a phone can seek in a
    # narration and resume it on a bad connection.
    response = send_file(
        io.BytesIO(asset.content),
        mimetype=asset.mime_type,
        download_name=path.rsplit("/", 1)[-1],
        as_attachment=not inline,
        etag=asset.sha256,
        max_age=86400,
        conditional=True,
        last_modified=None,
    )
    response.headers["Cache-Control"] = "private, max-age=86400"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@bp.route("/my-learning")
@login_required
def my_learning():
    user = current_user._get_current_object()
    completed = queries.completed_courses(user)
    rows = queries.my_learning(user, completed)
    plan = next((p for fn in learning_plans.functions() if (p := fn(user)) is not None), None)
    required = []
    if plan:
        # The required courses first, in the requirement's order; then the rest as before.
        order = {course_id: n for n, course_id in enumerate(plan["course_ids"])}
        required = sorted((r for r in rows if r[0].id in order), key=lambda r: order[r[0].id])
        rows = [r for r in rows if r[0].id not in order]
    etag = page_etag("catalog.my_learning", (
        [_learning_row_state(r) for r in rows], [_learning_row_state(r) for r in required],
        sorted(plan.items()) if plan else None,
        [(row_state(c), row_state(c.course)) for c in completed],
    ))
    if is_current(etag):
        return not_modified(etag)
    return with_etag(render_template(
        "catalog/my_learning.html",
        rows=rows, required=required, plan=plan,
        completed=completed,
        locale=_locale(),
    ), etag)


def _learning_row_state(row) -> tuple:
    course, enrolment, done, total, completion = row
    return row_state(course), enrolment.id, done, total, row_state(completion)


def _identifiers_from(form: EnrolListForm) -> list[str]:
    items: list[str] = []
    text = form.identifiers.data or ""
    for line in text.replace(",", "\n").replace(";", "\n").splitlines():
        if line.strip():
            items.append(line.strip())
    upload = form.csv_file.data
    if upload:
        raw = upload.read(2_000_001)
        if len(raw) > 2_000_000:
            raise ServiceError(_("The CSV file is larger than 2 MB."), "csv_file")
        try:
            content = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ServiceError(_("The CSV file must be saved as UTF-8."), "csv_file") from None
        rows = list(csv.reader(io.StringIO(content)))
        if rows:
            header = [h.strip().lower() for h in rows[0]]
            column = next((header.index(k) for k in ("phone", "email", "điện thoại", "số điện thoại")
                           if k in header), None)
            body = rows[1:] if column is not None else rows
            column = column or 0
            items.extend(row[column].strip() for row in body if len(row) > column and row[column].strip())
    return items[:5000]


@bp.route("/courses/<slug>/learners", methods=["GET", "POST"])
@roles_required(TRAINER, MANAGER, ADMIN)
def learners(slug: str):
    course = _course_or_404(slug)
    form = EnrolListForm()
    result = None
    if form.validate_on_submit():
        with unit_of_work(form, show=False) as work:
            identifiers = _identifiers_from(form) + queries.logins_of(
                current_user, request.form.getlist("user_ids", type=int)
            )
            if not identifiers:
                raise ServiceError(_("Give at least one phone number or e-mail address."), "identifiers")
            allowed = None
            if not current_user.has_role(TRAINER, ADMIN):
                allowed = lambda user: can_see_person(current_user, user.person)  # noqa: E731
            result = services.enrol_identifiers(course, identifiers, actor=current_user, allowed=allowed)
        if work.error:
            getattr(form, work.error.field or "identifiers").errors.append(work.error.message)
        if work.ok:
            flash(_("%(n)d learner(s) enrolled.", n=len(result["enrolled"])), "success")
    return render_template(
        "catalog/learners.html",
        course=course,
        rows=queries.learners(course, current_user),
        total=queries.required_total(course),
        form=form,
        result=result,
        find=(request.args.get("find") or "").strip()[:100],
        found=queries.find_users(current_user, request.args.get("find"), course),
        locale=_locale(),
    )


def person_completions_panel(person, _viewer) -> str:
    """The registry person page's list of completed courses (a registry person panel)."""
    completions = db.session.scalars(
        select(CourseCompletion).where(CourseCompletion.person_id == person.id)
        .order_by(CourseCompletion.completed_at)
    ).all()
    return render_template("catalog/_person_completions.html", completions=completions)

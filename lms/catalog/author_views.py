"""Trainers author courses in the browser: courses, modules, lessons, preview, order,
publishing, zip export and import."""

from __future__ import annotations

import io
from collections.abc import Callable

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from wtforms import SelectChoice

from lms.catalog import authoring, exporter, media, queries
from lms.catalog.forms import CourseForm, ImportForm, LessonForm, ModuleForm, PreviewForm, UploadForm
from lms.catalog.models import Course, CourseAsset, Lesson, Module
from lms.core.forms import ConfirmForm
from lms.core.frontmatter import ContentError
from lms.core.security import ADMIN, TRAINER, roles_required
from lms.core.uow import unit_of_work
from lms.extensions import db

bp = Blueprint("author", __name__, url_prefix="/author", template_folder="templates")
author_required = roles_required(TRAINER, ADMIN)


def _course(slug: str) -> Course:
    course = queries.get_course(slug)
    if course is None:
        abort(404)
    return course


def _previewing() -> bool:
    return request.form.get("action") == "preview"


def _preview_or_save(form, back_to: Course | None, preview: Callable[[], str], save: Callable[[], object],
                     saved_message: str) -> tuple[str | None, Response | None]:
    """The POST flow of the course, module and lesson forms: preview the text, or save.

    Returns ``(preview_html, None)`` to show the form again (with the preview, or with the
    service's error), or ``(None, redirect)`` once saved and committed: to ``back_to``'s page,
    or for a new course (``back_to=None``) to the page of the course ``save()`` created.
    """
    if not form.validate_on_submit():
        return None, None
    if _previewing():
        return preview(), None
    with unit_of_work(form) as work:
        saved = save()
        slug = (back_to or saved).slug
    if not work.ok:
        return None, None
    flash(saved_message, "success")
    return None, redirect(url_for("author.course", slug=slug))


@bp.route("/preview", methods=["POST"])
@author_required
def preview_fragment():
    """The editor's live preview: the same rendering as saving the text would store."""
    form = PreviewForm()
    if not form.validate_on_submit():
        abort(400)
    course = queries.get_course(form.course.data) if form.course.data else None
    base = form.base.data or ""
    if course is not None and (form.module.data or "").isdigit():
        module = db.session.get(Module, int(form.module.data))
        if module is not None and module.course_id == course.id:
            base = module.slug
    html = authoring.preview(course, form.text.data, base)
    return Response(html, mimetype="text/html", headers={"Cache-Control": "no-store"})


@bp.route("/courses")
@author_required
def courses():
    rows = db.session.scalars(select(Course).order_by(Course.title)).all()
    return render_template("author/courses.html", courses=rows)


@bp.route("/courses/new", methods=["GET", "POST"])
@author_required
def course_new():
    form = CourseForm()
    preview_html, done = _preview_or_save(
        form, None,
        preview=lambda: authoring.preview(None, form.overview_md.data),
        save=lambda: authoring.create_course(form.data, actor=current_user),
        saved_message=_("The course has been created. Add modules and lessons, then publish it."),
    )
    if done is not None:
        return done
    return render_template("author/course_form.html", form=form, course=None, preview_html=preview_html)


@bp.route("/courses/<slug>", methods=["GET", "POST"])
@author_required
def course(slug: str):
    course = _course(slug)
    form = CourseForm(obj=course)
    form.slug.render_kw = {"readonly": True}
    if request.method == "POST":
        form.slug.data = course.slug  # the slug is the course's identity: never changed here
    preview_html, done = _preview_or_save(
        form, course,
        preview=lambda: authoring.preview(course, form.overview_md.data),
        save=lambda: authoring.update_course(course, form.data, actor=current_user),
        saved_message=_("The course has been saved."),
    )
    if done is not None:
        return done
    outline = queries.outline(course)
    retired = db.session.scalars(
        select(Lesson).where(Lesson.course_id == course.id, Lesson.retired_at.is_not(None)).order_by(Lesson.title)
    ).all()
    files = db.session.execute(
        select(CourseAsset.path, CourseAsset.size, CourseAsset.mime_type)
        .where(CourseAsset.course_id == course.id).order_by(CourseAsset.path)
    ).all()
    variants = {media.phone_path(f.path) for f in files}
    return render_template("author/course_form.html", form=form, course=course, outline=outline,
                           retired=retired, preview_html=preview_html, confirm=ConfirmForm(),
                           files=[f for f in files if f.path not in variants],
                           files_size=sum(f.size for f in files), upload_form=UploadForm(),
                           caps=(current_app.config["COURSE_FILE_MAX_BYTES"], current_app.config["COURSE_FILES_MAX_BYTES"]))


@bp.route("/courses/<slug>/publish", methods=["POST"])
@author_required
def publish(slug: str):
    course = _course(slug)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    publish = request.form.get("published") == "1"
    with unit_of_work():
        authoring.set_published(course, publish, actor=current_user)
    flash(_("The course is published.") if publish else _("The course is hidden from learners."), "success")
    return redirect(url_for("author.course", slug=slug))


@bp.route("/courses/<slug>/export.zip")
@author_required
def export(slug: str):
    course = _course(slug)
    return send_file(io.BytesIO(exporter.export_zip(course)), mimetype="application/zip",
                     as_attachment=True, download_name=f"{course.slug}.zip")


@bp.route("/import", methods=["GET", "POST"])
@author_required
def import_zip():
    form = ImportForm()
    problems = None
    if form.validate_on_submit():
        upload = form.archive.data
        try:
            with unit_of_work():
                report = authoring.import_zip(upload.read(), upload.filename or "course.zip",
                                              replace=form.replace.data, actor=current_user)
        except ContentError as exc:
            problems = [str(p) for p in exc.problems]
        else:
            for line in report.lines()[:-1]:
                flash(line, "success")
            slug = (report.created + report.updated + report.unchanged)[0]
            return redirect(url_for("author.course", slug=slug))
    return render_template("author/import.html", form=form, problems=problems)


def _module(course: Course, module_id: int) -> Module:
    module = db.get_or_404(Module, module_id)
    if module.course_id != course.id:
        abort(404)
    return module


@bp.route("/courses/<slug>/modules/new", methods=["GET", "POST"], defaults={"module_id": None})
@bp.route("/courses/<slug>/modules/<int:module_id>", methods=["GET", "POST"])
@author_required
def module(slug: str, module_id: int | None):
    course = _course(slug)
    module = _module(course, module_id) if module_id else None
    form = ModuleForm(obj=module)
    preview_html, done = _preview_or_save(
        form, course,
        preview=lambda: authoring.preview(course, form.overview_md.data, form.slug.data),
        save=lambda: authoring.save_module(course, module, form.data, actor=current_user),
        saved_message=_("The module has been saved."),
    )
    if done is not None:
        return done
    courses = db.session.scalars(select(Course).order_by(Course.title)).all() if module is not None else []
    return render_template("author/module_form.html", form=form, course=course, module=module,
                           preview_html=preview_html, courses=courses, confirm=ConfirmForm())


def _lesson(course: Course, lesson_id: int) -> Lesson:
    lesson = db.get_or_404(Lesson, lesson_id)
    if lesson.course_id != course.id:
        abort(404)
    return lesson


@bp.route("/courses/<slug>/lessons/new", methods=["GET", "POST"], defaults={"lesson_id": None})
@bp.route("/courses/<slug>/lessons/<int:lesson_id>", methods=["GET", "POST"])
@author_required
def lesson(slug: str, lesson_id: int | None):
    course = _course(slug)
    lesson = _lesson(course, lesson_id) if lesson_id else None
    modules = db.session.scalars(
        select(Module).where(Module.course_id == course.id, Module.retired_at.is_(None)).order_by(Module.position)
    ).all()
    if not modules:
        flash(_("Add a module first: every lesson belongs to a module."), "info")
        return redirect(url_for("author.module", slug=slug))
    form = LessonForm(obj=lesson)
    form.module.choices = [SelectChoice(str(m.id), m.title) for m in modules]
    if request.method == "GET":
        if lesson is not None:
            form.module.data = str(lesson.module_id)
            form.body_md.data = lesson.current_version.body_md if lesson.current_version else ""
        elif request.args.get("module"):
            form.module.data = request.args.get("module")
    templates = authoring.lesson_templates() if lesson is None else []
    chosen = next((t for t in templates if t.name == request.args.get("template")), None)
    if request.method == "GET" and chosen is not None:
        form.body_md.data = chosen.body

    def preview() -> str:
        module = db.session.get(Module, int(form.module.data))
        return authoring.preview(course, form.body_md.data, module.slug if module else "")

    preview_html, done = _preview_or_save(
        form, course, preview=preview,
        save=lambda: authoring.save_lesson(course, lesson, form.data, actor=current_user),
        saved_message=_("The lesson has been saved."),
    )
    if done is not None:
        if authoring.images_without_description(form.body_md.data):
            flash(_("Some pictures have no description: learners who cannot see them will miss them. "
                    "Write a few words between the square brackets: ![description](…)."), "warning")
        return done
    audio_size = None
    if lesson is not None and lesson.audio_path:
        audio_size = db.session.scalar(select(CourseAsset.size).where(
            CourseAsset.course_id == course.id, CourseAsset.path == lesson.audio_path))
    return render_template("author/lesson_form.html", form=form, course=course, lesson=lesson,
                           preview_html=preview_html, confirm=ConfirmForm(), upload_form=UploadForm(),
                           audio_size=audio_size, templates=templates, chosen=chosen,
                           targets=_copy_targets() if lesson is not None else [])


@bp.route("/courses/<slug>/lessons/<int:lesson_id>/retire", methods=["POST"])
@author_required
def retire(slug: str, lesson_id: int):
    course = _course(slug)
    lesson = _lesson(course, lesson_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    with unit_of_work():
        authoring.retire_lesson(course, lesson, actor=current_user)
    flash(_("The lesson has been removed from the course; learners' progress is kept."), "success")
    return redirect(url_for("author.course", slug=slug))


@bp.route("/courses/<slug>/move", methods=["POST"])
@author_required
def move(slug: str):
    course = _course(slug)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    kind = request.form.get("kind")
    item_id = request.form.get("id", type=int)
    direction = -1 if request.form.get("direction") == "up" else 1
    if kind not in {"module", "lesson"} or item_id is None:
        abort(400)
    with unit_of_work():
        authoring.move(course, kind, item_id, direction, actor=current_user)
    return redirect(url_for("author.course", slug=slug))


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


@bp.route("/courses/<slug>/files", methods=["POST"])
@author_required
def upload(slug: str):
    """A file from the editor (JSON answer) or from the course page's form (redirect)."""
    course = _course(slug)
    form = UploadForm()
    if not form.validate_on_submit():
        message = "; ".join(str(e) for errors in form.errors.values() for e in errors)
        if _wants_json():
            return jsonify(error=message), 400
        flash(message, "error")
        return redirect(url_for("author.course", slug=slug))
    upload = form.file.data
    data = upload.read()
    upload.close()  # a large upload is spooled to a temporary file
    with unit_of_work(show=False) as work:
        saved = authoring.add_file(course, upload.filename or "", data, actor=current_user)
    if not work.ok:
        if _wants_json():
            return jsonify(error=work.error.message), 400
        flash(work.error.message, "error")
        return redirect(url_for("author.course", slug=slug) + "#files")
    if _wants_json():
        return jsonify(kind=saved.kind, path=saved.path, markdown_path=f"../{saved.path}", name=saved.name,
                       size=saved.size, url=url_for("catalog.asset", slug=slug, path=saved.path))
    flash(_("The file has been added: %(path)s", path=saved.path), "success")
    return redirect(url_for("author.course", slug=slug) + "#files")


@bp.route("/courses/<slug>/files/remove", methods=["POST"])
@author_required
def remove_file(slug: str):
    course = _course(slug)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    with unit_of_work():
        authoring.remove_file(course, request.form.get("path", ""), actor=current_user)
    flash(_("The file has been removed."), "success")
    return redirect(url_for("author.course", slug=slug) + "#files")


@bp.route("/courses/<slug>/lessons/<int:lesson_id>/audio", methods=["POST"])
@author_required
def audio(slug: str, lesson_id: int):
    """Add, replace or remove a lesson's audio narration."""
    course = _course(slug)
    lesson = _lesson(course, lesson_id)
    back = redirect(url_for("author.lesson", slug=slug, lesson_id=lesson.id) + "#audio")
    if request.form.get("action") == "remove":
        if not ConfirmForm().validate_on_submit():
            abort(400)
        with unit_of_work():
            authoring.set_audio(course, lesson, None, None, actor=current_user)
        flash(_("The audio has been removed from the lesson."), "success")
        return back
    form = UploadForm()
    if not form.validate_on_submit():
        flash("; ".join(str(e) for errors in form.errors.values() for e in errors), "error")
        return back
    upload = form.file.data
    data = upload.read()
    upload.close()
    with unit_of_work() as work:
        authoring.set_audio(course, lesson, upload.filename, data, actor=current_user)
    if work.ok:
        flash(_("The audio has been added to the lesson."), "success")
    return back


@bp.route("/courses/<slug>/lessons/<int:lesson_id>/history")
@author_required
def history(slug: str, lesson_id: int):
    course = _course(slug)
    lesson = _lesson(course, lesson_id)
    return render_template("author/history.html", course=course, lesson=lesson,
                           versions=queries.lesson_history(lesson), confirm=ConfirmForm())


@bp.route("/courses/<slug>/lessons/<int:lesson_id>/history/<int:number>/restore", methods=["POST"])
@author_required
def restore(slug: str, lesson_id: int, number: int):
    course = _course(slug)
    lesson = _lesson(course, lesson_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    with unit_of_work() as work:
        version = authoring.restore_version(course, lesson, number, actor=current_user)
    if work.ok:
        flash(_("Version %(old)d is the lesson's text again (saved as version %(new)d).", old=number,
                new=version.number), "success")
    return redirect(url_for("author.history", slug=slug, lesson_id=lesson.id))


def _copy_targets() -> list[tuple[Course, list[Module]]]:
    courses = db.session.scalars(select(Course).order_by(Course.title)).all()
    modules = db.session.scalars(select(Module).where(Module.retired_at.is_(None)).order_by(Module.position)).all()
    by_course: dict[int, list[Module]] = {}
    for m in modules:
        by_course.setdefault(m.course_id, []).append(m)
    return [(c, by_course.get(c.id, [])) for c in courses]


@bp.route("/courses/<slug>/lessons/<int:lesson_id>/copy", methods=["POST"])
@author_required
def copy_lesson(slug: str, lesson_id: int):
    """Copy a lesson (its current text, pictures, files and audio) into a module of any course."""
    course = _course(slug)
    lesson = _lesson(course, lesson_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    module = db.session.get(Module, request.form.get("module", type=int) or 0)
    if module is None:
        flash(_("Choose a module of this course."), "error")
        return redirect(url_for("author.lesson", slug=slug, lesson_id=lesson.id))
    target = module.course
    with unit_of_work() as work:
        copy = authoring.copy_lesson(lesson, target, module, actor=current_user)
    if not work.ok:
        return redirect(url_for("author.lesson", slug=slug, lesson_id=lesson.id))
    flash(_("The lesson has been copied into “%(course)s”.", course=target.title), "success")
    return redirect(url_for("author.lesson", slug=target.slug, lesson_id=copy.id))


@bp.route("/courses/<slug>/modules/<int:module_id>/copy", methods=["POST"])
@author_required
def copy_module(slug: str, module_id: int):
    """Copy a module with its lessons into another course (or the same one)."""
    course = _course(slug)
    module = _module(course, module_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    target = queries.get_course(request.form.get("course", ""))
    if target is None:
        flash(_("Choose a course."), "error")
        return redirect(url_for("author.module", slug=slug, module_id=module.id))
    with unit_of_work() as work:
        authoring.copy_module(module, target, actor=current_user)
    if not work.ok:
        return redirect(url_for("author.module", slug=slug, module_id=module.id))
    flash(_("The module has been copied into “%(course)s”.", course=target.title), "success")
    return redirect(url_for("author.course", slug=target.slug))

"""Quizzes for learners (start, answer, submit, review) and trainers (gradebook,
statistics, essay marking, exports)."""

from __future__ import annotations

from datetime import datetime

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
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from lms.assessments import queries, services
from lms.assessments.forms import AttemptForm, EssayGradeForm
from lms.assessments.models import Attempt, AttemptAnswer, Quiz
from lms.catalog.queries import completion_of
from lms.core import exports
from lms.core.audit import audit_disclosure
from lms.core.db import utcnow
from lms.core.forms import ConfirmForm
from lms.core.masking import mask_login
from lms.core.uow import restart_for_write, unit_of_work
from lms.extensions import db

bp = Blueprint("assessments", __name__, template_folder="templates")

MAX_AUTOSAVE_FIELDS = 2000


def _locale() -> str:
    return str(get_locale() or "vi")


def _quiz_or_404(slug: str) -> Quiz:
    quiz = db.session.scalar(select(Quiz).where(Quiz.slug == slug))
    if quiz is None:
        abort(404)
    return quiz


def _own_attempt_or_403(attempt_id: int) -> Attempt:
    attempt = db.get_or_404(Attempt, attempt_id)
    if attempt.user_id != current_user.id:
        abort(403)
    return attempt


def _close_if_overdue(attempt: Attempt) -> Attempt:
    """A GET that finds its attempt past the deadline closes it (and so writes)."""
    if not attempt.is_overdue(utcnow(), services.grace_seconds()):
        return attempt
    attempt_id = attempt.id
    restart_for_write()
    with unit_of_work():
        attempt = db.session.get(Attempt, attempt_id)
        closed = services.close_if_overdue(attempt)
    if closed:
        attempt = db.session.get(Attempt, attempt_id)
    return attempt


def _course_done(attempt: Attempt) -> bool:
    """Whether the learner has completed the course this attempt's quiz belongs to."""
    course = attempt.quiz.course
    person_id = getattr(attempt.user, "person_id", None)
    return course is not None and person_id is not None and completion_of(person_id, course) is not None


def _flash_if_course_completed(attempt_id: int, had_completion: bool) -> None:
    """After a submission that completed the course: say so and link the certificate."""
    attempt = db.session.get(Attempt, attempt_id)
    if had_completion or attempt is None or attempt.preview or not _course_done(attempt):
        return
    certificates = "certification.mine" in current_app.view_functions
    flash(Markup(render_template(  # noqa: S704 - the output of an autoescaped template
        "assessments/_course_completed.html", course=attempt.quiz.course,
        certificates=certificates, locale=_locale(),
    )), "success")


# --------------------------------------------------------------------------- learners


@bp.route("/quizzes")
@login_required
def index():
    rows = queries.visible_quizzes(current_user)
    quiz_ids = [quiz.id for quiz, _course in rows]
    return render_template(
        "assessments/index.html",
        rows=rows,
        best=queries.best_scores(current_user.id, quiz_ids),
        can_view_results=queries.can_view_results(current_user),
        locale=_locale(),
    )


@bp.route("/quizzes/<slug>")
@login_required
def quiz_page(slug: str):
    quiz = _quiz_or_404(slug)
    if not queries.can_view_quiz(current_user, quiz):
        abort(403)
    current = services.open_attempt_of(current_user, quiz)
    if current is not None:
        _close_if_overdue(current)
        quiz = _quiz_or_404(slug)
    attempts = queries.user_attempts(current_user.id, quiz.id)
    open_attempt = next((a for a in attempts if a.status == "open"), None)
    used = sum(1 for a in attempts if not a.preview)
    return render_template(
        "assessments/quiz.html",
        quiz=quiz,
        attempts=attempts,
        open_attempt=open_attempt,
        used=used,
        can_take=queries.can_take(current_user, quiz),
        can_author=queries.can_author(current_user),
        can_view_results=queries.can_view_results(current_user),
        question_count=len(services.active_questions(quiz)),
        now=utcnow(),
        locale=_locale(),
    )


@bp.route("/quizzes/<slug>/start", methods=["POST"])
@login_required
def start(slug: str):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    quiz = _quiz_or_404(slug)
    if not queries.can_take(current_user, quiz):
        abort(403)
    preview = queries.can_author(current_user) and not queries.is_enrolled(current_user, quiz.course_id)
    with unit_of_work() as work:
        attempt = services.start_attempt(current_user, quiz, preview=preview)
        attempt_id = attempt.id
    if not work.ok:
        return redirect(url_for("assessments.quiz_page", slug=slug))
    return redirect(url_for("assessments.attempt_page", attempt_id=attempt_id))


def _public_questions(attempt: Attempt, errors: dict[int, str] | None = None) -> list[dict]:
    """What the attempt page shows: only public HTML and the learner's own answers.

    Choices are identified by their position on this page (the order drawn for the
    attempt); nothing here says which answer is right.
    """
    questions = services.questions_of(attempt)
    answers = {
        a.question_id: a
        for a in db.session.scalars(select(AttemptAnswer).where(AttemptAnswer.attempt_id == attempt.id))
    }
    slots = []
    for slot, entry in enumerate(attempt.layout, start=1):
        question = questions[entry["q"]]
        spec = services.question_spec(question)
        html = question.html
        answer = answers.get(question.id)
        response = services.load_response(spec, answer.response if answer else None)
        qtype = spec.type_class
        view = {
            "slot": slot,
            "macro": qtype.template_name(),
            "answerable": qtype.answerable,
            "text": html.get("text", ""),
            "text_after": html.get("text_after", ""),
            "points": spec.points,
            "error": (errors or {}).get(slot),
            "answered": response not in (None, "", [], {}),
        }
        view.update(qtype.attempt_fields(spec, html, entry, response))
        slots.append(view)
    return slots


def _next_seq(attempt: Attempt) -> int:
    from sqlalchemy import func

    current = db.session.scalar(
        select(func.max(AttemptAnswer.seq)).where(AttemptAnswer.attempt_id == attempt.id)
    )
    return (current or 0) + 1


def _remaining_seconds(attempt: Attempt, now: datetime) -> int | None:
    if attempt.deadline is None:
        return None
    return max(0, int((attempt.deadline - now).total_seconds()))


@bp.route("/attempts/<int:attempt_id>", methods=["GET", "POST"])
@login_required
def attempt_page(attempt_id: int):
    attempt = _own_attempt_or_403(attempt_id)
    if request.method == "GET":
        attempt = _close_if_overdue(attempt)
        if attempt.status != "open":
            return redirect(url_for("assessments.review", attempt_id=attempt_id))
        return _render_attempt(attempt)

    form = AttemptForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        seq = int(form.seq.data or "0")
    except ValueError:
        abort(400)
    action = request.form.get("action", "save")
    had_completion = _course_done(attempt)
    raw = services.extract_raw(attempt, services.questions_of(attempt), request.form)
    with unit_of_work(show=False) as work:
        result = services.save_answers(attempt, raw, seq)
        if not result.closed and action == "submit":
            services.submit_attempt(attempt)
    if isinstance(work.error, services.AttemptClosed):
        flash(work.error.message, "warning")
        return redirect(url_for("assessments.review", attempt_id=attempt_id))
    if work.error:
        flash(work.error.message, "error")
        return redirect(url_for("assessments.attempt_page", attempt_id=attempt_id))
    if result.closed:
        flash(_("The time is over: your attempt was submitted with the answers saved in time."), "warning")
        return redirect(url_for("assessments.review", attempt_id=attempt_id))
    if action == "submit":
        _flash_if_course_completed(attempt_id, had_completion)
        return redirect(url_for("assessments.review", attempt_id=attempt_id))
    if result.errors:
        for slot, message in sorted(result.errors.items()):
            flash(_("Question %(n)d: %(message)s", n=slot, message=message), "error")
        return redirect(url_for("assessments.attempt_page", attempt_id=attempt_id))
    if result.stale:
        flash(_("A newer save of your answers exists (from another window?); this older one was ignored."), "warning")
    if action == "finish":
        return redirect(url_for("assessments.submit", attempt_id=attempt_id))
    flash(_("Your answers have been saved."), "success")
    return redirect(url_for("assessments.attempt_page", attempt_id=attempt_id))


def _render_attempt(attempt: Attempt):
    now = utcnow()
    form = AttemptForm(formdata=None)
    form.seq.data = str(_next_seq(attempt))
    return render_template(
        "assessments/attempt.html",
        attempt=attempt,
        quiz=attempt.quiz,
        form=form,
        questions=_public_questions(attempt),
        remaining=_remaining_seconds(attempt, now),
        locale=_locale(),
    )


@bp.route("/attempts/<int:attempt_id>/autosave", methods=["POST"])
@login_required
def autosave(attempt_id: int):
    """JSON: {"seq": n, "fields": [[name, value], …]} → what was saved."""
    attempt = _own_attempt_or_403(attempt_id)
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        return jsonify({"ok": False, "error": "bad request"}), 400
    seq, fields = data.get("seq"), data.get("fields")
    if (
        isinstance(seq, bool) or not isinstance(seq, int) or not isinstance(fields, list)
        or len(fields) > MAX_AUTOSAVE_FIELDS
        or not all(isinstance(f, list) and len(f) == 2 and all(isinstance(v, str) for v in f) for f in fields)
    ):
        return jsonify({"ok": False, "error": "bad request"}), 400
    form = MultiDict([(name, value) for name, value in fields])
    raw = services.extract_raw(attempt, services.questions_of(attempt), form)
    review_url = url_for("assessments.review", attempt_id=attempt_id)
    with unit_of_work(show=False) as work:
        result = services.save_answers(attempt, raw, seq)
    if isinstance(work.error, services.AttemptClosed):
        return jsonify({"ok": False, "status": "closed", "review_url": review_url}), 409
    if work.error:
        return jsonify({"ok": False, "error": work.error.message}), 400
    if result.closed:
        return jsonify({"ok": False, "status": "closed", "review_url": review_url}), 409
    attempt = db.session.get(Attempt, attempt_id)
    return jsonify(
        {
            "ok": True,
            "status": "open",
            "seq": seq,
            "saved": result.saved,
            "stale": result.stale,
            "errors": {str(k): v for k, v in result.errors.items()},
            "remaining": _remaining_seconds(attempt, utcnow()),
        }
    )


@bp.route("/attempts/<int:attempt_id>/submit", methods=["GET", "POST"])
@login_required
def submit(attempt_id: int):
    attempt = _own_attempt_or_403(attempt_id)
    form = ConfirmForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        late = attempt.is_overdue(utcnow(), services.grace_seconds())
        had_completion = _course_done(attempt)
        with unit_of_work():
            attempt, created = services.submit_attempt(attempt, reason="timeout" if late else "submitted")
        if created:
            flash(_("Your attempt has been submitted."), "success")
            _flash_if_course_completed(attempt_id, had_completion)
        return redirect(url_for("assessments.review", attempt_id=attempt_id))
    attempt = _close_if_overdue(attempt)
    if attempt.status != "open":
        return redirect(url_for("assessments.review", attempt_id=attempt_id))
    slots = _public_questions(attempt)
    unanswered = [s["slot"] for s in slots if not s["answered"] and s["answerable"]]
    return render_template(
        "assessments/submit.html", attempt=attempt, quiz=attempt.quiz, form=form,
        unanswered=unanswered, total=sum(1 for s in slots if s["answerable"]),
        remaining=_remaining_seconds(attempt, utcnow()), locale=_locale(),
    )


@bp.route("/attempts/<int:attempt_id>/review")
@login_required
def review(attempt_id: int):
    attempt = db.get_or_404(Attempt, attempt_id)
    if not queries.can_view_attempt(current_user, attempt):
        abort(403)
    if attempt.user_id == current_user.id:
        attempt = _close_if_overdue(attempt)
        if attempt.status == "open":
            return redirect(url_for("assessments.attempt_page", attempt_id=attempt_id))
    elif attempt.status == "open":
        # Staff never see an open attempt's answers; they see its state.
        pass
    policy = queries.review_policy(attempt, current_user, utcnow())
    return render_template(
        "assessments/review.html",
        attempt=attempt,
        quiz=attempt.quiz,
        policy=policy,
        items=queries.review_items(attempt, policy),
        own=attempt.user_id == current_user.id,
        can_author=queries.can_author(current_user),
        locale=_locale(),
    )


# --------------------------------------------------------------------------- course panel


def render_course_panel(course, user):
    """The course page's quiz panel (registered with lms.catalog.hooks)."""
    quizzes = queries.course_quizzes(course.id)
    if not quizzes:
        return None
    ids = [q.id for q in quizzes]
    authenticated = getattr(user, "is_authenticated", False)
    return Markup(  # noqa: S704 - the output of an autoescaped template
        render_template(
            "assessments/_course_panel.html",
            quizzes=quizzes,
            best=queries.best_scores(user.id, ids) if authenticated else {},
            open_attempts=queries.open_attempts(user.id, ids) if authenticated else {},
            can_take={q.id: authenticated and queries.can_take(user, q) for q in quizzes},
            required=set((course.completion or {}).get("quizzes") or []),
            locale=_locale(),
        )
    )


# --------------------------------------------------------------------------- trainers


def _results_quiz(slug: str) -> Quiz:
    if not queries.can_view_results(current_user):
        abort(403)
    return _quiz_or_404(slug)


@bp.route("/quizzes/<slug>/gradebook")
@login_required
def gradebook(slug: str):
    quiz = _results_quiz(slug)
    return render_template(
        "assessments/gradebook.html", quiz=quiz, rows=queries.gradebook(quiz, current_user), locale=_locale()
    )


def _gradebook_table(quiz: Quiz) -> tuple[list[str], list[list]]:
    header = [_("Name"), _("Login"), _("Attempts"), _("Best score (%)"), _("Last score (%)"), _("Passed"), _("Awaiting marking")]
    rows = [
        [r.name, mask_login(r.login), r.attempts, _round(r.best), _round(r.last), _("yes") if r.passed else _("no"), r.pending]
        for r in queries.gradebook(quiz, current_user)
    ]
    return header, rows


def _round(value):
    return None if value is None else round(float(value), 2)


@bp.route("/quizzes/<slug>/gradebook.<fmt>")
@login_required
def gradebook_export(slug: str, fmt: str):
    quiz = _results_quiz(slug)
    if fmt not in ("csv", "xlsx"):
        abort(404)
    header, rows = _gradebook_table(quiz)
    audit_disclosure(f"gradebook.{fmt}", {"quiz": quiz.slug}, len(rows))
    return exports.table_download(fmt, header, rows, f"{quiz.slug}-gradebook.{fmt}", title=_("Gradebook"))


@bp.route("/quizzes/<slug>/statistics")
@login_required
def statistics(slug: str):
    quiz = _results_quiz(slug)
    return render_template(
        "assessments/statistics.html", quiz=quiz, items=queries.item_analysis(quiz, current_user), locale=_locale()
    )


@bp.route("/quizzes/<slug>/export.gift")
@login_required
def export_gift(slug: str):
    if not queries.can_author(current_user):
        abort(403)
    quiz = _quiz_or_404(slug)
    try:
        text = services.export_quiz_gift(quiz)
    except ValueError as exc:
        flash(str(exc), "error")
        return redirect(url_for("assessments.quiz_page", slug=slug))
    return Response(
        text, mimetype="text/plain; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{quiz.slug}.gift"'},
    )


@bp.route("/marking")
@login_required
def grading_queue():
    if not queries.can_author(current_user):
        abort(403)
    return render_template("assessments/grading_queue.html", rows=queries.grading_queue(current_user), locale=_locale())


@bp.route("/marking/<int:answer_id>", methods=["GET", "POST"])
@login_required
def grade_essay(answer_id: int):
    if not queries.can_author(current_user):
        abort(403)
    answer = db.get_or_404(AttemptAnswer, answer_id)
    if not queries.is_markable(answer):
        abort(404)  # not an essay, or a draft of an attempt still open: nothing to mark yet
    attempt = answer.attempt
    spec = services.question_spec(answer.question)
    form = EssayGradeForm(obj=answer if request.method == "GET" and answer.points is not None else None)
    if form.validate_on_submit():
        with unit_of_work(form, show=False) as work:
            services.grade_essay(answer, float(form.points.data), form.comment.data, actor=current_user)
        if work.error:
            form.points.errors = [*form.points.errors, work.error.message]
        if work.ok:
            flash(_("The mark has been saved."), "success")
            return redirect(url_for("assessments.grading_queue"))
    return render_template(
        "assessments/grade_essay.html", answer=answer, attempt=attempt, quiz=attempt.quiz,
        max_points=spec.points, form=form, locale=_locale(),
    )

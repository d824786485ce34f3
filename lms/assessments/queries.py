"""Assessment reads shared by views, exports and the CLI, and the access rules.

Every access decision of this package is made here (``can_*`` functions and
``learner_scope``), so that the registry's area scoping can be applied in one place.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Select, and_, func, select, union

from lms.assessments.models import Attempt, AttemptAnswer, Question, Quiz
from lms.assessments.questions import OptionCount, ReviewOption, get_type
from lms.assessments.services.attempts import load_response
from lms.assessments.services.rendering import question_spec
from lms.auth.models import User
from lms.catalog.models import Course, Enrolment
from lms.core.security import ADMIN, MANAGER, TRAINER
from lms.extensions import db
from lms.registry.models import Person
from lms.registry.queries import can_see_person, person_scope

# --------------------------------------------------------------------------- access


def can_author(user) -> bool:
    """Preview quizzes, mark essays, export questions. Trainers see every course's
    quizzes (there is no per-course trainer assignment yet)."""
    return user.is_authenticated and user.has_role(TRAINER, ADMIN)


def can_view_results(user) -> bool:
    """Gradebooks, statistics and other learners' attempts (managers: read-only)."""
    return user.is_authenticated and user.has_role(TRAINER, ADMIN, MANAGER)


def is_enrolled(user, course_id: int | None) -> bool:
    if course_id is None:
        return False
    return db.session.scalar(
        select(Enrolment.id).where(Enrolment.user_id == user.id, Enrolment.course_id == course_id)
    ) is not None


def can_take(user, quiz: Quiz) -> bool:
    """Learners enrolled in the quiz's course; trainers may preview."""
    if quiz.is_bank:
        return False
    return is_enrolled(user, quiz.course_id) or can_author(user)


def can_view_quiz(user, quiz: Quiz) -> bool:
    return can_view_results(user) or (not quiz.is_bank and is_enrolled(user, quiz.course_id))


def sees_every_learner(user) -> bool:
    """Trainers and administrators see every learner's results (as every course's
    learners in the catalog); managers only the people of their area."""
    return user.is_authenticated and user.has_role(TRAINER, ADMIN)


def can_view_attempt(user, attempt: Attempt) -> bool:
    """A learner sees only their own attempts; staff see everyone's in their area."""
    if attempt.user_id == user.id or sees_every_learner(user):
        return True
    if not can_view_results(user):
        return False
    person = attempt.user.person if attempt.user is not None else None
    return person is not None and can_see_person(user, person)


def is_markable(answer: AttemptAnswer) -> bool:
    """An essay answer a trainer may read and mark: only once its attempt is submitted.
    While the attempt is open the text is the learner's draft, nobody else's to read."""
    return get_type(answer.question.qtype).hand_marked and answer.attempt.status in ("pending_review", "graded")


def learner_scope(stmt: Select, viewer, user_id_column) -> Select:
    """Restrict a statement over learners to the viewer's area: trainers and
    administrators see every learner, managers the accounts of the people in their
    area (the registry's ``person_scope``), for every list, export and count of this
    package at once."""
    if sees_every_learner(viewer):
        return stmt
    visible = select(User.id).join(Person, Person.id == User.person_id).where(person_scope(viewer))
    return stmt.where(user_id_column.in_(visible))


# --------------------------------------------------------------------------- lists


def visible_quizzes(user) -> list[tuple[Quiz, Course | None]]:
    stmt = (
        select(Quiz, Course)
        .outerjoin(Course, Course.id == Quiz.course_id)
        .order_by(Course.title, Quiz.title, Quiz.slug)
    )
    if not can_view_results(user):
        stmt = stmt.join(
            Enrolment, and_(Enrolment.course_id == Quiz.course_id, Enrolment.user_id == user.id)
        ).where(Quiz.is_bank.is_(False))
    return [(quiz, course) for quiz, course in db.session.execute(stmt)]


def course_quizzes(course_id: int) -> list[Quiz]:
    return list(
        db.session.scalars(
            select(Quiz).where(Quiz.course_id == course_id, Quiz.is_bank.is_(False)).order_by(Quiz.title, Quiz.slug)
        )
    )


def user_attempts(user_id: int, quiz_id: int) -> list[Attempt]:
    return list(
        db.session.scalars(
            select(Attempt)
            .where(Attempt.user_id == user_id, Attempt.quiz_id == quiz_id)
            .order_by(Attempt.number.desc())
        )
    )


def best_scores(user_id: int, quiz_ids: list[int]) -> dict[int, tuple[float | None, bool, int]]:
    """quiz id → (best score, passed, attempts) for one learner (previews excluded)."""
    if not quiz_ids:
        return {}
    rows = db.session.execute(
        select(
            Attempt.quiz_id,
            func.max(Attempt.score),
            func.max(func.coalesce(Attempt.passed, False).cast(db.Integer)),
            func.count(Attempt.id),
        )
        .where(Attempt.user_id == user_id, Attempt.quiz_id.in_(quiz_ids), Attempt.preview.is_(False))
        .group_by(Attempt.quiz_id)
    )
    return {quiz_id: (best, bool(passed), count) for quiz_id, best, passed, count in rows}


def open_attempts(user_id: int, quiz_ids: list[int]) -> dict[int, Attempt]:
    if not quiz_ids:
        return {}
    rows = db.session.scalars(
        select(Attempt).where(
            Attempt.user_id == user_id, Attempt.quiz_id.in_(quiz_ids), Attempt.status == "open"
        )
    )
    return {a.quiz_id: a for a in rows}


def grading_queue(viewer) -> list[tuple[AttemptAnswer, Attempt, Quiz, User]]:
    stmt = (
        select(AttemptAnswer, Attempt, Quiz, User)
        .join(Attempt, Attempt.id == AttemptAnswer.attempt_id)
        .join(Quiz, Quiz.id == Attempt.quiz_id)
        .join(User, User.id == Attempt.user_id)
        .where(AttemptAnswer.needs_review.is_(True), Attempt.status == "pending_review")
        .order_by(Attempt.submitted_at, AttemptAnswer.id)
    )
    stmt = learner_scope(stmt, viewer, Attempt.user_id)
    return [tuple(row) for row in db.session.execute(stmt)]


# --------------------------------------------------------------------------- gradebook


@dataclass
class GradebookRow:
    user_id: int
    name: str
    login: str
    attempts: int
    best: float | None
    last: float | None
    passed: bool
    pending: int


def gradebook(quiz: Quiz, viewer) -> list[GradebookRow]:
    """Each learner of the quiz's course (and anyone with an attempt): attempts, best and
    last score, passed. Previews are not counted; one GROUP BY, one query."""
    finished = and_(Attempt.quiz_id == quiz.id, Attempt.preview.is_(False))
    people = union(
        select(Enrolment.user_id.label("user_id")).where(Enrolment.course_id == quiz.course_id),
        select(Attempt.user_id.label("user_id")).where(finished),
    ).subquery()
    stats = (
        select(
            Attempt.user_id.label("user_id"),
            func.count(Attempt.id).label("attempts"),
            func.max(Attempt.score).label("best"),
            func.max(func.coalesce(Attempt.passed, False).cast(db.Integer)).label("passed"),
            func.max(Attempt.number).filter(Attempt.status.in_(("graded", "pending_review"))).label("last_number"),
            func.count(Attempt.id).filter(Attempt.status == "pending_review").label("pending"),
        )
        .where(finished)
        .group_by(Attempt.user_id)
        .subquery()
    )
    last = Attempt.__table__.alias("last_attempt")
    stmt = (
        select(
            User.id, User.display_name, User.email, User.phone,
            stats.c.attempts, stats.c.best, last.c.score, stats.c.passed, stats.c.pending,
        )
        .select_from(people)
        .join(User, User.id == people.c.user_id)
        .outerjoin(stats, stats.c.user_id == people.c.user_id)
        .outerjoin(
            last,
            and_(last.c.user_id == people.c.user_id, last.c.quiz_id == quiz.id, last.c.number == stats.c.last_number),
        )
        .order_by(User.display_name, User.id)
    )
    stmt = learner_scope(stmt, viewer, User.id)
    return [
        GradebookRow(uid, name, email or phone or "", attempts or 0, best, last_score, bool(passed), pending or 0)
        for uid, name, email, phone, attempts, best, last_score, passed, pending in db.session.execute(stmt)
    ]


# --------------------------------------------------------------------------- item analysis


@dataclass
class ItemStats:
    question: Question
    responses: int
    facility: float | None  # percent
    discrimination: float | None  # percent (a correlation × 100)
    mean_fraction: float | None
    options: list[OptionCount] = field(default_factory=list)


def pearson(n: int, sx: float, sy: float, sxx: float, syy: float, sxy: float) -> float | None:
    """The correlation coefficient from sums (None when a variance is 0)."""
    if n < 2:
        return None
    cov = n * sxy - sx * sy
    vx = n * sxx - sx * sx
    vy = n * syy - sy * sy
    if vx <= 1e-12 or vy <= 1e-12:
        return None
    return cov / math.sqrt(vx * vy)


def item_analysis(quiz: Quiz, viewer) -> list[ItemStats]:
    """Per question, over graded (not preview) attempts, as Moodle's quiz statistics:

    - facility index F = mean of x × 100, where x is the question's score as a fraction
      of its marks (0..1) in each attempt that contained it;
    - discrimination index D = 100 × r(x, y), the Pearson correlation between x and y,
      the attempt's marks on the *rest* of the quiz (total marks − this question's marks);
      Moodle's "discrimination index" is this correlation.

    Sums are computed with one GROUP BY; choice counts with another.
    """
    x = AttemptAnswer.fraction
    y = Attempt.points - func.coalesce(AttemptAnswer.points, 0.0)
    base = (
        select(
            AttemptAnswer.question_id,
            func.count(AttemptAnswer.id),
            func.sum(x), func.sum(y), func.sum(x * x), func.sum(y * y), func.sum(x * y),
        )
        .join(Attempt, Attempt.id == AttemptAnswer.attempt_id)
        .where(
            Attempt.quiz_id == quiz.id, Attempt.preview.is_(False), Attempt.status == "graded",
            AttemptAnswer.fraction.is_not(None),
        )
        .group_by(AttemptAnswer.question_id)
    )
    base = learner_scope(base, viewer, Attempt.user_id)
    sums = {row[0]: row[1:] for row in db.session.execute(base)}
    counts_stmt = (
        select(AttemptAnswer.question_id, AttemptAnswer.response_key, func.count(AttemptAnswer.id))
        .join(Attempt, Attempt.id == AttemptAnswer.attempt_id)
        .where(Attempt.quiz_id == quiz.id, Attempt.preview.is_(False), Attempt.status.in_(("graded", "pending_review")))
        .group_by(AttemptAnswer.question_id, AttemptAnswer.response_key)
    )
    counts_stmt = learner_scope(counts_stmt, viewer, Attempt.user_id)
    counts: dict[int, dict[str | None, int]] = {}
    for qid, key, count in db.session.execute(counts_stmt):
        counts.setdefault(qid, {})[key] = count
    question_ids = set(sums) | set(counts)
    questions = db.session.scalars(
        select(Question).where(
            Question.quiz_id == quiz.id,
            (Question.retired_at.is_(None)) | (Question.id.in_(question_ids or {0})),
        ).order_by(Question.position, Question.id)
    ).all()
    result = []
    for question in questions:
        if not get_type(question.qtype).answerable:
            continue
        n, sx, sy, sxx, syy, sxy = sums.get(question.id, (0, 0, 0, 0, 0, 0))
        n = n or 0
        facility = 100.0 * sx / n if n else None
        r = pearson(n, *(float(v or 0) for v in (sx, sy, sxx, syy, sxy))) if n else None
        result.append(
            ItemStats(
                question=question, responses=n, facility=facility,
                discrimination=None if r is None else 100.0 * r,
                mean_fraction=(sx / n if n else None),
                options=_option_counts(question, counts.get(question.id, {})),
            )
        )
    return result


def _option_counts(question: Question, counts: dict[str | None, int]) -> list[OptionCount]:
    spec = question_spec(question)
    return spec.type_class.option_counts(spec, question.html, counts)


# --------------------------------------------------------------------------- review


@dataclass
class ReviewPolicy:
    score: bool = False
    correctness: bool = False
    answers: bool = False
    # The right answers will be shown once the learner is done (review: answers).
    answers_later: bool = False


def learner_is_done(quiz: Quiz, user_id: int, now: datetime) -> bool:
    """Whether the learner can no longer use what a review shows for a better result:
    no attempt is open and they passed, used their last attempt, or the quiz closed.
    Previews do not count (as for the attempt limit)."""
    own = and_(Attempt.quiz_id == quiz.id, Attempt.user_id == user_id, Attempt.preview.is_(False))
    open_, passed, used = db.session.execute(
        select(
            func.count(Attempt.id).filter(Attempt.status == "open"),
            func.count(Attempt.id).filter(Attempt.passed.is_(True)),
            func.count(Attempt.id),
        ).where(own)
    ).one()
    if open_:
        return False
    closed = quiz.closes_at is not None and now >= quiz.closes_at
    return bool(passed) or closed or (quiz.max_attempts > 0 and used >= quiz.max_attempts)


def review_policy(attempt: Attempt, viewer, now: datetime) -> ReviewPolicy:
    """What the viewer may see of a finished attempt (nothing of an open one).

    ``review: answers`` shows a learner only which questions were right until they are
    done (:func:`learner_is_done`), then the right answers and the feedback, so that the
    answers of one attempt cannot be harvested for the next; ``answers_always`` shows them
    after every attempt (practice quizzes; the importer warns when that leaks)."""
    if attempt.status == "open":
        return ReviewPolicy()
    if can_view_results(viewer) and attempt.user_id != viewer.id or can_author(viewer):
        return ReviewPolicy(True, True, True)
    quiz = attempt.quiz
    if quiz.review_after_close and (quiz.closes_at is None or now < quiz.closes_at):
        return ReviewPolicy()
    mode = quiz.review
    if mode == "answers_always":
        return ReviewPolicy(True, True, True)
    if mode == "answers":
        done = attempt.preview or learner_is_done(quiz, attempt.user_id, now)
        return ReviewPolicy(True, True, done, answers_later=not done)
    return ReviewPolicy(True, mode == "correctness", False)


@dataclass
class ReviewItem:
    slot: int
    question: Question
    answer: AttemptAnswer | None
    state: str | None  # right | partial | wrong | pending | None (hidden)
    macro: str = ""  # the question type's template (its review(item) macro)
    options: list[ReviewOption] = field(default_factory=list)
    response_text: str | None = None
    right_answers: list[str] = field(default_factory=list)
    also_accepted: list[str] = field(default_factory=list)
    feedback: list[str] = field(default_factory=list)
    matches: list[tuple[str, str, str | None]] = field(default_factory=list)


def review_items(attempt: Attempt, policy: ReviewPolicy) -> list[ReviewItem]:
    if not policy.correctness:
        return []
    questions = {q.id: q for q in db.session.scalars(
        select(Question).where(Question.id.in_([e["q"] for e in attempt.layout]))
    )}
    answers = {a.question_id: a for a in attempt.answers}
    items = []
    for slot, entry in enumerate(attempt.layout, start=1):
        question = questions[entry["q"]]
        spec = question_spec(question)
        answer = answers.get(question.id)
        response = load_response(spec, answer.response if answer else None)
        html = question.html
        show = policy.answers
        review = spec.type_class.review(
            spec, html, entry, response, show=show, comment=answer.comment if answer is not None else None
        )
        item = ReviewItem(slot, question, answer, _state(answer), spec.type_class.template_name(),
                          **vars(review))
        if show and html.get("general_feedback"):
            item.feedback.append(html["general_feedback"])
        items.append(item)
    return items


def _state(answer: AttemptAnswer | None) -> str | None:
    if answer is None:
        return "wrong"
    if answer.needs_review:
        return "pending"
    if answer.fraction is None:
        return None
    if answer.fraction >= 1 - 1e-9:
        return "right"
    if answer.fraction > 1e-9:
        return "partial"
    return "wrong"

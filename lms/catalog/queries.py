"""Reads shared by the catalog's pages."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import joinedload

from lms.auth.models import User
from lms.catalog.models import (
    Course,
    CourseCompletion,
    Enrolment,
    Lesson,
    LessonProgress,
    LessonVersion,
    Module,
)
from lms.catalog.services import required_lessons_query
from lms.core.db import plain_rows
from lms.core.security import ADMIN, TRAINER, can_author, is_staff
from lms.core.text import fold
from lms.extensions import db
from lms.registry.models import Person
from lms.registry.queries import person_scope


def target_group(user) -> str | None:
    return db.session.scalar(select(Person.target_group).where(Person.id == user.person_id))


def catalogue(user, q: str | None = None) -> list[Course]:
    """Published courses for the user's audience (staff see every course), optionally searched.

    Search ignores case and diacritics: "quan tri" finds "Quản trị".
    """
    stmt = select(Course).order_by(Course.title)
    if not can_author(user):
        stmt = stmt.where(Course.published.is_(True))
    needle = fold(q)
    if needle:
        for word in needle.split()[:8]:
            stmt = stmt.where(Course.search_text.contains(word, autoescape=True))
    courses = list(db.session.scalars(stmt))
    group = None if is_staff(user) else target_group(user)
    if group:
        courses = [c for c in courses if group in (c.audience or [])]
    return courses


def get_course(slug: str) -> Course | None:
    return db.session.scalar(select(Course).where(Course.slug == slug))


def enrolment_of(user, course: Course) -> Enrolment | None:
    if not user.is_authenticated:
        return None
    return db.session.scalar(
        select(Enrolment).where(Enrolment.user_id == user.id, Enrolment.course_id == course.id)
    )


def completion_of(person_id: int | None, course: Course) -> CourseCompletion | None:
    if person_id is None:
        return None
    return db.session.scalar(
        select(CourseCompletion).where(
            CourseCompletion.person_id == person_id, CourseCompletion.course_id == course.id
        )
    )


@dataclass(frozen=True, slots=True)
class OutlineModule:
    id: int
    slug: str
    title: str
    title_en: str | None

    def display_title(self, locale: str) -> str:
        return self.title_en if locale == "en" and self.title_en else self.title


@dataclass(frozen=True, slots=True)
class OutlineLesson:
    """What an outline shows of a lesson (plain values: the outline is read on every page)."""

    id: int
    module_id: int
    slug: str
    title: str
    title_en: str | None
    minutes: int
    required: bool
    version_number: int

    def display_title(self, locale: str) -> str:
        return self.title_en if locale == "en" and self.title_en else self.title


@dataclass
class Outline:
    modules: list[tuple[OutlineModule, list[OutlineLesson]]]
    lessons: list[OutlineLesson]
    done_ids: set[int]
    required_ids: set[int]
    # The query's rows as fetched (plain values): what the outline shows, for a page's ETag.
    rows: tuple = ()

    @property
    def required_done(self) -> int:
        return len(self.required_ids & self.done_ids)

    @property
    def percent(self) -> int:
        if not self.required_ids:
            return 0
        return round(100 * self.required_done / len(self.required_ids))

    @property
    def minutes(self) -> int:
        return sum(lesson.minutes for lesson in self.lessons)

    def next_lesson(self) -> OutlineLesson | None:
        """Where to pick up: the first lesson not done yet, preferring required ones."""
        for lesson in self.lessons:
            if lesson.id in self.required_ids and lesson.id not in self.done_ids:
                return lesson
        for lesson in self.lessons:
            if lesson.id not in self.done_ids:
                return lesson
        return None

    def neighbours(self, lesson) -> tuple[OutlineLesson | None, OutlineLesson | None]:
        ids = [item.id for item in self.lessons]
        index = ids.index(lesson.id)
        previous = self.lessons[index - 1] if index > 0 else None
        following = self.lessons[index + 1] if index + 1 < len(self.lessons) else None
        return previous, following


# Built once: the outline and the lesson page are read on every learner page, and building
# a statement costs more than running it. ``user_id`` 0 matches nobody (anonymous).
_PROGRESS = LessonProgress.__table__
_OUTLINE = (
    select(
        Module.id, Module.slug, Module.title, Module.title_en,
        Lesson.id, Lesson.slug, Lesson.title, Lesson.title_en, Lesson.minutes, Lesson.required,
        Lesson.version_number, _PROGRESS.c.id.is_not(None),
    )
    .select_from(Module)
    .outerjoin(Lesson, (Lesson.module_id == Module.id) & Lesson.retired_at.is_(None))
    .outerjoin(
        _PROGRESS, (_PROGRESS.c.lesson_id == Lesson.id) & (_PROGRESS.c.user_id == bindparam("user_id"))
    )
    .where(Module.course_id == bindparam("course_id"), Module.retired_at.is_(None))
    .order_by(Module.position, Module.id, Lesson.position, Lesson.id)
)


def _user_id(user) -> int:
    return user.id if user is not None and user.is_authenticated else 0


def outline(course: Course, user=None) -> Outline:
    """Active modules and lessons in order, with the lessons the user has finished.

    One query of plain rows (no ORM objects), the user's progress joined in.
    """
    modules: list[tuple[OutlineModule, list[OutlineLesson]]] = []
    ordered: list[OutlineLesson] = []
    done: set[int] = set()
    current_id = None
    rows = tuple(tuple(row) for row in plain_rows(_OUTLINE, {"course_id": course.id, "user_id": _user_id(user)}))
    for m_id, m_slug, m_title, m_title_en, l_id, *lesson_values, is_done in rows:
        if m_id != current_id:
            modules.append((OutlineModule(m_id, m_slug, m_title, m_title_en), []))
            current_id = m_id
        if l_id is not None:
            lesson = OutlineLesson(l_id, m_id, *lesson_values)
            modules[-1][1].append(lesson)
            ordered.append(lesson)
            if is_done:
                done.add(l_id)
    return Outline(modules, ordered, done, required_ids(course, ordered), rows)


def required_ids(course: Course, lessons) -> set[int]:
    """The active lessons that count for completion (the same rule as required_lessons_query)."""
    rule = (course.completion or {}).get("lessons", "required")
    if rule == "all":
        return {lesson.id for lesson in lessons}
    if isinstance(rule, list):
        return {lesson.id for lesson in lessons if lesson.slug in rule}
    return {lesson.id for lesson in lessons if lesson.required}


def get_lesson(course: Course, slug: str) -> Lesson | None:
    """An active lesson of the course, with its current version loaded in the same query."""
    return db.session.scalar(
        select(Lesson)
        .options(joinedload(Lesson.current_version))
        .where(Lesson.course_id == course.id, Lesson.slug == slug, Lesson.retired_at.is_(None))
    )


@dataclass(frozen=True, slots=True)
class LessonPage:
    course: Course
    lesson: Lesson | None
    version: LessonVersion | None
    enrolled: bool


_LESSON_PAGE = (
    select(Course, Lesson, LessonVersion, Enrolment.id.is_not(None))
    .outerjoin(
        Lesson,
        (Lesson.course_id == Course.id) & (Lesson.slug == bindparam("lesson_slug")) & Lesson.retired_at.is_(None),
    )
    .outerjoin(
        LessonVersion,
        (LessonVersion.lesson_id == Lesson.id) & (LessonVersion.number == Lesson.version_number),
    )
    .outerjoin(Enrolment, (Enrolment.course_id == Course.id) & (Enrolment.user_id == bindparam("user_id")))
    .where(Course.slug == bindparam("course_slug"))
)


def lesson_page(course_slug: str, lesson_slug: str, user) -> LessonPage | None:
    """The course, the active lesson, its current version and the user's enrolment, in one query.

    None when there is no such course; ``lesson`` is None when the course has no such
    active lesson.
    """
    row = db.session.execute(
        _LESSON_PAGE, {"course_slug": course_slug, "lesson_slug": lesson_slug, "user_id": _user_id(user)}
    ).first()
    if row is None:
        return None
    return LessonPage(*row)




_COURSE_PAGE = (
    select(Course, Enrolment, CourseCompletion)
    .outerjoin(Enrolment, (Enrolment.course_id == Course.id) & (Enrolment.user_id == bindparam("user_id")))
    .outerjoin(
        CourseCompletion,
        (CourseCompletion.course_id == Course.id) & (CourseCompletion.person_id == bindparam("person_id")),
    )
    .where(Course.slug == bindparam("course_slug"))
)


def course_page(course_slug: str, user) -> tuple[Course, Enrolment | None, CourseCompletion | None] | None:
    """The course, the user's enrolment in it and the user's completion of it, in one query;
    None when there is no such course."""
    person_id = getattr(user, "person_id", None) if getattr(user, "is_authenticated", False) else None
    row = db.session.execute(
        _COURSE_PAGE, {"course_slug": course_slug, "user_id": _user_id(user), "person_id": person_id or 0}
    ).first()
    return None if row is None else tuple(row)


def enrolled_course_ids(user) -> set[int]:
    return set(db.session.scalars(select(Enrolment.course_id).where(Enrolment.user_id == user.id)))


_ENROLLED_LESSONS = (
    select(Lesson.id, Lesson.course_id, Lesson.slug, Lesson.required, _PROGRESS.c.id.is_not(None))
    .join(Enrolment, Enrolment.course_id == Lesson.course_id)
    .outerjoin(_PROGRESS, (_PROGRESS.c.lesson_id == Lesson.id) & (_PROGRESS.c.user_id == Enrolment.user_id))
    .where(Enrolment.user_id == bindparam("user_id"), Lesson.retired_at.is_(None))
)


_MY_ENROLMENTS = (
    select(Enrolment, Course).join(Course, Course.id == Enrolment.course_id)
    .where(Enrolment.user_id == bindparam("user_id"))
    .order_by(Enrolment.enrolled_at.desc(), Enrolment.id.desc())
)
_MY_COMPLETIONS = (
    select(CourseCompletion, Course).join(Course, Course.id == CourseCompletion.course_id)
    .where(CourseCompletion.person_id == bindparam("person_id"))
    .order_by(CourseCompletion.completed_at.desc())
)


def my_learning(user, completed: list[CourseCompletion] | None = None
                ) -> list[tuple[Course, Enrolment, int, int, CourseCompletion | None]]:
    """Each enrolled course with (required done, required total) and the completion if any.

    Three queries whatever the number of courses (this is the learner's home page); two
    when the user's completions are given (``completed_courses``).
    """
    enrolments = db.session.execute(_MY_ENROLMENTS, {"user_id": user.id}).all()
    if not enrolments:
        return []
    lessons: dict[int, list[tuple[int, str, bool]]] = {}
    done: set[int] = set()
    for lesson_id, course_id, slug, required, is_done in plain_rows(_ENROLLED_LESSONS, {"user_id": user.id}):
        lessons.setdefault(course_id, []).append(_RequiredView(lesson_id, slug, required))
        if is_done:
            done.add(lesson_id)
    if completed is None:
        completed = completed_courses(user)
    completions = {c.course_id: c for c in completed}
    rows = []
    for enrolment, course in enrolments:
        required = required_ids(course, lessons.get(course.id, []))
        rows.append((course, enrolment, len(required & done), len(required), completions.get(course.id)))
    return rows


@dataclass(frozen=True, slots=True)
class _RequiredView:
    id: int
    slug: str
    required: bool


def completed_courses(user) -> list[CourseCompletion]:
    """The user's completions, latest first, each with its course loaded (one query)."""
    if user.person_id is None:
        return []
    return [completion for completion, _course in
            db.session.execute(_MY_COMPLETIONS, {"person_id": user.person_id})]


def learners(course: Course, viewer) -> list[tuple[User, Enrolment, int, CourseCompletion | None]]:
    """Enrolled users with their count of required lessons done.

    Trainers and administrators see every learner of a course; managers only the people
    of their area (the registry's person scope).
    """
    required = required_lessons_query(course).subquery()
    done_counts = (
        select(LessonProgress.user_id, func.count().label("done"))
        .where(LessonProgress.lesson_id.in_(select(required.c.id)))
        .group_by(LessonProgress.user_id)
        .subquery()
    )
    stmt = (
        select(User, Enrolment, func.coalesce(done_counts.c.done, 0), CourseCompletion)
        .join(Enrolment, Enrolment.user_id == User.id)
        .join(Person, Person.id == User.person_id)
        .outerjoin(done_counts, done_counts.c.user_id == User.id)
        .outerjoin(
            CourseCompletion,
            (CourseCompletion.person_id == User.person_id) & (CourseCompletion.course_id == course.id),
        )
        .where(Enrolment.course_id == course.id)
        .order_by(User.display_name)
    )
    if not viewer.has_role(TRAINER, ADMIN):
        stmt = stmt.where(person_scope(viewer))
    return [tuple(row) for row in db.session.execute(stmt)]


def required_total(course: Course) -> int:
    required = required_lessons_query(course).subquery()
    return db.session.scalar(select(func.count()).select_from(required)) or 0


def unmet_prerequisites(user, course: Course) -> list[Course]:
    if not course.prerequisites:
        return []
    done = set()
    if user.person_id is not None:
        done = set(db.session.scalars(
            select(CourseCompletion.course_id).where(CourseCompletion.person_id == user.person_id)
        ))
    return [p for p in course.prerequisites if p.id not in done]


def _visible_users(viewer):
    stmt = select(User).join(Person, Person.id == User.person_id).where(User.active.is_(True))
    if not viewer.has_role(TRAINER, ADMIN):
        stmt = stmt.where(person_scope(viewer))
    return stmt


def find_users(viewer, q: str | None, course: Course, limit: int = 30) -> list[tuple[User, bool]]:
    """Accounts matching a name, e-mail or phone that the viewer may enrol, with "already enrolled"."""
    from lms.core.phone import normalize_phone

    needle = (q or "").strip()[:100]
    if not needle:
        return []
    phone = normalize_phone(needle)
    like = f"%{needle.lower()}%"
    condition = func.lower(User.display_name).contains(needle.lower(), autoescape=True) | \
        func.lower(Person.full_name).contains(needle.lower(), autoescape=True) | \
        func.lower(User.email).like(like)
    if phone:
        condition = condition | (User.phone == phone)
    users = db.session.scalars(_visible_users(viewer).where(condition).order_by(User.display_name).limit(limit)).all()
    enrolled = set(db.session.scalars(
        select(Enrolment.user_id).where(Enrolment.course_id == course.id, Enrolment.user_id.in_([u.id for u in users]))
    ))
    return [(user, user.id in enrolled) for user in users]


def logins_of(viewer, user_ids: list[int]) -> list[str]:
    """The logins of the selected accounts the viewer may see (others are ignored)."""
    if not user_ids:
        return []
    users = db.session.scalars(_visible_users(viewer).where(User.id.in_(user_ids[:500]))).all()
    return [user.login_name for user in users]


def lesson_history(lesson) -> list[dict]:
    """Every version of a lesson, newest first: who, when, and the lines changed from the one before."""
    import difflib

    from lms.auth.models import User
    from lms.catalog.models import LessonVersion

    rows = db.session.execute(
        select(LessonVersion, User.display_name).outerjoin(User, User.id == LessonVersion.created_by_id)
        .where(LessonVersion.lesson_id == lesson.id).order_by(LessonVersion.number)
    ).all()
    history, previous = [], ""
    for version, author in rows:
        diff = list(difflib.unified_diff(previous.splitlines(), version.body_md.splitlines(), lineterm="", n=1))[2:]
        history.append({
            "number": version.number, "created_at": version.created_at, "author": author,
            "added": sum(1 for d in diff if d.startswith("+")), "removed": sum(1 for d in diff if d.startswith("-")),
            "diff": diff[:400], "current": version.number == lesson.version_number,
        })
        previous = version.body_md
    return history[::-1]

"""The bundled OCOP curriculum: its shape, its quizzes, its requirements, and a learner
finishing each course and its final quiz through the web pages."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from lms.assessments.models import Attempt, Quiz
from lms.assessments.questions import answerable_pairs, right_pool
from lms.assessments.services import active_questions, question_spec
from lms.catalog.models import Course, CourseCompletion, Lesson
from lms.core.groups import TARGET_GROUPS
from lms.extensions import db
from tests.support.client import login, post_form

REPO = Path(__file__).resolve().parents[2]
COURSES = ["quan-tri-san-xuat-kinh-doanh", "tieu-chi-ocop-ho-so", "quan-ly-nha-nuoc-ocop", "phap-ly-kinh-doanh-so-ocop"]
FINAL_QUIZ = {
    "quan-tri-san-xuat-kinh-doanh": "quan-tri-cuoi-khoa",
    "tieu-chi-ocop-ho-so": "tieu-chi-cuoi-khoa",
    "quan-ly-nha-nuoc-ocop": "quan-ly-nha-nuoc-cuoi-khoa",
    "phap-ly-kinh-doanh-so-ocop": "phap-ly-cuoi-khoa",
}


@pytest.fixture
def curriculum(app, runner):
    result = runner.invoke(args=["lms", "import-courses"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["lms", "import-quizzes"])
    assert result.exit_code == 0, result.output


def test_one_bank_is_kept_in_gift():
    settings = yaml.safe_load((REPO / "quizzes" / "tieu-chi-cuoi-khoa.yaml").read_text("utf-8"))
    assert settings["questions_file"].endswith(".gift")
    assert (REPO / "quizzes" / settings["questions_file"]).is_file()


def test_requirements_name_every_group_and_existing_courses():
    data = yaml.safe_load((REPO / "courses" / "requirements.yaml").read_text("utf-8"))
    primary = data["sets"][data["primary"]]
    assert primary["target_percent"] == 100 and primary["deadline"] and primary["milestones"]
    assert set(primary["groups"]) == set(TARGET_GROUPS)
    for spec in data["sets"].values():
        for courses in spec["groups"].values():
            required = courses if isinstance(courses, list) else courses["required"]
            recommended = [] if isinstance(courses, list) else courses.get("recommended", [])
            assert required and all((REPO / "courses" / slug / "course.md").is_file()
                                    for slug in required + recommended)
    # The fourth course is placed in the sets: required of cooperative and household leaders.
    assert "phap-ly-kinh-doanh-so-ocop" in primary["groups"]["household_head"]["required"]


def _right_answers(app, attempt_id: int) -> dict[str, object]:
    """Form values that answer every question of an attempt fully right."""
    form: dict[str, object] = {}
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        for slot, entry in enumerate(attempt.layout, start=1):
            from lms.assessments.models import Question

            spec = question_spec(db.session.get(Question, entry["q"]))
            name = f"s{slot}"
            choices = entry.get("choices") or []
            if spec.qtype == "truefalse":
                form[name] = "true" if spec.correct else "false"
            elif choices and spec.qtype == "multiple":
                form[name] = [str(p) for p, original in enumerate(choices) if spec.choices[original].fraction > 0]
            elif choices:
                form[name] = next(str(p) for p, original in enumerate(choices)
                                  if spec.choices[original].fraction == 1.0)
            elif spec.qtype == "numeric":
                best = next(a for a in spec.numeric_answers if a.fraction == 1.0 and a.value is not None)
                form[name] = repr(best.value)
            elif spec.qtype in {"short", "missingword"}:
                form[name] = next(c.text for c in spec.choices if c.fraction == 1.0).replace("*", "x")
            elif spec.qtype == "matching":
                pool = entry.get("pool") or list(range(len(right_pool(spec))))
                rights = right_pool(spec)
                for i in answerable_pairs(spec):
                    form[f"{name}_{i}"] = str(next(p for p, original in enumerate(pool)
                                                   if rights[original] == spec.pairs[i].right))
            elif spec.qtype == "essay":
                form[name] = "Bài viết."
    return form


@pytest.mark.parametrize("slug", COURSES)
def test_a_learner_finishes_the_course_and_its_final_quiz(app, client, curriculum, make_user, slug):
    learner = make_user(email="hoc-vien@example.vn")
    login(client, "hoc-vien@example.vn")
    _take_course(app, client, slug, learner.person_id)


def _take_course(app, client, slug: str, person_id: int) -> None:
    """Enrol, mark every required lesson done, pass the final quiz: all through the pages."""
    post_form(client, f"/courses/{slug}/enrol", {}, token_from=f"/courses/{slug}")
    with app.app_context():
        course_id = db.session.scalar(select(Course.id).filter_by(slug=slug))
        lessons = db.session.scalars(select(Lesson.slug).filter_by(course_id=course_id, required=True)).all()
    for lesson in lessons:
        response = post_form(client, f"/courses/{slug}/lessons/{lesson}/done", {},
                             token_from=f"/courses/{slug}/lessons/{lesson}")
        assert response.status_code == 302
    with app.app_context():  # lessons alone are not enough: the final quiz is required
        assert db.session.scalar(select(CourseCompletion).filter_by(person_id=person_id,
                                                                    course_id=course_id)) is None

    quiz = FINAL_QUIZ[slug]
    response = post_form(client, f"/quizzes/{quiz}/start", {}, token_from=f"/quizzes/{quiz}")
    attempt_id = int(response.headers["Location"].rsplit("/", 1)[1])
    html = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    seq = re.search(r'name="seq" type="hidden" value="(\d+)"', html).group(1)
    answers = _right_answers(app, attempt_id)
    response = post_form(client, f"/attempts/{attempt_id}", {**answers, "seq": seq, "action": "save"},
                         token_from="/account")
    assert response.status_code == 302
    response = post_form(client, f"/attempts/{attempt_id}/submit", {}, token_from="/account")
    assert response.status_code == 302
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        assert attempt.passed is True and attempt.score == pytest.approx(100.0), attempt.score
        completion = db.session.scalar(select(CourseCompletion).filter_by(person_id=person_id,
                                                                          course_id=course_id))
        assert completion is not None and completion.via == "online"


def test_a_household_head_takes_the_fourth_course_and_coverage_counts_it(app, client, curriculum, make_user):
    """The fourth course end to end for a household head of the demo province: the course page,
    every lesson, the final quiz, then the learner's certificates and coverage (primary set)."""
    from lms.coverage import queries
    from lms.coverage import services as coverage_services
    from lms.registry.models import Person
    from tests.support import registry as r

    slug = "phap-ly-kinh-doanh-so-ocop"
    learner = make_user(phone="0912000444", name="Trần Thị Hoa")
    with app.app_context():
        r.load_test_units()
        coverage_services.seed_requirements()
        person = db.session.get(Person, learner.person_id)
        person.target_group, person.unit_id = "household_head", r.unit(r.HOME_COMMUNE).id
        db.session.commit()
    login(client, "0912000444")
    page = client.get(f"/courses/{slug}").get_data(as_text=True)
    assert "Pháp lý" in page
    _take_course(app, client, slug, learner.person_id)
    with app.app_context():
        completion = db.session.scalar(select(CourseCompletion).filter_by(person_id=learner.person_id))
        assert completion.course_version == "1"
        person = db.session.get(Person, learner.person_id)
        missing = queries.missing_for([person], queries.local_today())[person.id]
        assert missing == ["quan-tri-san-xuat-kinh-doanh", "tieu-chi-ocop-ho-so"]
    mine = client.get("/my/certificates")
    assert mine.status_code == 200 and "Pháp lý" in mine.get_data(as_text=True)


def test_a_category_draw_over_200_attempts_takes_the_set_count_from_every_category(app, curriculum, make_user):
    """The per-category draw through the service learners use (preview attempts, so the
    attempt limit does not stop the loop): every attempt has exactly the set count from each
    category, and over 200 attempts every question of a category turns up."""
    from lms.assessments.models import Question
    from lms.assessments.services import start_attempt, submit_attempt

    staff = make_user(email="gv@example.vn", roles=("trainer",))
    with app.app_context():
        quiz = db.session.scalar(select(Quiz).filter_by(slug="phap-ly-cuoi-khoa"))
        user = db.session.merge(staff)
        seen: dict[str, set[int]] = {}
        for _ in range(200):
            attempt = start_attempt(user, quiz, preview=True)
            ids = [entry["q"] for entry in attempt.layout]
            counts = Counter(db.session.get(Question, qid).category for qid in ids)
            assert dict(counts) == quiz.draw, counts
            for qid in ids:
                seen.setdefault(db.session.get(Question, qid).category, set()).add(qid)
            submit_attempt(attempt)
            db.session.commit()
        pool = Counter(q.category for q in active_questions(quiz))
        assert {category: len(ids) for category, ids in seen.items()} == dict(pool)


def test_a_draw_larger_than_its_category_is_an_import_error_naming_the_line(tmp_path):
    from lms.assessments.questions import QuizFileError
    from lms.assessments.quizfile import load_quiz_file

    text = (REPO / "quizzes" / "phap-ly-cuoi-khoa.yaml").read_text("utf-8")
    text = text.replace("kinh-doanh-so: 3}", "kinh-doanh-so: 30}")
    path = tmp_path / "phap-ly-cuoi-khoa.yaml"
    path.write_text(text, "utf-8")
    line = next(n for n, row in enumerate(text.splitlines(), start=1) if row.startswith("draw:"))
    with pytest.raises(QuizFileError) as info:
        load_quiz_file(path)
    messages = str(info.value).splitlines()
    assert any(f":{line}:" in m and "30 from 'kinh-doanh-so', but it has only" in m for m in messages), messages

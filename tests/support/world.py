"""Two areas with a learner, a manager and their objects each, for object-level tests.

Commune X (Phường Đồng Hới, formerly in the Đồng Hới district) and commune Y (Xã Hoàn Lão,
formerly in the Bố Trạch district), both in the 2025 province 44 (Quảng Trị), from the
bundled unit lists. Actors (logins ``<actor>@example.vn``):

- ``learner_a``: a cooperative leader of an organisation in X; ``learner_b`` the same in Y;
- ``trainer``: assigned X, teaches class X (not class Y);
- ``manager_x`` assigned X, ``manager_y`` assigned Y; ``admin``; and ``anonymous``.

Each learner has an enrolment, a submitted attempt (with an essay awaiting marking) and an
open one, a certificate, a completion waiting for a certificate issued by hand, a class of
their commune with them on its roster and a mark, and their person and organisation in
the registry. Each manager has an API token and an uploaded import waiting for
confirmation. Everything is made through the services, as the app would.
"""

from __future__ import annotations

import tempfile
from datetime import date, time
from pathlib import Path

from sqlalchemy import select

from tests.support.client import login
from tests.support.courses import run_import, write_course
from tests.support.users import PASSWORD

ACTORS = ("anonymous", "learner_a", "learner_b", "trainer", "manager_x", "manager_y", "admin")
SIDES = ("a", "b")  # learner A's objects live in X, learner B's in Y

X_CODE = "18880"  # 2025 Phường Đồng Hới (legacy district 450, Thành phố Đồng Hới)
Y_CODE = "19111"  # 2025 Xã Hoàn Lão (legacy district 455, Huyện Bố Trạch)
PROVINCE = "44"

# Strings that only the people allowed to see an object may find in a response.
NAMES = {"a": "Lê Thị Alpha", "b": "Trần Văn Beta"}
ORG_NAMES = {"a": "HTX Alpha Xanh", "b": "HTX Beta Đỏ"}
CLASS_TITLES = {"a": "Lớp Alpha", "b": "Lớp Beta"}

COURSE = "obj-course"  # enrolled, with the quiz
EXTRA_COURSE = "obj-extra"  # open for self-enrolment, nobody enrolled
CERT_COURSE = "obj-cert"  # completed by both: certificates issued automatically
MANUAL_COURSE = "obj-manual"  # completed by both: certificates to issue by hand
CLASS_COURSE = "obj-class"  # the classes' course
REQUIRED_COURSE = "obj-required"  # what cooperative leaders must complete (nobody has)
QUIZ = "obj-quiz"

_QUIZ_YAML = f"""\
title: Kiểm tra đối tượng
course: {COURSE}
shuffle_questions: false
questions:
  - {{id: a, type: truefalse, text: "Đúng?", answer: true}}
  - {{id: b, type: essay, text: "Viết."}}
"""

_COURSE_META = """\
title: Khóa học đối tượng
summary: Kiểm thử quyền
audience: [cooperative_leader]
hours: 2
completion:
  lessons: required
self_enrol: true
"""


def _import_courses(app) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folders = [write_course(Path(tmp), slug, course_meta=_COURSE_META) for slug in (COURSE, EXTRA_COURSE)]
        result = run_import(app.test_cli_runner(), *folders)
        assert result.exit_code == 0, result.output


def build(app) -> dict:
    """Create the world; returns ids, codes and secrets by name (see the module docstring)."""
    from lms.apitokens import services as token_services
    from lms.assessments import services as quiz_services
    from lms.assessments.models import AttemptAnswer, Question, Quiz
    from lms.auth import services as auth_services
    from lms.catalog import services as catalog_services
    from lms.catalog.models import Course, Lesson
    from lms.certification import services as cert_services
    from lms.certification.models import Certificate
    from lms.classes import services as class_services
    from lms.coverage import services as coverage_services
    from lms.extensions import db
    from lms.registry import services as registry_services
    from lms.registry.models import AdminUnit, ImportBatch, Organisation

    _import_courses(app)
    w: dict = {}
    with app.app_context():
        registry_services.load_units(province=PROVINCE)

        def unit(code, scheme="2025"):
            return db.session.scalar(select(AdminUnit).where(AdminUnit.scheme == scheme, AdminUnit.code == code))

        units = {"a": unit(X_CODE), "b": unit(Y_CODE)}
        for side, u in units.items():
            w[f"unit_{side}"] = u.id
            w[f"unit_code_{side}"] = u.code
            legacy = db.session.scalar(
                select(AdminUnit).where(AdminUnit.scheme == "legacy", AdminUnit.level == "commune",
                                        AdminUnit.new_commune_id == u.id).order_by(AdminUnit.code)
            )
            w[f"legacy_code_{side}"] = legacy.code

        def user(actor, roles, name):
            return auth_services.create_user(name=name, email=f"{actor}@example.vn", roles=roles, password=PASSWORD)

        people = {
            "learner_a": user("learner_a", ["learner"], NAMES["a"]),
            "learner_b": user("learner_b", ["learner"], NAMES["b"]),
            "trainer": user("trainer", ["trainer"], "Giảng viên Một"),
            "manager_x": user("manager_x", ["manager"], "Quản lý Xã Một"),
            "manager_y": user("manager_y", ["manager"], "Quản lý Xã Hai"),
            "admin": user("admin", ["admin"], "Quản trị viên"),
        }
        db.session.flush()
        for actor, u in people.items():
            w[f"user_{actor}"] = u.id
        for side, code in (("a", "3200000101"), ("b", "3200000102")):
            org = Organisation(code=code, name=ORG_NAMES[side], org_type="cooperative", unit_id=units[side].id,
                               joined_year=2020)
            db.session.add(org)
            db.session.flush()
            learner = people[f"learner_{side}"]
            learner.person.unit_id = units[side].id
            learner.person.organisation_id = org.id
            learner.person.target_group = "cooperative_leader"
            learner.person.national_id = f"04400000010{SIDES.index(side)}"
            w[f"org_{side}"] = org.id
            w[f"person_{side}"] = learner.person_id
        registry_services.assign_unit(people["trainer"], units["a"])
        registry_services.assign_unit(people["manager_x"], units["a"])
        registry_services.assign_unit(people["manager_y"], units["b"])

        # Courses: enrolment in the quiz's course; completions for certificates.
        course = db.session.scalar(select(Course).where(Course.slug == COURSE))
        lesson = db.session.scalar(select(Lesson).where(Lesson.course_id == course.id).order_by(Lesson.position))
        w["lesson"] = lesson.slug
        extra = {}
        for slug in (CERT_COURSE, MANUAL_COURSE, CLASS_COURSE, REQUIRED_COURSE):
            extra[slug] = Course(slug=slug, title=f"Khóa {slug}", hours=4, published=True)
            db.session.add(extra[slug])
        db.session.flush()
        cert_services.set_auto_issue_vias(extra[MANUAL_COURSE], [])
        coverage_services.set_requirement("cooperative_leader", [REQUIRED_COURSE])
        for side in SIDES:
            learner = people[f"learner_{side}"]
            catalog_services.enrol(learner, course)
            catalog_services.record_completion(learner.person_id, extra[CERT_COURSE], via="online")
            pending, _new = catalog_services.record_completion(learner.person_id, extra[MANUAL_COURSE], via="class")
            w[f"pending_{side}"] = pending.id
            w[f"cert_{side}"] = db.session.scalar(
                select(Certificate.code).where(Certificate.person_id == learner.person_id)
            )

        # Quiz: a submitted attempt (essay waiting for marking) and an open one each.
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / f"{QUIZ}.yaml"
            path.write_text(_QUIZ_YAML, encoding="utf-8")
            quiz_services.import_quizzes([path])
        quiz = db.session.scalar(select(Quiz).where(Quiz.slug == QUIZ))
        for side in SIDES:
            learner = people[f"learner_{side}"]
            done = quiz_services.start_attempt(learner, quiz)
            quiz_services.save_answers(done, {1: "true", 2: f"Bài viết của {side.upper()}."}, 1)
            quiz_services.submit_attempt(done)
            opened = quiz_services.start_attempt(learner, quiz)
            w[f"done_{side}"], w[f"open_{side}"] = done.id, opened.id
            w[f"essay_{side}"] = db.session.scalar(
                select(AttemptAnswer.id).join(Question).where(AttemptAnswer.attempt_id == done.id,
                                                              Question.ident == "b")
            )
            # An essay draft in the open attempt: nobody but its learner may read it.
            quiz_services.save_answers(opened, {2: f"Bản nháp của {side.upper()}."}, 1)
            w[f"draft_{side}"] = db.session.scalar(
                select(AttemptAnswer.id).join(Question).where(AttemptAnswer.attempt_id == opened.id,
                                                              Question.ident == "b")
            )

        # Classes: class X taught by the trainer, class Y by nobody in the world.
        days = [(date(2026, 3, 10), time(7, 30), time(11, 30)), (date(2026, 3, 11), time(7, 30), time(11, 30))]
        for side, trainers in (("a", [people["trainer"].id]), ("b", [])):
            data = class_services.ClassData(
                course=extra[CLASS_COURSE], title=CLASS_TITLES[side], venue="Hội trường", unit_id=units[side].id,
                capacity=40, threshold_percent=50, posttest_required=False, pass_mark=70.0, quiz_id=None,
                days=list(days), trainer_ids=trainers,
            )
            training_class = class_services.save_class(None, data, actor=people["admin"])
            class_services.add_people(training_class, [w[f"person_{side}"]], actor=people["admin"])
            class_services.mark(training_class.days[0], w[f"person_{side}"], "present", actor=people["admin"])
            w[f"class_{side}"], w[f"day_{side}"] = training_class.id, training_class.days[0].id

        # Per-user objects of the managers: an API token and an import waiting for confirmation.
        for side, actor in (("a", "manager_x"), ("b", "manager_y")):
            token, secret = token_services.create_token(people[actor], f"Báo cáo {side}")
            w[f"token_{side}"], w[f"secret_{side}"] = token.id, secret
            batch = ImportBatch(user_id=people[actor].id, filename=f"{side}.csv", scheme="2025",
                                content=b"org_code,org_name,org_type,unit_code,leader_name\n")
            db.session.add(batch)
            db.session.flush()
            w[f"batch_{side}"] = batch.id
        db.session.commit()
    return w


def clients(app) -> dict:
    """One logged-in test client per actor (``anonymous``: none)."""
    result = {}
    for actor in ACTORS:
        client = app.test_client()
        if actor != "anonymous":
            response = login(client, f"{actor}@example.vn")
            assert response.status_code == 302, f"{actor} could not log in"
        result[actor] = client
    return result

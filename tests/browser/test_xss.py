"""Every user-visible text field filled with XSS vectors, rendered for each role in Chromium.

The vectors go in through the ordinary ways in: a course folder imported with
`flask lms import-courses` (course, module and lesson titles and Markdown), a quiz file
imported with `flask lms import-quizzes` (title, question text, choices, feedback, pairs
of every question type), the registry (unit, organisation, product and person names, an
official's agency and position), account names, the learner's own answers (short answer,
essay) and a trainer's marking comment, a face-to-face class (title, venue, roster of
hostile people, marks, scores), certificates (holder, course, issuer, signer, place,
decision number, correction note, revocation note), and uploaded files whose name and
cells are vectors (registry import preview, class sign-in sheet), and a vector in the
query string of the search pages (reflected). Then each role opens the pages that show
them; a few steps also submit a form in the browser (authoring previews, a check-in with
its flash message, a sign-in sheet upload, the switch to English) and the page it leads
to is checked too.

On every page: no dialog opens, ``window.__xss`` stays unset, the title is not replaced,
and no element carrying ``data-xss`` exists. Every page (but the few marked ``quiet``) must
also *show* vector text (escaped, as text, in the body, a form field or the title):
otherwise the test would pass on a page the seed does not reach, and prove nothing.

Data-driven: a new domain adds its vectors in ``seed`` and its pages to ``PAGES``.
"""

from __future__ import annotations

import csv
import io
import json
import textwrap
import urllib.parse
from dataclasses import dataclass
from datetime import datetime, time, timedelta

import pytest
from sqlalchemy import select

from lms.extensions import db
from tests.support.client import login, post_form
from tests.support.users import PASSWORD

MARK = "XSSMARK"
VECTORS = [
    f'<script data-xss>window.__xss = "script"; document.title = "{MARK}"</script>{MARK}',
    f'<img src=x onerror="window.__xss = \'img\'" data-xss>{MARK}',
    f'"><svg onload="window.__xss = \'svg\'" data-xss>{MARK}',
    f"'><iframe srcdoc=\"<script>parent.__xss='iframe'</script>\" data-xss></iframe>{MARK}",
    f'<a href="javascript:window.__xss=\'href\'" data-xss>{MARK}</a>',
    f'<details open ontoggle="window.__xss = \'toggle\'" data-xss>{MARK}</details>',
    f'<title data-xss>{MARK}</title><style>body{{display:none}}</style>',
    f'{{{{ 7*7 }}}} {{% raw %}} <math><mi xlink:href="javascript:window.__xss=1" data-xss>{MARK}</mi></math>',
]
V = VECTORS
# An uploaded file's name is shown back (as the sheet name of a CSV file): no "/" (the
# reader keeps what follows the last one) and no double quote (multipart escapes it).
FILE_VECTOR = f"<img src=x onerror=window.__xss=1 data-xss>{MARK}'><b data-xss>{MARK}"


def _text(i: int) -> str:
    return VECTORS[i % len(VECTORS)]


def _markdown() -> str:
    return "\n\n".join([
        "## " + V[0],
        V[1],
        V[2],
        f"[click](javascript:window.__xss='md-link') and [x](JaVaScRiPt:window.__xss=2) {MARK}",
        "![img](x\" onerror=\"window.__xss='md-img')",
        "<div data-xss onclick=\"window.__xss='div'\">" + MARK + "</div>",
        V[5],
        V[7],
        "```html\n" + V[0] + "\n```",
    ])


def _course_folder(root):
    folder = root / "xss"
    (folder / "01-mod").mkdir(parents=True)
    meta = textwrap.dedent(f"""\
        title: {json.dumps(V[1])}
        title_en: {json.dumps(V[2])}
        summary: {json.dumps(V[0])}
        audience: [household_head]
        hours: 1
        completion:
          lessons: required
        self_enrol: true
        """)
    (folder / "course.md").write_text(f"---\n{meta}---\n{_markdown()}\n", "utf-8")
    (folder / "01-mod" / "module.md").write_text(f"---\ntitle: {json.dumps(V[3])}\n---\n{_markdown()}\n", "utf-8")
    (folder / "01-mod" / "01-mot.md").write_text(
        f"---\ntitle: {json.dumps(V[4])}\nminutes: 1\n---\n{_markdown()}\n", "utf-8")
    (folder / "01-mod" / "02-hai.md").write_text(
        f"---\ntitle: {json.dumps(V[5])}\nminutes: 1\n---\n{_markdown()}\n", "utf-8")
    return folder


def _quiz_file(root):
    questions = []
    for i, kind in enumerate(("single", "single", "multiple")):
        choices = [{"text": _text(i + 1), "correct": True, "feedback": _text(i + 2)},
                   {"text": _text(i + 3), "feedback": _text(i + 4)}]
        if kind == "multiple":
            choices.append({"text": _text(i + 5), "correct": True})
        questions.append({"id": f"q{i}", "type": kind, "text": _markdown() if i == 0 else _text(i),
                          "feedback": _text(i + 6), "choices": choices, "tags": [_text(i), _text(i + 1)]})
    questions += [
        {"id": "short", "type": "short", "text": _text(6), "feedback": _text(7),
         "answers": ["ocop", {"text": V[4], "weight": 100, "feedback": _text(3)}]},
        {"id": "tf", "type": "truefalse", "text": V[5], "answer": True, "feedback_true": V[6],
         "feedback_false": V[7]},
        {"id": "num", "type": "numeric", "text": V[0], "feedback": V[1],
         "numeric": [{"value": 42, "tolerance": 0, "weight": 100, "feedback": V[2]}]},
        {"id": "match", "type": "matching", "text": V[3], "feedback": V[4],
         "pairs": [{"left": V[5], "right": V[6]}, {"left": V[7], "right": V[0]}, {"left": V[1], "right": V[2]}]},
        {"id": "essay", "type": "essay", "text": V[6], "feedback": V[7]},
        {"id": "info", "type": "description", "text": V[2]},
    ]
    spec = {"title": V[6], "title_en": V[7], "course": "xss", "review": "answers_always", "max_attempts": 0,
            "shuffle_questions": False, "questions": questions}
    path = root / "xss.yaml"
    path.write_text(json.dumps(spec, ensure_ascii=False), "utf-8")
    return path


def _csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode("utf-8")


# --- seed ---------------------------------------------------------------------------------


def seed(app, runner, make_user, tmp_path) -> dict:
    """Vectors everywhere; returns the placeholders of PAGES."""
    from lms.auth.models import User
    from lms.catalog import services as catalog_services
    from lms.catalog.models import Course, CourseCompletion, Lesson, Module
    from lms.certification import services as cert_services
    from lms.certification.models import Certificate
    from lms.coverage import services as coverage_services
    from lms.registry import services as registry_services
    from lms.registry.models import Product
    from tests.support import registry as r

    result = runner.invoke(args=["lms", "import-courses", str(_course_folder(tmp_path))])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["lms", "import-quizzes", str(_quiz_file(tmp_path))])
    assert result.exit_code == 0, result.output

    learner = make_user(("learner",), email="learner@example.vn", name=V[1])
    trainer = make_user(("trainer",), email="trainer@example.vn", name=V[2])
    manager = make_user(("manager",), email="manager@example.vn", name=V[3])
    admin = make_user(("admin",), email="admin@example.vn", name=V[4])
    make_user(("learner",), email="other@example.vn", name=V[5])

    with app.app_context():
        r.load_test_units()
        commune = r.unit(r.HOME_COMMUNE)
        commune.name = V[6]
        r.unit(r.HOME).name = V[4]  # the province: coverage rows, unit trails, assignments
        organisation = r.org("XSS0001", name=V[7])
        db.session.add(Product(organisation_id=organisation.id, name=V[2], product_group=V[3][:100], stars=3,
                               rated_year=2024))
        person = r.person(V[0], "household_head", organisation=organisation)
        official = r.person(V[3], "official_commune", agency=V[4], position=V[5])
        bystander = r.person(V[2], "household_head", organisation=organisation)  # in the area, on no roster
        user = db.session.get(User, learner.id)
        user.person.unit_id = commune.id
        user.person.target_group = "household_head"
        user.person.organisation_id = organisation.id
        registry_services.assign_unit(db.session.get(User, manager.id), r.unit(r.HOME))
        registry_services.assign_unit(db.session.get(User, trainer.id), commune)
        # Household heads must take the course: the untrained ones are the gap list.
        coverage_services.set_requirement("household_head", ["xss"])
        # Requirement-set titles show on the dashboard's set switcher and the requirements page.
        coverage_services.update_set(coverage_services.find_set(), title=V[5], deadline=None)
        coverage_services.create_set("xss-plan", V[6])
        coverage_services.set_requirement("household_head", ["xss"], requirement="xss-plan")
        course = db.session.scalar(select(Course).where(Course.slug == "xss"))
        # Class completions wait for a certificate by hand (the pending list); online ones are automatic.
        cert_services.set_auto_issue_vias(course, ["online"])
        catalog_services.enrol(user, course)
        first = db.session.scalar(select(Lesson).where(Lesson.course_id == course.id).order_by(Lesson.position))
        catalog_services.mark_done(user, first)
        catalog_services.record_completion(person.id, course, via="class")
        catalog_services.record_completion(user.person_id, course, via="online")
        catalog_services.record_completion(official.id, course, via="online")
        db.session.flush()
        certificate = db.session.scalar(select(Certificate).where(Certificate.person_id == user.person_id))
        assert certificate is not None, "no certificate issued"
        cert_services.correct(certificate, {"issuer": V[5], "signer_title": V[6], "signer_name": V[7],
                                            "place": V[0], "decision_number": V[3]},
                              actor=db.session.get(User, admin.id), note=V[4])
        revoked = db.session.scalar(select(Certificate).where(Certificate.person_id == official.id))
        cert_services.revoke(revoked, reason="other", note=V[1], actor=db.session.get(User, admin.id))
        pending = db.session.scalar(select(CourseCompletion.id).where(CourseCompletion.person_id == person.id))
        db.session.commit()
        module = db.session.scalar(select(Module).where(Module.course_id == course.id))
        values = {"code": certificate.code, "revoked": revoked.code, "pending": pending, "course_id": course.id,
                  "person": person.id, "official": official.id, "org": organisation.id, "slug": "xss",
                  "lesson": first.slug, "lesson_id": first.id, "module_id": module.id, "user": learner.id,
                  "bystander": bystander.id}
        from lms.assessments.models import Quiz

        values["quiz"] = db.session.scalar(select(Quiz.slug).where(Quiz.course_id == course.id))

    # Search boxes echo the query string: a vector there (reflected, never stored).
    values["q"] = urllib.parse.quote(V[2])
    values.update(_seed_attempts(app, values["quiz"]))
    values.update(_seed_class(app, values, trainer=trainer, learner=learner))
    values.update(_seed_registry_imports(app))
    values.update(_seed_onboarding(app))
    # A code in the link of a QR code is shown back in the form (cut to 40 characters).
    values["code_vector"] = urllib.parse.quote(f'"><b data-xss>{MARK}')
    _seed_messages(app, values, learner=learner)
    values.update(_seed_data_request(app, learner))
    return values


def _seed_onboarding(app) -> dict:
    """Two hostile self-registrations in the manager's area: one to open, one to accept."""
    from lms.onboarding import services
    from tests.support import registry as r

    with app.app_context():
        ids = []
        for phone, name in (("0966000001", V[1]), ("0966000002", V[5])):
            request = services.submit_request(full_name=name, phone=phone, unit_id=r.unit(r.HOME_COMMUNE).id,
                                              org_code=None, is_official=True, agency=V[2], position=V[3])
            ids.append(request.id)
        db.session.commit()
    return {"request": ids[0], "request_accept": ids[1]}


def _seed_messages(app, values: dict, *, learner) -> None:
    """In-app notifications whose texts carry vectors, and a failed message with a hostile error."""
    from datetime import date

    from lms.auth.models import User
    from lms.messages import services
    from lms.messages.models import Message

    with app.app_context():
        user = db.session.get(User, learner.id)
        context = {"full_name": V[4], "title": V[0], "course": V[1], "venue": V[2], "cancelled": False,
                   "url": "https://x.vn/my/classes", "first_day": date(2026, 3, 10),
                   "days": [{"day": date(2026, 3, 10), "starts_at": "07:30", "ends_at": "11:30"}]}
        services.enqueue("class_notice", "class_new", user_id=user.id, person_id=user.person_id, context=context,
                         idempotency_key="xss:class")
        services.enqueue("reminder", "reminder_courses", user_id=user.id, person_id=user.person_id,
                         idempotency_key="xss:courses",
                         context={"full_name": V[5], "courses": [V[6], V[7]], "url": "https://x.vn/", "account_url":
                                  "https://x.vn/account", "deadline": None, "urgent": False, "number": 1,
                                  "days_left": None})
        failed = services.enqueue("class_notice", "class_new", person_id=values["person"], user_id=user.id,
                                  context=context, idempotency_key="xss:failed")
        db.session.flush()
        message = db.session.get(Message, failed.id)
        message.status, message.last_error = "failed", V[3]
        db.session.commit()


def _seed_data_request(app, learner) -> dict:
    """A request about the learner's data (in the manager's area), its text a vector."""
    from lms.privacy import services as privacy_services

    with app.app_context():
        user = db.session.get(type(learner), learner.id)
        request = privacy_services.submit_request(user, "correct", V[6])
        db.session.commit()
        return {"data_request": request.id}


def _answers(app, attempt_id: int) -> dict:
    """Form fields of the attempt page answering every question, the free text ones with vectors."""
    from lms.assessments import services
    from lms.assessments.models import Attempt
    from lms.assessments.questions import answerable_pairs

    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        questions = services.questions_of(attempt)
        fields: dict = {}
        for slot, entry in enumerate(attempt.layout, start=1):
            spec = services.question_spec(questions[entry["q"]])
            name = f"s{slot}"
            if spec.qtype == "single":
                fields[name] = "0"
            elif spec.qtype == "multiple":
                fields[name] = ["0", "1"]
            elif spec.qtype == "truefalse":
                fields[name] = "false"
            elif spec.qtype == "numeric":
                fields[name] = "42"
            elif spec.qtype == "matching":
                for i in answerable_pairs(spec):
                    fields[f"{name}_{i}"] = "0"
            elif spec.qtype in ("short", "essay"):
                fields[name] = V[slot % len(V)]
        return fields


def _seed_attempts(app, quiz: str) -> dict:
    """The learner's attempts: one marked by a trainer (comment), one waiting for marking, one open."""
    from lms.assessments.models import AttemptAnswer

    client = app.test_client()
    assert login(client, "learner@example.vn").status_code == 302
    ids = {}
    for name in ("graded", "submitted", "open"):
        response = post_form(client, f"/quizzes/{quiz}/start", {}, token_from=f"/quizzes/{quiz}")
        assert response.status_code == 302, response.status_code
        attempt_id = int(response.headers["Location"].rstrip("/").rsplit("/", 1)[-1])
        action = "save" if name == "open" else "submit"
        response = post_form(client, f"/attempts/{attempt_id}", {**_answers(app, attempt_id), "seq": "1",
                                                                 "action": action})
        assert response.status_code == 302, response.status_code
        ids[name] = attempt_id
    with app.app_context():
        essays = {a.attempt_id: a.id for a in db.session.scalars(
            select(AttemptAnswer).where(AttemptAnswer.needs_review.is_(True)))}
    assert set(essays) == {ids["graded"], ids["submitted"]}, essays
    staff = app.test_client()
    assert login(staff, "trainer@example.vn").status_code == 302
    response = post_form(staff, f"/marking/{essays[ids['graded']]}", {"points": "1", "comment": V[2]})
    assert response.status_code == 302, response.status_code
    return {**ids, "essay": essays[ids["submitted"]], "marked_essay": essays[ids["graded"]]}


def _seed_class(app, values: dict, *, trainer, learner) -> dict:
    """A running class with hostile title and venue, a hostile roster, marks and scores."""
    from lms.auth.models import User
    from lms.catalog.models import Course
    from lms.classes import services
    from lms.classes.models import RUNNING, ClassDay
    from lms.core.localtime import zone
    from lms.registry.models import Person
    from tests.support import registry as r

    with app.app_context():
        now = datetime.now(zone())
        past = now.date() - timedelta(days=2)
        # Check-in opens 30 minutes before a day starts: this day is open now, whatever the hour.
        today = (now + timedelta(minutes=30)).date()
        from lms.assessments.models import Quiz

        data = services.ClassData(
            course=db.session.get(Course, values["course_id"]), title=V[0], venue=V[2],
            unit_id=r.unit(r.HOME_COMMUNE).id, capacity=10, threshold_percent=50, posttest_required=True,
            pass_mark=50.0, quiz_id=db.session.scalar(select(Quiz.id).where(Quiz.slug == values["quiz"])),
            days=[(past, time(8, 0), time(11, 0)), (today, time(0, 0), time(23, 59))],
            trainer_ids=[trainer.id],
        )
        actor = db.session.get(User, trainer.id)
        training_class = services.save_class(None, data, actor=actor)
        learner_person = db.session.get(User, learner.id).person_id
        services.add_people(training_class, [values["person"], values["official"], learner_person], actor=actor)
        services.set_status(training_class, RUNNING, actor=actor)
        past_day = db.session.scalar(select(ClassDay).where(ClassDay.class_id == training_class.id, ClassDay.day == past))
        open_day = db.session.scalar(select(ClassDay).where(ClassDay.class_id == training_class.id, ClassDay.day == today))
        services.mark(past_day, values["person"], "present", actor=actor)
        services.mark(past_day, values["official"], "excused", actor=actor)
        services.set_paper_score(training_class, values["person"], 80.0, actor=actor)
        assert db.session.get(Person, values["bystander"]).unit_id == training_class.unit_id
        db.session.commit()
        return {"training_class": training_class.id, "day": past_day.id, "open_day": open_day.id, "checkin": open_day.checkin_code}


def _seed_registry_imports(app) -> dict:
    """A hostile CSV uploaded by the manager and by the administrator: the preview lists its errors."""
    from lms.registry.imports import COLUMNS
    from tests.support import registry as r

    header = list(COLUMNS["organizations"])
    row = {"org_code": "XSS0002", "org_name": V[0], "org_type": V[1], "unit_code": V[2][:10],
           "leader_name": V[3], "leader_phone": "0912345678", "leader_gender": V[5],
           "status": V[2], "joined_year": "2020"}
    rows = [header, [row.get(k, "") for k in header],
            [row.get(k, "") if k != "unit_code" else r.HOME_COMMUNE for k in header]]
    batches = {}
    for role in ("manager", "admin"):
        client = app.test_client()
        assert login(client, f"{role}@example.vn").status_code == 302
        response = post_form(client, "/registry/import",
                             {"file": (io.BytesIO(_csv(rows)), FILE_VECTOR + ".csv"), "scheme": "2025", "kind": ""},
                             content_type="multipart/form-data")
        assert response.status_code == 302, (role, response.status_code, response.get_data(as_text=True)[:2000])
        batches[f"batch_{role}"] = int(response.headers["Location"].rstrip("/").rsplit("/", 1)[-1])
    return batches


# --- steps done in the browser ---------------------------------------------------------------


def _submit(selector: str):
    def act(page):
        with page.expect_navigation() as navigation:
            page.click(selector)
        return navigation.value

    return act


def _upload_signin(page):
    """A sign-in sheet whose name and rows are vectors: nobody is found, the errors name the file."""
    data = _csv([["full_name", "organisation", "phone"], [V[0], V[7], ""], [V[3], V[4], V[1][:30]]])
    page.set_input_files("input[type=file]", {"name": FILE_VECTOR + ".csv", "mimeType": "text/csv",
                                              "buffer": data})
    return _submit("form[enctype] button[type=submit]")(page)


ACTIONS = {
    "accept": _submit("form[action$='/accept'] button[type=submit]"),
    "preview": _submit("button[name=action][value=preview]"),
    "check-in": _submit("main form button[type=submit]"),
    "english": _submit("button[name=lang][value=en]"),
    "upload-signin": _upload_signin,
}


@dataclass(frozen=True)
class Step:
    """Open ``path``; with ``action``, do it there and check the page it leads to instead.

    ``status``: of that last page; ``expect``: a CSS selector that page must have (the
    action did what it should); ``quiet``: the page shows no vector (a plain form).
    """

    path: str
    action: str | None = None
    status: int = 200
    expect: str | None = None
    quiet: bool = False


CLASS = "/classes/{training_class}"
CLASS_STAFF = [
    "/classes/", CLASS, CLASS + "/days/{day}", CLASS + "/days/{open_day}", CLASS + "/report", CLASS + "/scores",
    CLASS + "/print", CLASS + "/print?day={day}",
]

# Pages per role ({placeholders} from seed). Add a domain's pages here.
PAGES: dict[str, list[str | Step]] = {
    "learner": [
        "/", "/my-learning", "/courses", "/courses?q={q}", "/courses/{slug}", "/courses/{slug}/lessons/{lesson}", "/quizzes",
        "/quizzes/{quiz}", "/attempts/{open}", "/attempts/{open}/submit", "/attempts/{submitted}/review",
        "/attempts/{graded}/review", "/my/certificates", "/account", "/account/data", "/verify/{code}", "/my/classes",
        "/notifications",
        Step("/checkin/{checkin}", action="check-in", expect=".flash.success"),
        # The same learner in English: the English titles of the course and the quiz.
        Step("/courses/{slug}", action="english", expect="html[lang=en]"), "/my-learning", "/quizzes",
        "/attempts/{graded}/review",
    ],
    "trainer": [
        "/", "/author/courses", "/author/courses/{slug}", "/author/courses/{slug}/lessons/{lesson_id}",
        "/author/courses/{slug}/modules/{module_id}", "/author/courses/{slug}/lessons/{lesson_id}/history",
        Step("/author/courses/{slug}", action="preview", expect="section.preview"),
        Step("/author/courses/{slug}/modules/{module_id}", action="preview", expect="section.preview"),
        Step("/author/courses/{slug}/lessons/{lesson_id}", action="preview", expect="section.preview"),
        "/courses/{slug}/learners", "/quizzes/{quiz}/gradebook", "/quizzes/{quiz}/statistics", "/marking",
        "/marking/{essay}", "/marking/{marked_essay}", "/attempts/{graded}/review",
        "/courses/{slug}/lessons/{lesson}", "/certificates", "/certificates/pending",
        *CLASS_STAFF, "/classes/new", CLASS + "/edit", CLASS + "/people", CLASS + "/people?q={q}",
        CLASS + "/days/{day}/code", CLASS + "/people/gap", CLASS + "/finish", CLASS + "/people?here=1",
        Step(CLASS + "/signin", action="upload-signin", status=400, expect=".flash.error"),
    ],
    "manager": [
        "/", "/coverage/", "/coverage/gaps", "/registry/people", "/registry/people?q={q}", "/registry/people/{person}",
        "/registry/people/{official}", "/registry/organisations", "/registry/organisations?q={q}",
        "/registry/organisations/{org}",
        "/registry/import/{batch_manager}", "/certificates", "/certificates?q={q}", "/certificates/{code}", "/certificates/{revoked}",
        "/certificates/{code}/correct", "/certificates/{code}/revoke", "/certificates/pending",
        "/certificates/issue/{pending}", "/certificates/courses", "/certificates/courses/{course_id}",
        "/quizzes/{quiz}/gradebook", "/quizzes/{quiz}/statistics", *CLASS_STAFF, CLASS + "/people",
        "/registry/requests", "/registry/requests/{request}",
        Step("/registry/requests/{request_accept}", action="accept", expect=".slip"),
        "/coverage/gaps/remind",
        "/privacy/requests", "/privacy/requests/{data_request}", "/privacy/exports/gaps",
    ],
    "admin": [
        "/", "/admin/users", "/admin/users?q={q}", "/admin/users/{user}", "/registry/people", "/registry/people/{person}",
        "/registry/organisations/{org}", "/registry/assignments", "/registry/import/{batch_admin}",
        "/coverage/", "/coverage/gaps", "/coverage/gaps/remind", "/admin/messages", "/admin/messages?status=failed",
        "/coverage/requirements", "/coverage/requirements?set=xss-plan", "/coverage/?requirement=xss-plan",
        "/certificates", "/certificates/{code}", "/certificates/{revoked}", "/certificates/courses",
        "/certificates/pending", "/certificates/issue/{pending}",
        "/quizzes/{quiz}/gradebook", "/quizzes/{quiz}/statistics", "/marking", "/marking/{essay}",
        "/author/courses/{slug}",
        Step("/author/courses/{slug}/lessons/{lesson_id}", action="preview", expect="section.preview"),
        "/classes/", CLASS, CLASS + "/edit", CLASS + "/people", CLASS + "/report", CLASS + "/days/{day}",
        "/admin/audit", "/admin/audit?actor={q}&object={q}", "/admin/users/{user}?unit_q={q}", CLASS + "/finish",
        "/registry/requests", "/registry/requests/{request}",
        "/privacy/requests", "/privacy/requests/{data_request}",
    ],
    "anonymous": ["/verify/{code}", "/verify/{revoked}", Step("/login", quiet=True),
                  "/activate/{code_vector}", "/reset/{code_vector}", "/register", "/register?province=44",
                  "/register?q={q}",
                  Step("/forgot-password", quiet=True)],
}

PROBE = """() => ({
    xss: window.__xss === undefined ? null : String(window.__xss),
    parentXss: window.parent && window.parent.__xss !== undefined ? String(window.parent.__xss) : null,
    injected: document.querySelectorAll('[data-xss]').length,
    title: document.title,
    shown: [document.title, document.body ? document.body.innerText : '',
            ...Array.from(document.querySelectorAll('input, textarea'), e => e.value),
            ...Array.from(document.querySelectorAll('option'), e => e.textContent)]
        .some(t => t.includes('XSSMARK')),
    frames: document.querySelectorAll('iframe').length,
})"""


def _log_in(page, live_server: str, role: str) -> None:
    page.goto(live_server + "/login")
    page.fill("input[name=login]", f"{role}@example.vn")
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():  # not wait_for_load_state: the login page is loaded already
        page.click("form[action='/login'] button[type=submit], form:not([action]) button[type=submit]")
    assert "/login" not in page.url, f"{role} could not log in"


def test_xss_vectors_stay_text_for_every_role(browser, live_server, app, runner, make_user, tmp_path):
    values = seed(app, runner, make_user, tmp_path)
    problems: list[str] = []
    for role, steps in PAGES.items():
        context = browser.new_context(viewport={"width": 360, "height": 740})
        page = context.new_page()
        events: list[str] = []
        page.on("dialog", lambda dialog, events=events: (events.append(f"dialog {dialog.message}"),
                                                        dialog.dismiss()))
        page.on("pageerror", lambda exc, events=events: events.append(f"pageerror {exc}"))
        if role != "anonymous":
            _log_in(page, live_server, role)
        for step in steps:
            step = step if isinstance(step, Step) else Step(step)
            path = step.path.format(**values)
            where = f"{role} {path}" + (f" ({step.action})" if step.action else "")
            response = page.goto(live_server + path)
            if step.action:
                assert response is not None and response.status == 200, f"{where}: {response and response.status}"
                response = ACTIONS[step.action](page)
            assert response is not None and response.status == step.status, f"{where}: {response and response.status}"
            page.wait_for_timeout(50)  # let onload/ontoggle handlers fire, were there any
            probe = page.evaluate(PROBE)
            if probe["xss"] or probe["parentXss"]:
                problems.append(f"{where}: script ran ({probe['xss'] or probe['parentXss']})")
            if probe["injected"]:
                problems.append(f"{where}: {probe['injected']} injected element(s)")
            if MARK in probe["title"] and "&lt;" not in probe["title"] and "<" not in probe["title"]:
                problems.append(f"{where}: title replaced: {probe['title']!r}")
            if probe["frames"]:
                problems.append(f"{where}: an iframe appeared")
            if not step.quiet and not probe["shown"]:
                problems.append(f"{where}: shows no vector, so proves nothing (extend the seed)")
            if step.expect and page.query_selector(step.expect) is None:
                problems.append(f"{where}: {step.expect} missing: the step did not do what it should")
        problems.extend(f"{role}: {e}" for e in events)
        context.close()
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("vector", [*VECTORS, FILE_VECTOR])
def test_probe_catches_an_injected_vector(browser, vector):
    """The probe is not blind: each vector, injected raw into a page served with the app's
    Content-Security-Policy (which stops its script from running), still leaves an element
    the probe counts; without the policy its script runs or the element is there."""
    from lms.core.security import CONTENT_SECURITY_POLICY

    html = f"<html><head><title>t</title></head><body>{vector}</body></html>"
    page = browser.new_page()
    try:
        page.set_content(html)
        page.wait_for_timeout(50)
        probe = page.evaluate(PROBE)
        assert probe["xss"] or probe["injected"] or MARK in probe["title"], probe
        page.route("http://xss.invalid/", lambda route: route.fulfill(
            status=200, body=html, headers={"Content-Type": "text/html; charset=utf-8",
                                            "Content-Security-Policy": CONTENT_SECURITY_POLICY}))
        page.goto("http://xss.invalid/")
        page.wait_for_timeout(50)
        probe = page.evaluate(PROBE)
        assert probe["injected"], probe
    finally:
        page.close()

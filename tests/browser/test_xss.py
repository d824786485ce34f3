"""Every user-visible text field filled with XSS vectors, rendered for each role in Chromium.

The vectors go in through the ordinary ways in: a course folder imported with
`flask lms import-courses` (course, module and lesson titles and Markdown), a quiz file
imported with `flask lms import-quizzes` (title, question text, choices, feedback), the
registry (unit, organisation and person names), account names, and a certificate issued to
a person whose name is a vector. Then each role opens the pages that show them. On every
page: no dialog opens, ``window.__xss`` stays unset, the title is not replaced, and no
element carrying ``data-xss`` exists. Each role must also *see* vector text on some page
(escaped, as text): otherwise the test would pass on pages that show nothing.

Data-driven: a new domain (face-to-face classes) adds its vectors in ``seed`` and its
pages to ``PAGES``.
"""

from __future__ import annotations

import json
import textwrap

import pytest
from sqlalchemy import select

from lms.extensions import db
from tests.conftest import PASSWORD

MARK = "XSSMARK"
VECTORS = [
    f'<script>window.__xss = "script"; document.title = "{MARK}"</script>{MARK}',
    f'<img src=x onerror="window.__xss = \'img\'" data-xss>{MARK}',
    f'"><svg onload="window.__xss = \'svg\'" data-xss>{MARK}',
    f"'><iframe srcdoc=\"<script>parent.__xss='iframe'</script>\" data-xss></iframe>{MARK}",
    f'<a href="javascript:window.__xss=\'href\'" data-xss>{MARK}</a>',
    f'<details open ontoggle="window.__xss = \'toggle\'" data-xss>{MARK}</details>',
    f'<title data-xss>{MARK}</title><style>body{{display:none}}</style>',
    f'{{{{ 7*7 }}}} {{% raw %}} <math><mi xlink:href="javascript:window.__xss=1" data-xss>{MARK}</mi></math>',
]
V = VECTORS


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
                          "feedback": _text(i + 6), "choices": choices})
    questions.append({"id": "short", "type": "short", "text": _text(6), "feedback": _text(7),
                      "answers": ["ocop", {"text": "x", "weight": 50, "feedback": _text(3)}]})
    spec = {"title": V[6], "title_en": V[7], "course": "xss", "review": "answers", "max_attempts": 0,
            "shuffle_questions": False, "questions": questions}
    path = root / "xss.yaml"
    path.write_text(json.dumps(spec, ensure_ascii=False), "utf-8")
    return path


def seed(app, runner, make_user, tmp_path) -> dict:
    """Vectors everywhere; returns the placeholders of PAGES."""
    from lms.assessments.models import Attempt, Quiz
    from lms.auth.models import User
    from lms.catalog import services as catalog_services
    from lms.catalog.models import Course, Lesson
    from lms.certification.models import Certificate
    from lms.registry import services as registry_services
    from tests.support import registry as r

    result = runner.invoke(args=["lms", "import-courses", str(_course_folder(tmp_path))])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["lms", "import-quizzes", str(_quiz_file(tmp_path))])
    assert result.exit_code == 0, result.output

    learner = make_user(("learner",), email="learner@example.vn", name=V[1])
    make_user(("trainer",), email="trainer@example.vn", name=V[2])
    manager = make_user(("manager",), email="manager@example.vn", name=V[3])
    make_user(("admin",), email="admin@example.vn", name=V[4])
    make_user(("learner",), email="other@example.vn", name=V[5])

    with app.app_context():
        r.load_test_units()
        commune = r.unit(r.HOME_COMMUNE)
        commune.name = V[6]
        organisation = r.org("XSS0001", name=V[7])
        person = r.person(V[0], "household_head", organisation=organisation)
        user = db.session.get(User, learner.id)
        user.person.unit_id = commune.id
        user.person.target_group = "household_head"
        user.person.organisation_id = organisation.id
        registry_services.assign_unit(db.session.get(User, manager.id), r.unit(r.HOME))
        course = db.session.scalar(select(Course).where(Course.slug == "xss"))
        catalog_services.enrol(user, course)
        first = db.session.scalar(select(Lesson).where(Lesson.course_id == course.id).order_by(Lesson.position))
        catalog_services.mark_done(user, first)
        catalog_services.record_completion(person.id, course, via="class")
        catalog_services.record_completion(user.person_id, course, via="online")
        db.session.commit()
        certificate = db.session.scalar(select(Certificate).where(Certificate.person_id == user.person_id))
        assert certificate is not None, "no certificate issued"
        quiz = db.session.scalar(select(Quiz).where(Quiz.course_id == course.id))
        values = {"code": certificate.code, "person": person.id, "org": organisation.id, "slug": "xss",
                  "lesson": first.slug, "lesson_id": first.id, "quiz": quiz.slug, "user": learner.id}

    # The learner's attempts: one submitted (review with feedback), one open.
    from tests.conftest import login, post_form

    client = app.test_client()
    assert login(client, "learner@example.vn").status_code == 302
    for _ in range(2):
        response = post_form(client, f"/quizzes/{values['quiz']}/start", {}, token_from=f"/quizzes/{values['quiz']}")
        assert response.status_code == 302, response.status_code
    with app.app_context():
        attempts = db.session.scalars(select(Attempt).order_by(Attempt.id)).all()
        values["submitted"], values["open"] = attempts[0].id, attempts[-1].id
    if values["submitted"] == values["open"]:  # one open attempt at a time: submit, then start another
        post_form(client, f"/attempts/{values['open']}/submit", {}, token_from=f"/attempts/{values['open']}")
        post_form(client, f"/quizzes/{values['quiz']}/start", {}, token_from=f"/quizzes/{values['quiz']}")
        with app.app_context():
            values["open"] = db.session.scalars(select(Attempt.id).order_by(Attempt.id.desc())).first()
    else:
        post_form(client, f"/attempts/{values['submitted']}/submit", {},
                  token_from=f"/attempts/{values['submitted']}")
    with app.app_context():
        statuses = {a.id: a.status for a in db.session.scalars(select(Attempt))}
    assert statuses[values["submitted"]] != "open" and statuses[values["open"]] == "open", statuses
    return values


# Pages per role ({placeholders} from seed). Add a domain's pages here.
PAGES = {
    "learner": [
        "/", "/my-learning", "/courses", "/courses/{slug}", "/courses/{slug}/lessons/{lesson}", "/quizzes",
        "/quizzes/{quiz}", "/attempts/{open}", "/attempts/{submitted}/review", "/my/certificates", "/account",
        "/verify/{code}",
    ],
    "trainer": [
        "/author/courses", "/author/courses/{slug}", "/author/courses/{slug}/lessons/{lesson_id}",
        "/courses/{slug}/learners", "/quizzes/{quiz}/gradebook", "/quizzes/{quiz}/statistics", "/marking",
        "/courses/{slug}/lessons/{lesson}",
    ],
    "manager": [
        "/coverage/", "/coverage/gaps", "/registry/people", "/registry/people/{person}", "/registry/organisations",
        "/registry/organisations/{org}", "/certificates", "/certificates/{code}",
    ],
    "admin": [
        "/admin/users", "/admin/users/{user}", "/registry/people", "/registry/people/{person}",
        "/certificates", "/certificates/{code}", "/certificates/courses", "/certificates/pending",
        "/quizzes/{quiz}/gradebook", "/author/courses/{slug}", "/registry/assignments",
    ],
    "anonymous": ["/verify/{code}", "/login"],
}

PROBE = """() => ({
    xss: window.__xss === undefined ? null : String(window.__xss),
    parentXss: window.parent && window.parent.__xss !== undefined ? String(window.parent.__xss) : null,
    injected: document.querySelectorAll('[data-xss]').length,
    title: document.title,
    shown: document.body ? document.body.innerText.includes('XSSMARK') : false,
    frames: document.querySelectorAll('iframe').length,
})"""


def test_xss_vectors_stay_text_for_every_role(browser, live_server, app, runner, make_user, tmp_path):
    values = seed(app, runner, make_user, tmp_path)
    problems: list[str] = []
    for role, paths in PAGES.items():
        context = browser.new_context(viewport={"width": 360, "height": 740})
        page = context.new_page()
        events: list[str] = []
        page.on("dialog", lambda dialog, events=events: (events.append(f"dialog {dialog.message}"),
                                                        dialog.dismiss()))
        page.on("pageerror", lambda exc, events=events: events.append(f"pageerror {exc}"))
        if role != "anonymous":
            page.goto(live_server + "/login")
            page.fill("input[name=login]", f"{role}@example.vn")
            page.fill("input[name=password]", PASSWORD)
            page.click("form[action='/login'] button[type=submit], form:not([action]) button[type=submit]")
            page.wait_for_load_state()
            assert "/login" not in page.url, f"{role} could not log in"
        shown_somewhere = False
        for template in paths:
            path = template.format(**values)
            response = page.goto(live_server + path)
            assert response is not None and response.status == 200, f"{role} {path}: {response and response.status}"
            page.wait_for_timeout(50)  # let onload/ontoggle handlers fire, were there any
            probe = page.evaluate(PROBE)
            shown_somewhere = shown_somewhere or probe["shown"]
            if probe["xss"] or probe["parentXss"]:
                problems.append(f"{role} {path}: script ran ({probe['xss'] or probe['parentXss']})")
            if probe["injected"]:
                problems.append(f"{role} {path}: {probe['injected']} injected element(s)")
            if MARK in probe["title"] and "&lt;" not in probe["title"] and "<" not in probe["title"]:
                problems.append(f"{role} {path}: title replaced: {probe['title']!r}")
            if probe["frames"]:
                problems.append(f"{role} {path}: an iframe appeared")
        problems.extend(f"{role}: {e}" for e in events)
        assert shown_somewhere, f"{role}: no page showed the vectors as text; the test would prove nothing"
        context.close()
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("vector", VECTORS)
def test_probe_catches_an_injected_vector(browser, vector):
    """The probe is not blind: the same vectors, injected raw into a page, are caught."""
    page = browser.new_page()
    try:
        page.set_content(f"<html><head><title>t</title></head><body>{vector}</body></html>")
        page.wait_for_timeout(50)
        probe = page.evaluate(PROBE)
        assert probe["xss"] or probe["injected"] or MARK in probe["title"], probe
    finally:
        page.close()

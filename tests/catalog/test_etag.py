"""Issue 21: repeated views of the lesson page, the course page and My learning answer
``304 Not Modified``, and never a stale or another user's page.

For each page and each input the page shows, a change of that input changes the ETag; the
old ETag then gets the new page (200).
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from lms.auth.models import User, UserRole
from lms.catalog.models import Course, CourseCompletion, Enrolment, Lesson, LessonProgress
from lms.core.db import utcnow
from lms.extensions import db
from lms.messages.models import Message
from tests.support.client import login, post_form
from tests.support.courses import run_import, write_course
from tests.support.quizzes import import_files, write

LESSON = "/courses/mini/lessons/mot"
COURSE = "/courses/mini"
MY_LEARNING = "/my-learning"
PAGES = [LESSON, COURSE, MY_LEARNING]


@pytest.fixture
def world(app, runner, courses_root, tmp_path, make_user):
    folder = write_course(courses_root)
    assert run_import(runner, folder).exit_code == 0
    quizzes = tmp_path / "quizzes"
    quizzes.mkdir()
    write(quizzes, "mini-quiz.yaml", """
        title: Kiểm tra nhỏ
        course: mini
        questions:
          - {id: a, type: truefalse, text: "Đúng?", answer: true}
        """)
    assert import_files(runner, quizzes).exit_code == 0, "quiz import"
    learner = make_user(email="hoc@example.vn")
    other = make_user(email="khac@example.vn")
    with app.app_context():
        course_id = db.session.scalar(select(Course.id).where(Course.slug == "mini"))
        for user in (learner, other):
            db.session.add(Enrolment(user_id=user.id, course_id=course_id))
        db.session.commit()
    return {"folder": folder, "learner": learner, "other": other, "course_id": course_id}


@pytest.fixture
def learner_client(app, world):
    client = app.test_client()
    login(client, "hoc@example.vn")
    return client


def etag_of(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    etag = response.headers.get("ETag")
    assert etag and etag.startswith('W/"'), (path, response.headers)
    return etag


def etags(client) -> dict[str, str]:
    return {path: etag_of(client, path) for path in PAGES}


def assert_all_changed(client, before: dict[str, str], pages=PAGES) -> None:
    for path in pages:
        response = client.get(path, headers={"If-None-Match": before[path]})
        assert response.status_code == 200, path
        assert response.headers["ETag"] != before[path], path
        assert response.get_data(), path


@pytest.mark.parametrize("path", PAGES)
def test_repeated_view_is_not_modified(learner_client, path):
    first = learner_client.get(path)
    assert first.status_code == 200
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"] == "private, no-cache"
    assert "cookie" in first.headers["Vary"].lower()
    again = learner_client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.get_data() == b""
    assert again.headers["ETag"] == etag
    assert again.headers["Cache-Control"] == "private, no-cache"
    assert "cookie" in again.headers["Vary"].lower()
    # A list of validators, and the strong spelling of the same one, match too.
    listed = learner_client.get(path, headers={"If-None-Match": f'"other", {etag}'})
    assert listed.status_code == 304
    # A different validator gets the page.
    assert learner_client.get(path, headers={"If-None-Match": 'W/"nope"'}).status_code == 200


def test_progress_changes_the_etag(app, world, learner_client):
    before = etags(learner_client)
    with app.app_context():
        lesson_id = db.session.scalar(select(Lesson.id).where(Lesson.slug == "hai"))
        db.session.add(LessonProgress(user_id=world["learner"].id, lesson_id=lesson_id))
        db.session.commit()
    assert_all_changed(learner_client, before)


def test_marking_a_lesson_done_through_the_page_changes_the_etag(world, learner_client):
    before = etags(learner_client)
    post_form(learner_client, "/courses/mini/lessons/mot/done", {}, token_from=LESSON)
    assert_all_changed(learner_client, before)


def test_a_new_lesson_version_changes_the_lesson_page(runner, world, learner_client):
    before = etags(learner_client)
    write_course(world["folder"].parent, lessons={
        "01-dau/01-mot.md": "---\ntitle: Bài một\nminutes: 5\n---\nNội dung mới của bài một.\n"})
    assert run_import(runner, world["folder"]).exit_code == 0
    assert_all_changed(learner_client, before, [LESSON])
    assert "Nội dung mới" in learner_client.get(LESSON).get_data(as_text=True)


def test_an_edit_of_another_lesson_changes_the_pages_that_show_the_outline(runner, world, learner_client):
    before = etags(learner_client)
    write_course(world["folder"].parent, lessons={
        "01-dau/02-hai.md": "---\ntitle: Bài hai đã sửa\nminutes: 3\n---\nNội dung bài hai.\n"})
    assert run_import(runner, world["folder"]).exit_code == 0
    # The lesson page names the next lesson; the course page lists them all.
    assert_all_changed(learner_client, before, [LESSON, COURSE])


def test_a_new_lesson_changes_the_etag(runner, world, learner_client):
    before = etags(learner_client)
    write_course(world["folder"].parent, lessons={"02-sau/02-bon.md": "---\ntitle: Bài bốn\n---\nMới.\n"})
    assert run_import(runner, world["folder"]).exit_code == 0
    # A new required lesson: the outline and the "x of y" figures on every page.
    assert_all_changed(learner_client, before)


def test_a_course_title_change_changes_the_etag(app, world, learner_client):
    before = etags(learner_client)
    with app.app_context():
        db.session.get(Course, world["course_id"]).title = "Tên mới"
        db.session.commit()
    assert_all_changed(learner_client, before)


def test_a_locale_switch_changes_the_etag(world, learner_client):
    before = etags(learner_client)
    post_form(learner_client, "/language", {"lang": "en", "next": "/"}, token_from=COURSE)
    assert_all_changed(learner_client, before)


def test_a_role_change_changes_the_etag(app, world, learner_client):
    before = etags(learner_client)
    with app.app_context():
        db.session.add(UserRole(user_id=world["learner"].id, role="trainer"))
        db.session.commit()
    assert_all_changed(learner_client, before)


def test_a_new_notification_changes_the_etag(app, world, learner_client):
    before = etags(learner_client)
    with app.app_context():
        db.session.add(Message(idempotency_key="t-1", kind="manual", template="manual", channel="inapp",
                               user_id=world["learner"].id, subject="Chào", body="Chào", status="sent"))
        db.session.commit()
    assert_all_changed(learner_client, before)
    assert 'class="badge">1<' in learner_client.get(LESSON).get_data(as_text=True)


def test_the_next_day_changes_the_etag(world, learner_client, monkeypatch):
    from datetime import date

    from lms.core import conditional

    monkeypatch.setattr(conditional, "today", lambda: date(2030, 1, 1))
    before = etags(learner_client)
    monkeypatch.setattr(conditional, "today", lambda: date(2030, 1, 2))
    assert_all_changed(learner_client, before)


def test_enrolment_changes_the_etag(app, world, make_user):
    make_user(email="moi@example.vn")
    client = app.test_client()
    login(client, "moi@example.vn")
    before = {path: etag_of(client, path) for path in (COURSE, MY_LEARNING)}
    post_form(client, "/courses/mini/enrol", {}, token_from=COURSE)
    client.get(LESSON)  # shows the flash "You are enrolled"
    assert_all_changed(client, before, [COURSE, MY_LEARNING])


def test_a_quiz_attempt_changes_the_course_page(app, world, learner_client):
    from lms.assessments import services as quiz_services
    from lms.assessments.models import Quiz

    before = etags(learner_client)
    with app.app_context():
        quiz = db.session.scalar(select(Quiz).where(Quiz.slug == "mini-quiz"))
        quiz_services.start_attempt(db.session.get(User, world["learner"].id), quiz)
        db.session.commit()
    assert_all_changed(learner_client, before, [COURSE])


def test_a_completion_changes_the_etag(app, world, learner_client):
    before = etags(learner_client)
    with app.app_context():
        db.session.add(CourseCompletion(person_id=world["learner"].person_id, course_id=world["course_id"],
                                        completed_at=utcnow(), via="historical"))
        db.session.commit()
    assert_all_changed(learner_client, before, [COURSE, MY_LEARNING])


def test_a_new_session_changes_the_etag(app, world, learner_client):
    """The page embeds the session's CSRF token: a page from another session is not reused."""
    before = etags(learner_client)
    post_form(learner_client, "/logout", {}, token_from=COURSE)
    login(learner_client, "hoc@example.vn")
    learner_client.get(COURSE)  # a flash may wait after login
    assert_all_changed(learner_client, before)


def test_another_user_never_gets_a_304_for_the_first_users_etag(app, world, learner_client):
    mine = etags(learner_client)
    other = app.test_client()
    login(other, "khac@example.vn")
    for path in PAGES:
        response = other.get(path, headers={"If-None-Match": mine[path]})
        assert response.status_code == 200, path
        assert response.headers["ETag"] != mine[path]


def test_after_logout_no_personal_page(world, learner_client):
    mine = etags(learner_client)
    post_form(learner_client, "/logout", {}, token_from=COURSE)
    for path in PAGES:
        response = learner_client.get(path, headers={"If-None-Match": mine[path]})
        assert response.status_code == 302, path
        assert "/login" in response.headers["Location"]
        assert "ETag" not in response.headers


def test_a_page_with_a_flash_is_neither_validated_nor_kept(app, world, make_user):
    make_user(email="moi@example.vn")
    client = app.test_client()
    login(client, "moi@example.vn")
    post_form(client, "/courses/mini/enrol", {}, token_from=COURSE)
    response = client.get(LESSON)
    assert "Good luck" in response.get_data(as_text=True) or "Chúc" in response.get_data(as_text=True)
    assert "ETag" not in response.headers
    assert response.headers["Cache-Control"] == "no-store"
    # The flash was shown: the next view has a validator again.
    assert client.get(LESSON).headers.get("ETag")


def test_pages_without_a_validator_stay_no_store(learner_client):
    response = learner_client.get("/courses")
    assert "ETag" not in response.headers
    assert response.headers["Cache-Control"] == "no-store"


def test_a_session_ended_elsewhere_gets_no_page(app, world, learner_client):
    """Nothing about the user is kept between requests: a session ended on another server
    (or a deactivated account) is refused at the next request, ETag or not."""
    from sqlalchemy import update

    from lms.auth.models import UserSession

    mine = etags(learner_client)
    with app.app_context():
        db.session.execute(update(UserSession).where(UserSession.user_id == world["learner"].id)
                           .values(ended_at=utcnow()))
        db.session.commit()
    for path in PAGES:
        response = learner_client.get(path, headers={"If-None-Match": mine[path]})
        assert response.status_code == 302 and "/login" in response.headers["Location"], path


def test_a_deactivated_account_gets_no_page(app, world, learner_client):
    mine = etags(learner_client)
    with app.app_context():
        db.session.get(User, world["learner"].id).active = False
        db.session.commit()
    response = learner_client.get(LESSON, headers={"If-None-Match": mine[LESSON]})
    assert response.status_code == 302


def test_the_session_token_is_the_same_on_every_page_and_accepted(world, learner_client):
    from tests.support.client import CSRF_RE

    first = CSRF_RE.search(learner_client.get(LESSON).get_data(as_text=True)).group(1)
    second = CSRF_RE.search(learner_client.get(COURSE).get_data(as_text=True)).group(1)
    assert first == second
    response = learner_client.post("/courses/mini/lessons/mot/done", data={"csrf_token": first})
    assert response.status_code == 302
    with learner_client.application.app_context():
        assert db.session.scalar(select(LessonProgress.id).where(
            LessonProgress.user_id == world["learner"].id)) is not None

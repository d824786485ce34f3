"""A learner takes a timed quiz on a phone: answers, autosave, submit, result."""

from __future__ import annotations

import re
import time

from sqlalchemy import select

from lms.assessments.models import AttemptAnswer
from lms.extensions import db
from tests.assessments.conftest import course_id, make_quiz, quiz_dir  # noqa
from tests.support.quizzes import ALL_TYPES_QUIZ, enrol
from tests.support.users import PASSWORD

TIMED = ALL_TYPES_QUIZ.replace("pass_mark: 50\n", "pass_mark: 50\ntime_limit_minutes: 15\n")


def test_learner_takes_a_timed_quiz_on_a_phone(app, phone_page, make_user, course_id, make_quiz):  # noqa: F811
    from playwright.sync_api import expect

    make_quiz(TIMED)
    learner = make_user(phone="0912345678", name="Nguyễn Thị Hường")
    enrol(app, learner, course_id)
    page = phone_page
    page.goto(page.base_url + "/login")
    page.get_by_label("E-mail hoặc số điện thoại").fill("0912345678")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(page.base_url + "/")

    page.goto(page.base_url + "/quizzes/kiem-tra")
    page.get_by_role("button", name="Bắt đầu làm bài").click()
    page.wait_for_url(re.compile(r".*/attempts/\d+$"))
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    timer = page.locator("#timer-value")
    first = timer.inner_text()
    assert re.fullmatch(r"1[45]:\d\d", first)
    expect(timer).not_to_have_text(first, timeout=20000)  # the countdown runs

    page.get_by_label("Đáp án A").check()
    page.get_by_label("M1").check()
    page.get_by_label("M2").check()
    page.locator("#s3").get_by_label("Đúng").check()
    page.locator("#s4 input").fill("Hà Nội")
    page.locator("#s5 input").fill("12 500")
    page.locator("#s6 select").nth(0).select_option(label="R1")
    page.locator("#s6 select").nth(1).select_option(label="R2")
    page.locator("#s7 textarea").fill("Kế hoạch kinh doanh của tôi.")
    # A change autosaves in the background (JSON with a CSRF header).
    page.locator("#s4 input").blur()
    expect(page.locator("#save-status")).to_have_text("Đã lưu", timeout=30000)
    attempt_id = int(page.url.rsplit("/", 1)[1])
    with app.app_context():
        saved = db.session.scalars(select(AttemptAnswer).where(AttemptAnswer.attempt_id == attempt_id)).all()
        assert any(a.response == "Hà Nội" for a in saved)

    page.get_by_role("button", name="Lưu và kết thúc…").click()
    page.wait_for_url(re.compile(r".*/submit$"))
    assert "Bạn đã trả lời cả 7 câu hỏi." in page.content()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.get_by_role("button", name="Nộp bài và kết thúc").click()
    page.wait_for_url(re.compile(r".*/review$"))
    body = page.locator("main").inner_text()
    assert "Chờ chấm điểm" in body  # the essay waits for a trainer
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_an_answer_changed_during_an_autosave_is_saved_before_saved_shows(
    app, phone_page, make_user, course_id, make_quiz,  # noqa: F811
):
    """The first autosave is held on its way; an answer typed meanwhile is saved right after
    it, and "saved" only shows once it is (it used to show at once, with the answer unsaved)."""
    from playwright.sync_api import expect

    make_quiz()
    learner = make_user(phone="0912345678")
    enrol(app, learner, course_id)
    page = phone_page
    page.goto(page.base_url + "/login")
    page.get_by_label("E-mail hoặc số điện thoại").fill("0912345678")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(page.base_url + "/")
    page.goto(page.base_url + "/quizzes/kiem-tra")
    page.get_by_role("button", name="Bắt đầu làm bài").click()
    page.wait_for_url(re.compile(r".*/attempts/\d+$"))
    attempt_id = int(page.url.rsplit("/", 1)[1])

    held, released = [], []
    page.route("**/autosave", lambda route: route.continue_() if released else held.append(route))
    page.get_by_label("Đáp án A").check()  # a change: the first save leaves, and is held
    deadline = time.monotonic() + 60  # a generous deadline on a loaded machine, not a fixed wait
    while not held and time.monotonic() < deadline:
        page.wait_for_timeout(10)
    assert len(held) == 1
    page.locator("#s4 input").fill("Hà Nội")
    page.locator("#s4 input").blur()  # a second change, while the first save is still on its way
    released.append(True)
    held[0].continue_()
    expect(page.locator("#save-status")).to_have_text("Đã lưu", timeout=30000)
    with app.app_context():
        saved = db.session.scalars(select(AttemptAnswer).where(AttemptAnswer.attempt_id == attempt_id)).all()
        assert any(a.response == "Hà Nội" for a in saved), [a.response for a in saved]

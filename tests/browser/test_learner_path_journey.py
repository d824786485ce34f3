"""A learner on a 360 px phone: a course's lessons, the pointer to the final quiz, the quiz
passed, the completion message and the link to the certificate."""

from __future__ import annotations

import re

from lms.catalog.models import Lesson, LessonVersion, Module
from lms.extensions import db
from tests.assessments.conftest import course_id, make_quiz, quiz_dir  # noqa
from tests.support.quizzes import enrol
from tests.support.users import PASSWORD

FINAL_QUIZ = """
title: Kiểm tra cuối khoá
course: khoa-hoc-thu
pass_mark: 50
shuffle_questions: false
shuffle_choices: false
review: answers
questions:
  - id: q1
    type: single
    text: Chọn đáp án đúng.
    choices:
      - {text: "Đáp án A", correct: true}
      - {text: "Đáp án B"}
"""


def _lessons(app, course_id: int) -> None:  # noqa: F811
    with app.app_context():
        module = db.session.query(Module).filter_by(course_id=course_id).one()
        for position, (slug, title) in enumerate([("bai-mot", "Bài một"), ("bai-hai", "Bài hai")], start=1):
            lesson = Lesson(course_id=course_id, module_id=module.id, slug=slug, title=title, minutes=5,
                            required=True, position=position, version_number=1)
            db.session.add(lesson)
            db.session.flush()
            db.session.add(LessonVersion(lesson_id=lesson.id, number=1, body_md=title,
                                         body_html=f"<p>Nội dung {title}.</p>", content_hash=slug))
        db.session.commit()


def _fits(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_learner_finishes_a_course_and_finds_the_certificate(app, phone_page, make_user, course_id, make_quiz):  # noqa: F811
    from playwright.sync_api import expect

    _lessons(app, course_id)
    make_quiz(FINAL_QUIZ)
    learner = make_user(phone="0912345678", name="Nguyễn Thị Hường")
    enrol(app, learner, course_id)
    page = phone_page
    page.goto(page.base_url + "/login")
    page.get_by_label("E-mail hoặc số điện thoại").fill("0912345678")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(page.base_url + "/")

    page.goto(page.base_url + "/my-learning")
    page.locator("main").get_by_role("link", name="Khoá học thử").first.click()
    page.wait_for_url(re.compile(r".*/courses/khoa-hoc-thu$"))
    _fits(page)
    page.get_by_role("link", name="Bài một").first.click()
    page.wait_for_url(re.compile(r".*/lessons/bai-mot$"))
    expect(page.get_by_role("heading", name="Tiếp theo: bài kiểm tra cuối khoá")).to_have_count(0)
    page.get_by_role("button", name=re.compile("Đánh dấu đã học xong")).click()
    page.wait_for_url(re.compile(r".*/lessons/bai-hai$"))
    page.get_by_role("button", name=re.compile("Đánh dấu đã học xong")).click()
    # The last lesson: the learner stays on it and is pointed to the final quiz.
    page.wait_for_url(re.compile(r".*/lessons/bai-hai$"))
    expect(page.get_by_role("heading", name="Tiếp theo: bài kiểm tra cuối khoá")).to_be_visible()
    _fits(page)
    page.locator(".next-step").get_by_role("link", name="Bắt đầu làm bài").click()
    page.wait_for_url(re.compile(r".*/quizzes/kiem-tra$"))
    page.get_by_role("button", name="Bắt đầu làm bài").click()
    page.wait_for_url(re.compile(r".*/attempts/\d+$"))
    page.get_by_label("Đáp án A").check()
    page.get_by_role("button", name="Lưu và kết thúc…").click()
    page.wait_for_url(re.compile(r".*/submit$"))
    page.get_by_role("button", name="Nộp bài và kết thúc").click()
    page.wait_for_url(re.compile(r".*/review$"))
    notice = page.locator(".flashes")
    expect(notice).to_contain_text("Chúc mừng! Bạn đã hoàn thành khoá học Khoá học thử.")
    _fits(page)
    notice.get_by_role("link", name="Xem chứng nhận của bạn").click()
    page.wait_for_url(re.compile(r".*/my/certificates$"))
    expect(page.locator("main")).to_contain_text("Khoá học thử")
    _fits(page)

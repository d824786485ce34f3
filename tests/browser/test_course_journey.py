"""A learner finishes the short sample course on a phone, without JavaScript help."""

from __future__ import annotations

from sqlalchemy import select

from lms.catalog.models import CourseCompletion
from lms.extensions import db
from tests.support.courses import SAMPLE, run_import
from tests.support.users import PASSWORD


def test_learner_finishes_the_sample_course_on_a_phone(app, phone_page, make_user):
    assert run_import(app.test_cli_runner(), SAMPLE).exit_code == 0
    learner = make_user(phone="0988777666", name="Đinh Văn Hùng")
    page = phone_page
    page.goto(page.base_url + "/login")
    page.get_by_label("E-mail hoặc số điện thoại").fill("0988 777 666")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(page.base_url + "/")

    page.get_by_role("link", name="Khóa học").first.click()
    page.get_by_placeholder("Tìm khóa học, ví dụ: quan tri").fill("lam quen")
    page.get_by_role("button", name="Tìm").click()
    page.get_by_role("link", name="Làm quen với Chương trình OCOP").click()
    # Wait for each navigation a click starts before reading the page: an evaluate during a
    # navigation fails ("execution context was destroyed") on a loaded machine (issue 18).
    with page.expect_navigation():
        page.get_by_role("button", name="Ghi danh vào khóa học này").click()

    for _ in range(4):
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        images = page.locator("article.lesson img")
        for i in range(images.count()):  # every image in the lesson loads
            # Lesson images load lazily: the page's load event does not wait for one below the
            # fold, so bring it into view and wait until the browser has finished with it.
            image = images.nth(i)
            image.scroll_into_view_if_needed()
            handle = image.element_handle()
            page.wait_for_function("(img) => img.complete", arg=handle)
            assert page.evaluate("(img) => img.naturalWidth > 0", handle), image.get_attribute("src")
        with page.expect_navigation():
            page.get_by_role("button", name="Đánh dấu đã học xong").click()

    assert "Chúc mừng! Bạn đã hoàn thành khóa học này." in page.content()
    with app.app_context():
        assert db.session.scalar(select(CourseCompletion).filter_by(person_id=learner.person_id)) is not None
    page.goto(page.base_url + "/my-learning")
    assert "Hoàn thành ngày" in page.content()

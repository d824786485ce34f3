"""A household head activates her account from the QR code on her slip, on a 360 px phone."""

from __future__ import annotations

from datetime import date

from lms.extensions import db
from tests.support import registry as reg

PASSWORD = "cá khô biển Nhật Lệ"


def test_qr_link_to_my_learning_then_log_in_by_phone(app, phone_page):
    from lms.coverage import services as coverage
    from lms.onboarding import services

    with app.app_context():
        reg.load_test_units()
        for slug in ("an-toan-thuc-pham", "ghi-nhan-san-pham"):
            reg.course(slug).published = True
        coverage.set_requirement("household_head", ["an-toan-thuc-pham", "ghi-nhan-san-pham"],
                                 deadline=date(2026, 12, 31))
        person = reg.person("Trần Thị Hường", "household_head", phone="0912345678")
        (issued,) = services.issue_codes([person])
        db.session.commit()
        path = issued.url.split("://", 1)[1].split("/", 1)[1]

    page = phone_page
    page.goto(page.base_url + "/" + path)  # what the phone's camera opens
    assert page.locator("h1").inner_text() == "Kích hoạt tài khoản"
    assert page.get_by_label("Mã trên phiếu").input_value() == issued.code
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.get_by_label("Số điện thoại di động của anh/chị").fill("0912 345 678")
    page.get_by_label("Mật khẩu mới", exact=True).fill(PASSWORD)
    page.get_by_label("Nhập lại mật khẩu mới").fill(PASSWORD)
    page.get_by_role("button", name="Kích hoạt và đăng nhập").click()
    page.wait_for_url(page.base_url + "/my-learning")

    required = page.locator("[data-testid=required-courses]")
    assert "Đã hoàn thành 0/2 khóa học bắt buộc" in required.inner_text()
    assert required.locator("h3").all_inner_texts() == ["An-Toan-Thuc-Pham", "Ghi-Nhan-San-Pham"]
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    page.get_by_role("button", name="Đăng xuất").click()
    page.wait_for_url("**/login")
    page.get_by_label("E-mail hoặc số điện thoại").fill("+84 912.345.678")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(page.base_url + "/")
    page.goto(page.base_url + "/my-learning")
    assert page.locator("[data-testid=required-courses] h3").count() == 2

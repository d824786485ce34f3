"""A manager on a phone reminds one person from the gap list (preview first); the person,
on her phone, sees the bell's count, reads the reminder and marks it read."""

from __future__ import annotations

from lms.auth.models import User
from lms.coverage import services as coverage_services
from lms.extensions import db
from lms.registry import services as registry_services
from tests.support import registry as r
from tests.support.users import PASSWORD


def _log_in(page, login_name):
    page.goto(page.base_url + "/login")
    page.get_by_label("E-mail hoặc số điện thoại").fill(login_name)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(page.base_url + "/**")


def test_manager_reminds_a_ticked_person_who_reads_it_in_the_platform(phone_page, browser, live_server, app,
                                                                     make_user):
    manager = make_user(("manager",), email="m@example.vn")
    learner = make_user(email="hoa@example.vn", name="Nguyễn Thị Hoa")
    with app.app_context():
        r.load_test_units()
        r.course("a").title = "An toàn thực phẩm"
        coverage_services.set_requirement("household_head", ["a"])
        person = db.session.get(User, learner.id).person
        person.target_group, person.unit_id = "household_head", r.unit(r.HOME_COMMUNE).id
        r.person("Người Khác", "household_head")
        registry_services.assign_unit(db.session.get(User, manager.id), r.unit(r.HOME))
        db.session.commit()

    page = phone_page
    _log_in(page, "m@example.vn")
    page.goto(page.base_url + "/coverage/gaps?unit=44")
    page.get_by_role("checkbox", name="Nguyễn Thị Hoa").check()
    page.get_by_role("button", name="Nhắc những người này").click()
    assert page.locator("[data-testid=remind-total]").inner_text() == "1"
    assert page.locator("[data-testid=remind-inapp]").inner_text() == "1"
    wide = page.evaluate("""() => Array.from(document.querySelectorAll('body *')).filter(e => e.getBoundingClientRect().right > 361 && !e.closest('.menu')).map(e => e.tagName + '.' + e.className + ' ' + (e.textContent || '').slice(0, 40))""")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, wide
    page.locator("[data-testid=remind-confirm]").click()
    assert "Đã đưa 1 lời nhắc vào hàng đợi." in page.locator(".flash").inner_text()

    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True)
    phone = context.new_page()
    phone.base_url = live_server
    _log_in(phone, "hoa@example.vn")
    bell = phone.locator("[data-testid=bell]")
    assert bell.locator(".badge").inner_text() == "1"
    bell.click()
    assert "An toàn thực phẩm" in phone.locator("[data-testid=notification]").inner_text()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    phone.get_by_role("button", name="Đánh dấu đã đọc").first.click()
    assert phone.locator("[data-testid=bell] .badge").count() == 0
    phone.get_by_role("button", name="Tắt lời nhắc").click()
    assert "Lời nhắc đang tắt" in phone.locator(".flash").inner_text()
    context.close()

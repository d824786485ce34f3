"""A learner logs in on a phone, switches language and logs out."""

from __future__ import annotations

from tests.support.users import PASSWORD


def test_login_switch_language_logout_on_a_phone(phone_page, make_user):
    make_user(phone="0912345678", name="Nguyễn Thị Hường")
    page = phone_page
    page.goto(page.base_url + "/")
    assert page.url.endswith("/login")
    assert page.locator("h1").inner_text() == "Đăng nhập"

    # Nothing overflows the 360 px viewport horizontally.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    page.get_by_label("E-mail hoặc số điện thoại").fill("0912 345 678")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(page.base_url + "/")
    assert "Xin chào, Nguyễn Thị Hường" in page.locator("h1").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    with page.expect_navigation():  # not wait_for_load_state: the old page is loaded already
        page.locator("[data-testid=lang-en]").click()
    assert page.locator("html").get_attribute("lang") == "en"
    assert "Hello, Nguyễn Thị Hường" in page.locator("h1").inner_text()

    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/login")
    assert page.locator("h1").inner_text() == "Log in"
    page.goto(page.base_url + "/account")
    assert "/login" in page.url


def test_keyboard_only_login(browser, live_server, make_user):
    make_user(email="kb@example.vn")
    context = browser.new_context(viewport={"width": 1024, "height": 768})
    page = context.new_page()
    page.base_url = live_server
    page.goto(page.base_url + "/login")
    assert page.evaluate("document.activeElement.id") == "login"
    page.keyboard.type("kb@example.vn")  # the login field has focus on arrival
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(page.base_url + "/")
    context.close()

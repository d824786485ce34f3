"""A trainer marks attendance on a phone, loses the connection half-way, reloads, and loses nothing."""

from __future__ import annotations

from datetime import time

from sqlalchemy import select

from lms.extensions import db
from tests.support.classes import build_world, make_class
from tests.support.users import PASSWORD


def _marks(app, day_id):
    from lms.classes.models import Attendance

    with app.app_context():
        db.session.remove()
        return {a.person_id: a.status for a in db.session.scalars(select(Attendance).where(Attendance.day_id == day_id))}


def test_trainer_marks_attendance_offline_on_a_phone(app, users, phone_page):
    from playwright.sync_api import expect

    from lms.classes import services
    from lms.classes.models import TrainingClass

    world = build_world(app, users)
    with app.app_context():
        today = services.local_today()
    class_id = make_class(app, world, trainers=[users["trainer"].id], days=[(today, time(0, 0), time(23, 59))])
    with app.app_context():
        training_class = db.session.get(TrainingClass, class_id)
        services.add_people(training_class, world["people"][:5], actor=None)
        day_id = training_class.days[0].id
        db.session.commit()
    p = world["people"]

    page = phone_page
    page.goto(page.base_url + "/login")
    page.get_by_label("E-mail hoặc số điện thoại").fill("trainer@example.vn")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(page.base_url + "/")
    page.goto(f"{page.base_url}/classes/{class_id}/days/{day_id}")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    status = page.locator("#sync-status")

    # Online: one tap saves.
    page.locator(f"#p{p[0]}").get_by_role("button", name="Có mặt").click()
    expect(status).to_have_attribute("data-pending", "0", timeout=10000)
    assert _marks(app, day_id) == {p[0]: "present"}

    # The connection drops: taps are kept on the phone and shown as pending.
    page.context.set_offline(True)
    page.locator(f"#p{p[1]}").get_by_role("button", name="Đi muộn").click()
    page.locator(f"#p{p[2]}").get_by_role("button", name="Vắng có phép").click()
    page.locator(f"#p{p[3]}").get_by_role("button", name="Vắng", exact=True).click()
    page.locator(f"#p{p[3]}").get_by_role("button", name="Có mặt").click()  # changed their mind
    expect(status).to_have_attribute("data-pending", "3", timeout=10000)
    expect(page.locator(f"#p{p[3]} button.mark-present")).to_have_attribute("aria-pressed", "true")
    assert _marks(app, day_id) == {p[0]: "present"}

    # Still no connection for saving (the server cannot be reached), and the page is reloaded.
    page.route("**/marks.json", lambda route: route.abort() if route.request.method == "POST" else route.continue_())
    page.context.set_offline(False)
    page.reload()
    expect(status).to_have_attribute("data-pending", "3", timeout=10000)
    expect(page.locator(f"#p{p[2]} button.mark-excused")).to_have_attribute("aria-pressed", "true")
    assert _marks(app, day_id) == {p[0]: "present"}

    # The connection returns: everything queued is saved, once.
    page.unroute("**/marks.json")
    expect(status).to_have_attribute("data-pending", "0", timeout=15000)
    assert _marks(app, day_id) == {p[0]: "present", p[1]: "late", p[2]: "excused", p[3]: "present"}

    # "Mark all present" fills in the one person left unmarked, and nobody else changes.
    page.get_by_test_id("all-present").click()
    expect(status).to_have_attribute("data-pending", "0", timeout=10000)
    assert _marks(app, day_id) == {p[0]: "present", p[1]: "late", p[2]: "excused", p[3]: "present",
                                   p[4]: "present"}
    assert page.evaluate("localStorage.length") == 0

"""A manager on a phone opens the coverage of their province, drills down to a commune
and downloads the gap list."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from lms.auth.models import User
from lms.coverage import services as coverage_services
from lms.extensions import db
from lms.registry import services as registry_services
from tests.support import registry as r
from tests.support.users import PASSWORD


def test_manager_drills_down_and_exports_a_gap_list(phone_page, app, make_user):
    manager = make_user(("manager",), email="m@example.vn")
    with app.app_context():
        r.load_test_units()
        r.course("a")
        coverage_services.set_requirement("official_commune", ["a"])
        r.person("Phạm Thị Cần Học", "official_commune", r.HOME_COMMUNE)
        r.person("Người Vùng Khác", "official_commune", r.OTHER_COMMUNE)
        registry_services.assign_unit(db.session.get(User, manager.id), r.unit(r.HOME))
        db.session.commit()
        commune_name = r.unit(r.HOME_COMMUNE).name

    page = phone_page
    page.goto(page.base_url + "/login")
    page.get_by_label("E-mail hoặc số điện thoại").fill("m@example.vn")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(page.base_url + "/")
    with page.expect_navigation():  # read the new page, not the old one (issue 18)
        page.get_by_role("link", name="Mức độ bao phủ").first.click()
    assert "Tỉnh Quảng Trị" in page.locator("h1").inner_text()
    assert page.locator("svg.chart").count() == 2
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    with page.expect_navigation():  # read the new page, not the old one (issue 18)
        page.get_by_role("link", name="tỷ lệ, thấp nhất trước").click()
    with page.expect_navigation():  # read the new page, not the old one (issue 18)
        page.locator("[data-testid=children]").get_by_role("link", name=commune_name).click()
    assert commune_name in page.locator("h1").inner_text()
    with page.expect_navigation():  # read the new page, not the old one (issue 18)
        page.get_by_role("link", name="Ai chưa được đào tạo").click()
    assert "Phạm Thị Cần Học" in page.content() and "Người Vùng Khác" not in page.content()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    with page.expect_download() as info:
        page.locator("[data-testid=export-xlsx]").click()
    download = info.value
    assert download.suggested_filename.endswith(".xlsx")
    with open(download.path(), "rb") as fh:
        data = fh.read()
    rows = list(load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))
    assert rows[1][0] == "Phạm Thị Cần Học" and len(rows) == 2

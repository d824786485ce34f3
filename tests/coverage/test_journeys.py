"""What managers trip over on the coverage dashboard (issue 17): the pre-2025 view for
every role, legacy attribution of 2025 registrations, 0 of 0, sorting by name."""

from __future__ import annotations

from datetime import date

import pytest

from lms.auth.models import User
from lms.coverage import queries
from lms.coverage import services as coverage_services
from lms.extensions import db
from lms.registry import services as registry_services
from tests.conftest import login
from tests.support import registry as r


class Admin:
    is_authenticated = True
    id = None

    def has_role(self, *roles):
        return "admin" in roles


@pytest.fixture
def home(app, users):
    with app.app_context():
        r.load_test_units()
        r.course("a")
        coverage_services.set_requirement("official_commune", ["a"], deadline=date(2030, 12, 31))
        for i in range(3):
            p = r.person(f"Cán bộ {i}", "official_commune", r.HOME_COMMUNE)
            if i == 0:
                r.complete(p, "a", date(2025, 9, 1))
        registry_services.assign_unit(db.session.get(User, users["manager"].id), r.unit(r.HOME))
        db.session.commit()
    return app


def test_2025_registrations_count_under_legacy_units(home):
    with home.app_context():
        legacy_qb = queries.figures(Admin(), queries.Area(r.unit("44", "legacy"), "legacy"), date(2026, 1, 1))
        assert legacy_qb["total"]["required"] == 3 and legacy_qb["total"]["trained"] == 1
        districts = [c for c in legacy_qb["children"] if c["required"]]
        assert len(districts) == 1 and districts[0]["required"] == 3  # Đồng Hới
        gaps = db.session.execute(queries.gap_query(Admin(), queries.Area(r.unit("44", "legacy"), "legacy"),
                                                    date(2026, 1, 1))).all()
        assert len(gaps) == 2


def test_the_switch_to_legacy_units_works_for_a_manager_with_one_unit(home, client):
    login(client, "manager@example.vn")
    page = client.get("/coverage/?scheme=legacy").get_data(as_text=True)
    assert 'data-testid="legacy-note"' in page
    table = page.split('data-testid="children"')[1].split("</table>")[0]
    # The two legacy provinces merged into 2025 Quảng Trị, with the people in Quảng Bình's row.
    assert "Quảng Bình" in table and "Quảng Trị" in table
    assert ">3<" in table
    back = client.get("/coverage/?scheme=2025").get_data(as_text=True)
    assert 'data-testid="legacy-note"' not in back


def test_nobody_on_the_list_is_not_a_target_reached(home, client):
    login(client, "admin@example.vn")
    # A legacy district with nobody registered.
    with home.app_context():
        empty = db.session.scalar(db.select(db.text("code FROM admin_unit WHERE scheme = 'legacy' "
                                                    "AND level = 'district' AND code != '450' ORDER BY code DESC")))
    page = client.get(f"/coverage/?scheme=legacy&unit={empty}").get_data(as_text=True)
    assert 'data-testid="nobody-listed"' in page
    assert "The target is reached" not in page and "Đã đạt chỉ tiêu" not in page


def test_units_sort_by_vietnamese_name(home, client):
    login(client, "admin@example.vn")
    page = client.get(f"/coverage/?unit={r.HOME}&sort=name").get_data(as_text=True)
    table = page.split('data-testid="children"')[1].split("</table>")[0]
    import re

    from lms.core.text import vi_sort_key

    names = re.findall(r'<a href="[^"]*">([^<]+)</a>', table)
    assert len(names) > 10
    assert names == sorted(names, key=vi_sort_key)
    assert any(n.startswith(("Phường Đ", "Xã Đ")) for n in names)


def test_gap_list_and_its_xlsx_name_courses_by_title_on_a_named_sheet(home, client):
    import io

    from openpyxl import load_workbook

    with home.app_context():
        r.course("a").title = "Quản lý nhà nước về OCOP"
        db.session.commit()
    login(client, "manager@example.vn")
    page = client.get(f"/coverage/gaps?unit={r.HOME}").get_data(as_text=True)
    assert "Quản lý nhà nước về OCOP" in page
    book = load_workbook(io.BytesIO(client.get(f"/coverage/gaps.xlsx?unit={r.HOME}").data))
    assert book.sheetnames == ["Chưa được đào tạo"]
    values = [c.value for row in book.active.iter_rows() for c in row]
    assert "Quản lý nhà nước về OCOP" in values and "a" not in values

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
from tests.support import registry as r
from tests.support.client import login


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


def test_group_filter_offers_district_officials_only_before_the_reform(home, client):
    login(client, "manager@example.vn")
    after = client.get(f"/coverage/?unit={r.HOME}&as_of=2026-01-01").get_data(as_text=True)
    before = client.get(f"/coverage/?unit={r.HOME}&as_of=2025-06-30").get_data(as_text=True)
    assert 'value="official_district"' not in after.split('id="group"')[1].split("</select>")[0]
    assert 'value="official_district"' in before.split('id="group"')[1].split("</select>")[0]
    gaps = client.get(f"/coverage/gaps?unit={r.HOME}&as_of=2026-01-01").get_data(as_text=True)
    assert 'value="official_district"' not in gaps.split('id="group"')[1].split("</select>")[0]


def test_numbers_are_written_the_vietnamese_way(home, client):
    login(client, "manager@example.vn")
    page = client.get(f"/coverage/?unit={r.HOME}&as_of=2026-01-01").get_data(as_text=True)
    total = page.split('data-testid="total-percent">')[1].split("</p>")[0]
    assert total.strip() == "33,3 %"
    assert "33.3" not in page.replace('value="33.3"', "")  # only the meter's machine value


def test_certificate_csv_dates_are_day_first(home, client):
    from lms.certification.models import Certificate

    with home.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Certificate)) >= 1
    login(client, "admin@example.vn")
    body = client.get("/certificates/export.csv").data.decode("utf-8-sig")
    import re

    assert len(body.splitlines()) >= 2 and re.search(r"\b\d\d/\d\d/20\d\d\b", body)
    assert not re.search(r"\b20\d\d-\d\d-\d\d\b", body)


def test_the_bars_per_target_group_carry_the_group_names(home, client):
    login(client, "manager@example.vn")
    page = client.get(f"/coverage/?unit={r.HOME}").get_data(as_text=True)
    chart = page.split('<svg class="chart"')[1].split("</svg>")[0]
    assert 'data-testid="bar-label">Cán bộ cấp xã<' in chart


def test_units_table_export_with_the_page_filters(home, client):
    import io

    from openpyxl import load_workbook

    login(client, "manager@example.vn")
    page = client.get(f"/coverage/?unit={r.HOME}&as_of=2026-01-01").get_data(as_text=True)
    assert "/coverage/units.xlsx?" in page
    xlsx = client.get(f"/coverage/units.xlsx?unit={r.HOME}&as_of=2026-01-01&sort=required")
    assert xlsx.status_code == 200
    book = load_workbook(io.BytesIO(xlsx.data))
    rows = [[c.value for c in row] for row in book.active.iter_rows()]
    assert book.sheetnames[0] != "Sheet"
    assert rows[1][2] == 3 and rows[1][3] == 1  # the commune with people comes first (most to train)
    assert rows[-1][2:4] == [3, 1]  # the total
    csv = client.get(f"/coverage/units.csv?unit={r.HOME}&as_of=2026-01-01&sort=required").data.decode("utf-8-sig")
    assert "33,3" in csv
    other = client.get("/coverage/units.csv?unit=11")  # another province: refused
    assert other.status_code == 403
    early = client.get(f"/coverage/units.csv?unit={r.HOME}&as_of=2025-01-01&sort=required").data.decode("utf-8-sig")
    assert "33,3" not in early  # the date filter applies


def test_projection_needs_more_than_a_few_completions():
    from datetime import date as d

    few = [{"date": d(2025, 1, 31), "required": 100, "trained": 0, "percent": 0.0},
           {"date": d(2025, 12, 31), "required": 100, "trained": 2, "percent": 2.0}]
    assert queries.projection(few).get("few") is True and queries.projection(few)["date"] is None
    many = [few[0], {**few[1], "trained": 20, "percent": 20.0}]
    assert queries.projection(many)["date"] is not None


def test_dashboard_says_not_enough_data(home, client):
    login(client, "manager@example.vn")
    page = client.get(f"/coverage/?unit={r.HOME}&as_of=2026-01-01").get_data(as_text=True)
    assert 'data-testid="few-data"' in page

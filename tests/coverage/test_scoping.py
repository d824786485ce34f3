"""A manager of one unit never sees a person planted in another, on any coverage,
registry, export or API route; API token authentication."""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import load_workbook

from lms.auth.models import User
from lms.coverage import services as coverage_services
from lms.extensions import db
from lms.registry import services as registry_services
from lms.registry.models import Person
from lms.registry.queries import can_see_person, person_scope
from tests.support import registry as r
from tests.support.client import login, post_form

PLANTED = "Người Vùng Khác"
MINE = "Người Trong Vùng"
LEGACY_MINE = "Người Xã Cũ"


@pytest.fixture
def area(app, users):
    with app.app_context():
        r.load_test_units()
        r.course("a")
        coverage_services.set_requirement("official_commune", ["a"])
        coverage_services.set_requirement("cooperative_leader", ["a"])
        mine = r.person(MINE, "official_commune", r.HOME_COMMUNE)
        r.person(LEGACY_MINE, "official_commune", r.LEGACY_COMMUNE, scheme="legacy")
        other_org = r.org("0309999999", r.OTHER_COMMUNE, org_type="cooperative", name="HTX Vùng Khác")
        planted = r.person(PLANTED, "cooperative_leader", r.OTHER_COMMUNE, organisation=other_org)
        for role in ("manager", "trainer"):
            user = db.session.get(User, users[role].id)
            registry_services.assign_unit(user, r.unit(r.HOME))
        db.session.commit()
        return {"mine": mine.id, "planted": planted.id, "org": other_org.id}


def test_scope_contract(app, users, area):
    with app.app_context():
        for role, sees_planted in (("manager", False), ("trainer", False), ("admin", True), ("learner", False)):
            user = db.session.get(User, users[role].id)
            names = set(db.session.scalars(db.select(Person.full_name).where(person_scope(user))))
            assert (PLANTED in names) is sees_planted, role
            if role in ("manager", "trainer"):
                assert {MINE, LEGACY_MINE} <= names  # legacy units merged into the 2025 province
            assert can_see_person(user, db.session.get(Person, area["planted"])) is sees_planted


def _pages(area):
    today = date.today().isoformat()
    return [
        "/coverage/", f"/coverage/?unit={r.HOME}", f"/coverage/?unit={r.HOME}&scheme=2025&as_of={today}",
        "/coverage/?unit=45&scheme=legacy", f"/coverage/gaps?unit={r.HOME}",
        f"/coverage/gaps?unit={r.HOME}&group=cooperative_leader", f"/coverage/gaps.csv?unit={r.HOME}",
        "/registry/people", "/registry/people?q=Ng", "/registry/organisations",
        f"/registry/people?unit={r.HOME}", f"/api/v1/coverage?unit={r.HOME}",
    ]


def test_manager_never_sees_the_planted_person(client, area):
    login(client, "manager@example.vn")
    for path in _pages(area):
        response = client.get(path)
        assert response.status_code == 200, path
        body = response.get_data(as_text=True)
        assert PLANTED not in body and "HTX Vùng Khác" not in body, path
    assert MINE in client.get(f"/coverage/gaps?unit={r.HOME}").get_data(as_text=True)
    xlsx = client.get(f"/coverage/gaps.xlsx?unit={r.HOME}")
    cells = [c for row in load_workbook(io.BytesIO(xlsx.data)).active.iter_rows(values_only=True) for c in row]
    assert MINE in cells and PLANTED not in cells
    for path in (f"/coverage/?unit={r.OTHER}", f"/coverage/gaps?unit={r.OTHER}",
                 f"/coverage/gaps.csv?unit={r.OTHER}", f"/coverage/gaps.xlsx?unit={r.OTHER}",
                 f"/registry/people/{area['planted']}", f"/registry/organisations/{area['org']}",
                 f"/registry/people?unit={r.OTHER}", f"/api/v1/coverage?unit={r.OTHER}",
                 "/coverage/gaps.csv?scheme=2025&unit=01"):
        assert client.get(path).status_code in (403, 404), path
    api = client.get(f"/api/v1/coverage?unit={r.HOME}").get_json()
    assert api["total"]["required"] == 2
    assert {c["unit"]["code"] for c in api["children"]} >= {r.HOME_COMMUNE, r.LEGACY_TARGET}


def test_admin_sees_everything(client, area):
    login(client, "admin@example.vn")
    assert PLANTED in client.get(f"/coverage/gaps?unit={r.OTHER}").get_data(as_text=True)
    doc = client.get("/api/v1/coverage").get_json()
    assert doc["total"]["required"] == 3 and doc["unit"]["code"] is None


def test_api_token_authentication(client, area, app):
    login(client, "manager@example.vn")
    page = post_form(client, "/account/tokens", {"name": "báo cáo tỉnh"})
    html = page.get_data(as_text=True)
    secret = html.split('data-testid="token">')[1].split("<")[0]
    fresh = app.test_client()
    url = f"/api/v1/coverage?unit={r.HOME}&as_of=2030-01-01&group=official_commune"
    ok = fresh.get(url, headers={"Authorization": f"Bearer {secret}"})
    assert ok.status_code == 200
    doc = ok.get_json()
    assert doc["as_of"] == "2030-01-01" and doc["groups"][0]["group"] == "official_commune"
    assert set(doc["total"]) == {"required", "trained", "in_progress", "needs_refresher", "not_started", "percent"}
    assert fresh.get(url, headers={"Authorization": "Bearer lms_wrong"}).status_code == 401
    assert fresh.get(url).status_code == 401
    assert fresh.get(f"/api/v1/coverage?unit={r.OTHER}",
                     headers={"Authorization": f"Bearer {secret}"}).status_code == 403
    bad = fresh.get(f"/api/v1/coverage?unit={r.HOME}&as_of=yesterday", headers={"Authorization": f"Bearer {secret}"})
    assert bad.status_code == 400 and "YYYY-MM-DD" in bad.get_json()["error"]["message"]
    with app.app_context():
        from lms.apitokens.models import ApiToken

        token_id = db.session.scalar(db.select(ApiToken.id))
    post_form(client, f"/account/tokens/{token_id}/revoke", {}, token_from="/account/tokens")
    assert fresh.get(url, headers={"Authorization": f"Bearer {secret}"}).status_code == 401


def test_gap_exports_neutralise_formulas(client, area, app):
    with app.app_context():
        p = db.session.get(Person, area["mine"])
        p.full_name = "=HYPERLINK(\"http://evil\")"
        p.agency = "@SUM(A1)"
        db.session.commit()
    login(client, "manager@example.vn")
    csv_body = client.get(f"/coverage/gaps.csv?unit={r.HOME}").data.decode("utf-8-sig")
    assert "'=HYPERLINK" in csv_body and "'@SUM(A1)" in csv_body
    xlsx = client.get(f"/coverage/gaps.xlsx?unit={r.HOME}")
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    values = [c.value for row in sheet.iter_rows() for c in row]
    assert "'=HYPERLINK(\"http://evil\")" in values
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)


def test_admin_assigns_units_on_the_page(client, users, area, app):
    login(client, "admin@example.vn")
    response = post_form(client, "/registry/assignments",
                         {"login": "trainer@example.vn", "unit_code": r.OTHER, "scheme": "2025"})
    assert response.status_code == 302
    bad = post_form(client, "/registry/assignments", {"login": "learner@example.vn", "unit_code": r.OTHER,
                                                      "scheme": "2025"})
    assert "Only managers and trainers" in bad.get_data(as_text=True) or "Chỉ" in bad.get_data(as_text=True)
    with app.app_context():
        trainer = db.session.get(User, users["trainer"].id)
        assert can_see_person(trainer, db.session.get(Person, area["planted"]))

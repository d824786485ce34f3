"""My data: complete, for the person of the session only (also when probing with ids)."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from tests.support.client import login


def test_page_shows_every_domain(client, filled):
    login(client, "learner@example.vn")
    html = client.get("/account/data").get_data(as_text=True)
    for text in ("Nguyễn Thị Hoa", "0912345678", "044123456789", "Kinh", "1972", "Tập huấn OCOP",
                 "Lớp tập huấn xã A", filled["certificate"], "Nhắc học: Tập huấn OCOP", "person.view_full"):
        assert text in html, text
    assert "BÍ MẬT CỦA NGƯỜI KHÁC" not in html
    assert 'href="/account/data"' in client.get("/account").get_data(as_text=True)


def test_json_has_every_section_and_only_own_rows(client, filled):
    login(client, "learner@example.vn")
    response = client.get("/account/data.json")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    data = response.get_json()
    assert set(data) >= {"registry", "account", "enrolments", "lesson_progress", "attempts", "answers",
                         "completions", "classes", "attendance", "certificates", "messages", "registrations", "codes", "audit"}
    assert data["registry"][0]["national_id"] == "044123456789"
    assert data["attendance"][0]["status"] == "present"
    assert data["certificates"][0]["code"] == filled["certificate"]
    assert [m["body"] for m in data["messages"]] == ["Nhắc học: Tập huấn OCOP"]
    assert "person.view_full" in [a["action"] for a in data["audit"]]


def test_id_probing_returns_the_sessions_own_data(client, filled, users):
    login(client, "trainer@example.vn")
    for url in (f"/account/data.json?person_id={filled['person']}", f"/account/data.json?user_id={users['learner'].id}",
                f"/account/data/{filled['person']}", f"/account/data.json/{filled['person']}"):
        response = client.get(url)
        body = response.get_data(as_text=True)
        assert "Nguyễn Thị Hoa" not in body and "044123456789" not in body, url
    data = client.get("/account/data.json").get_json()
    assert data["registry"][0]["full_name"] != "Nguyễn Thị Hoa"
    assert [m["body"] for m in data["messages"]] == ["BÍ MẬT CỦA NGƯỜI KHÁC"]


def test_xlsx_says_it_holds_personal_data(client, filled):
    login(client, "learner@example.vn")
    response = client.get("/account/data.xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data), read_only=True)
    first = book[book.sheetnames[0]]
    assert "dữ liệu cá nhân" in str(next(first.iter_rows(values_only=True))[0])
    cells = {str(v) for sheet in book for row in sheet.iter_rows(values_only=True) for v in row}
    assert "044123456789" in cells and filled["certificate"] in cells
    assert "BÍ MẬT CỦA NGƯỜI KHÁC" not in cells


def test_anonymous_is_sent_to_login(client):
    for url in ("/account/data", "/account/data.json", "/account/data.xlsx"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]

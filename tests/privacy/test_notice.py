"""The privacy notice: who the controller is, what, why, how long, the rights, and its links."""

from __future__ import annotations

import pytest

from tests.support.client import login


@pytest.fixture
def app_config():
    return {
        "DATA_CONTROLLER_NAME": "Văn phòng Điều phối OCOP tỉnh Quảng Trị",
        "DATA_CONTROLLER_ADDRESS": "Số 1 Đường Hùng Vương, Đông Hà",
        "DATA_CONTROLLER_CONTACT": "ocop@quangtri.gov.vn",
    }


def test_notice_in_vietnamese_names_controller_purposes_rights_and_periods(client):
    html = client.get("/privacy").get_data(as_text=True)
    assert "Văn phòng Điều phối OCOP tỉnh Quảng Trị" in html
    assert "Số 1 Đường Hùng Vương, Đông Hà" in html and "ocop@quangtri.gov.vn" in html
    assert "91/2025/QH15" in html and "356/2025/NĐ-CP" in html
    for part in ("Căn cứ xử lý", "Ai được xem dữ liệu", "Thời gian lưu trữ", "Điều 4", "không bắt buộc"):
        assert part in html
    assert "5 năm sau khi rời Chương trình" in html


def test_notice_in_english(client):
    client.set_cookie("lms_lang", "en")
    html = client.get("/privacy", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Privacy notice" in html and "Legal basis" in html and "Article 4" in html


def test_notice_without_configured_controller_says_so(app, client):
    app.config["DATA_CONTROLLER_NAME"] = ""
    assert "chưa khai báo tên" in client.get("/privacy").get_data(as_text=True)


def test_footer_and_account_page_link_to_the_notice(client, users):
    assert 'href="/privacy"' in client.get("/login").get_data(as_text=True)
    login(client, "learner@example.vn")
    html = client.get("/account").get_data(as_text=True)
    assert html.count('href="/privacy"') >= 2


def test_activation_and_registration_pages_link_to_the_notice(client):
    from tests.support import registry as r

    with client.application.app_context():
        r.load_test_units()
    for url in ("/activate", f"/register?province={r.HOME}"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert 'href="/privacy"' in response.get_data(as_text=True).split("<footer")[0], url

"""Public verification: valid / revoked / expired / unknown, and nothing private on the page."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from lms.certification.codes import format_code
from lms.extensions import db


@pytest.fixture
def planted(app, make_course, make_person, complete):
    """A certificate whose holder has a phone, an e-mail and a second certificate."""
    person = make_person(name="Nguyễn Thị Hường", phone="0987654321", email="huong.private@example.vn")
    first = complete(person, make_course(title="Quản trị sản xuất, kinh doanh", hours=24))
    second = complete(person, make_course(title="Bí mật khóa học thứ hai", hours=8))
    return {"code": first, "other": second, "person": person}


def _page(client, code):
    response = client.get(f"/verify/{code}")
    assert response.status_code == 200
    return response, response.get_data(as_text=True)


def test_valid_certificate_shows_only_the_public_facts(client, planted, certificate):
    response, html = _page(client, planted["code"])
    assert "Giấy chứng nhận này còn hiệu lực." in html
    with certificate(planted["code"]) as c:
        issued, issuer = c.issued_on, c.issuer
    assert "Nguyễn Thị Hường" in html
    assert "Quản trị sản xuất, kinh doanh" in html
    assert issuer in html
    assert issued.strftime("%Y") in html
    assert format_code(planted["code"]) in html
    # Nothing else about the holder: no phone (in any spelling), no e-mail, no other certificate.
    for secret in ("0987654321", "0987 654 321", "987654321", "huong.private", "Bí mật khóa học thứ hai",
                   planted["other"], format_code(planted["other"])):
        assert secret not in html
    assert response.headers["X-Robots-Tag"] == "noindex, nofollow"
    assert response.headers["Cache-Control"] == "no-store"


def test_revoked_certificate_shows_the_date_but_neither_reason_nor_note(
    app, client, users, planted
):
    from lms.auth.models import User
    from lms.certification import queries, services

    with app.app_context():
        c = queries.by_code(planted["code"])
        admin = db.session.get(User, users["admin"].id)
        services.revoke(c, reason="wrong_person", note="Nội bộ: nhầm với chị Hường ở xã bên", actor=admin)
        db.session.commit()
    _, html = _page(client, planted["code"])
    assert "Giấy chứng nhận này đã bị thu hồi." in html
    assert "Cấp sai người" not in html and "Lý do" not in html  # issue 18, finding 10
    assert "Ngày thu hồi" in html
    assert "Nội bộ" not in html
    assert "0987654321" not in html


def test_expired_certificate(app, client, planted):
    from lms.certification import queries

    with app.app_context():
        c = queries.by_code(planted["code"])
        c.issued_on = date(2024, 1, 10)
        c.expires_on = date.today() - timedelta(days=2)
        db.session.commit()
    _, html = _page(client, planted["code"])
    assert "Giấy chứng nhận này đã hết hạn." in html
    assert "Hết hạn ngày" in html


def test_future_expiry_is_still_valid(app, client, planted):
    from lms.certification import queries

    with app.app_context():
        queries.by_code(planted["code"]).expires_on = date.today() + timedelta(days=30)
        db.session.commit()
    _, html = _page(client, planted["code"])
    assert "còn hiệu lực" in html and "Có giá trị đến" in html


def test_unknown_and_malformed_codes_get_a_404_that_says_so(client, planted):
    for path in ("/verify/" + "0" * 28, "/verify/abc", "/verify/" + planted["code"][:-1] + "U"):
        response = client.get(path)
        assert response.status_code == 404
        html = response.get_data(as_text=True)
        assert "Không có chứng nhận nào mang mã này" in html and "Nguyễn" not in html


def test_typed_code_in_any_spelling_leads_to_the_page(client, planted):
    typed = format_code(planted["code"]).lower().replace("-", " ")
    response = client.get("/verify", query_string={"code": typed})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/verify/{planted['code']}"
    # A non-canonical spelling in the URL itself is redirected to the canonical one.
    response = client.get("/verify/" + format_code(planted["code"]).lower())
    assert response.status_code == 302 and response.headers["Location"] == f"/verify/{planted['code']}"


def test_the_form_explains_a_malformed_code_beside_the_field(client):
    html = client.get("/verify", query_string={"code": "ABC-123"}).get_data(as_text=True)
    assert 'aria-invalid="true"' in html
    assert "Đây không phải là mã giấy chứng nhận" in html
    html = client.get("/verify").get_data(as_text=True)
    assert "aria-invalid" not in html and 'name="code"' in html


@pytest.mark.parametrize("app_config", [{"CERTIFICATE_VERIFY_RATE_LIMIT": "3/minute"}])
def test_verification_is_rate_limited_per_address(app, client, planted):
    for _ in range(3):
        assert client.get(f"/verify/{planted['code']}").status_code == 200
    assert client.get(f"/verify/{planted['code']}").status_code == 429
    assert client.get("/verify", query_string={"code": planted["code"]}).status_code == 429
    other_address = app.test_client()
    response = other_address.get(f"/verify/{planted['code']}", environ_base={"REMOTE_ADDR": "10.9.8.7"})
    assert response.status_code == 200


def test_verification_form_needs_no_login_and_posts_nothing(client):
    response = client.get("/verify")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'method="get"' in html and 'name="csrf_token"' not in html.split("<main")[1]

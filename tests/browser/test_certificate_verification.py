"""Someone scans a certificate's QR code with a phone and sees whether it is genuine."""

from __future__ import annotations

from sqlalchemy import select

from lms.extensions import db


def _issue(app, name: str) -> str:
    from lms.catalog.models import Course
    from lms.catalog.services import record_completion
    from lms.certification.models import Certificate
    from lms.registry.models import Person

    with app.app_context():
        course = Course(slug="quan-tri", title="Quản trị sản xuất, kinh doanh cho chủ thể OCOP", hours=24)
        person = Person(full_name=name, phone="0911222333")
        db.session.add_all([course, person])
        db.session.flush()
        record_completion(person.id, course, via="class")
        db.session.commit()
        return db.session.scalar(select(Certificate.code))


def test_qr_url_opens_the_verification_page_on_a_phone(app, phone_page, live_server):
    from lms.certification import rendering
    from lms.certification.codes import format_code
    from lms.certification.models import Certificate

    app.config["PUBLIC_BASE_URL"] = live_server
    code = _issue(app, "Nguyễn Thị Hường")
    with app.app_context():
        c = db.session.scalar(select(Certificate))
        qr_url = rendering.certificate_context(c.code, c.details(), rendering.template_info(c.template))[
            "certificate"]["verify_url"]
    assert qr_url == f"{live_server}/verify/{code}"

    page = phone_page
    page.goto(qr_url)
    assert page.locator("h1").inner_text() == "Xác thực giấy chứng nhận"
    assert page.get_by_test_id("status").inner_text().strip() == "Giấy chứng nhận này còn hiệu lực."
    assert page.get_by_test_id("holder").inner_text() == "Nguyễn Thị Hường"
    body = page.locator("main").inner_text()
    assert "Quản trị sản xuất, kinh doanh cho chủ thể OCOP" in body
    assert "0911222333" not in page.content()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    # Typing the printed code by hand, in lower case with spaces, leads to the same page.
    with page.expect_navigation():
        page.get_by_role("link", name="Kiểm tra giấy chứng nhận khác").click()
    page.get_by_label("Mã xác thực").fill(format_code(code).lower().replace("-", " "))
    page.get_by_role("button", name="Kiểm tra").click()
    page.wait_for_url(f"**/verify/{code}")
    assert page.get_by_test_id("holder").inner_text() == "Nguyễn Thị Hường"
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    # An unknown code: a 404 that says there is no such certificate.
    response = page.goto(f"{live_server}/verify/{'0' * 28}")
    assert response.status == 404
    assert "Không có chứng nhận nào mang mã này" in page.locator("main").inner_text()

"""PDFs: every Vietnamese diacritic survives; bulk output is one A4 landscape page per certificate."""

from __future__ import annotations

import io
import re
import zipfile

import pypdf
import pytest

from lms.certification import rendering
from lms.extensions import db
from tests.support.client import login

FULL_NAME = "Nguyễn Thị Hường — Hợp tác xã Dịch vụ Nông nghiệp Quảng Trị"


def _text(pdf: bytes, page: int = 0) -> str:
    raw = pypdf.PdfReader(io.BytesIO(pdf)).pages[page].extract_text()
    return re.sub(r"\s+", " ", raw)


@pytest.fixture
def issued(app, make_course, make_person, complete):
    def factory(name=FULL_NAME, template=None, n=1):
        course = make_course(template=template)
        return [complete(make_person(name=name if n == 1 else f"{name} {i}"), course) for i in range(n)]

    return factory


def test_pdf_text_keeps_every_diacritic(app, issued, certificate):
    from lms.certification import services

    (code,) = issued()
    with certificate(code) as c:
        pdf = services.render_certificate_pdf(c)
    assert pdf.startswith(b"%PDF")
    text = _text(pdf)
    assert FULL_NAME in text
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "Độc lập - Tự do - Hạnh phúc" in text
    assert "GIẤY CHỨNG NHẬN" in text
    assert "Quản trị sản xuất, kinh doanh cho chủ thể OCOP" in text
    assert "24 giờ" in text
    assert "GIÁM ĐỐC" in text and "Lê Văn Hòa" in text


def test_the_bundled_font_is_embedded(app, issued, certificate):
    from lms.certification import services

    (code,) = issued()
    with certificate(code) as c:
        pdf = services.render_certificate_pdf(c)
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    fonts = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            fonts.add(str(font.get_object()["/BaseFont"]))
    assert fonts and all("Be-Vietnam-Pro" in f for f in fonts), fonts


def test_qr_and_printed_link_point_to_the_public_verification_page(app, issued, certificate):
    import segno

    app.config["PUBLIC_BASE_URL"] = "https://daotao.ocop.example.vn/"
    (code,) = issued()
    with certificate(code) as c:
        info = rendering.template_info(c.template)
        context = rendering.certificate_context(c.code, c.details(), info)
        from lms.certification import services

        pdf = services.render_certificate_pdf(c)
    url = f"https://daotao.ocop.example.vn/verify/{code}"
    assert context["certificate"]["verify_url"] == url
    assert context["certificate"]["qr"] == segno.make(url, error="m", micro=False).svg_data_uri(
        scale=4, border=0, dark="#000"
    )
    assert url in _text(pdf).replace(" ", "")
    assert re.fullmatch(r"/verify/[0-9A-Z]{28}", url.split(".vn")[1])  # nothing sequential


def test_english_template(app, issued, certificate):
    from lms.certification import services

    (code,) = issued(template="en")
    with certificate(code) as c:
        text = _text(services.render_certificate_pdf(c))
    assert "Certificate of Completion" in text and FULL_NAME in text


def test_bulk_pdf_has_one_a4_landscape_page_per_certificate(app, issued):
    from lms.certification import services
    from lms.certification.models import Certificate

    issued(name="Hoàng Văn Thụ", n=3)
    with app.app_context():
        certificates = db.session.scalars(db.select(Certificate).order_by(Certificate.holder_name)).all()
        pdf = services.render_bulk_pdf(certificates)
        archive = services.render_bulk_zip(certificates)
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 3
    for index, page in enumerate(reader.pages):
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        assert round(width) == 842 and round(height) == 595  # A4 landscape in points
        assert f"Hoàng Văn Thụ {index}" in _text(pdf, index)
    with zipfile.ZipFile(io.BytesIO(archive)) as z:
        names = z.namelist()
        assert len(names) == 3 and all(n.startswith("hoang-van-thu-") and n.endswith(".pdf") for n in names)
        assert all(z.read(n).startswith(b"%PDF") for n in names)


def test_staff_bulk_downloads_follow_the_filter(app, client, users, make_course, make_person, complete):
    a, b = make_course(title="Khóa A"), make_course(title="Khóa B")
    for i in range(2):
        complete(make_person(name=f"Người A{i}"), a)
    complete(make_person(name="Người B"), b)
    login(client, "admin@example.vn")
    response = client.get("/certificates/print.pdf", query_string={"course": str(a)})
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert len(pypdf.PdfReader(io.BytesIO(response.data)).pages) == 2
    response = client.get("/certificates/print.zip", query_string={"course": str(b)})
    assert response.status_code == 200 and response.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.data)) as z:
        assert len(z.namelist()) == 1
    # An empty filter result sends the user back with a message.
    response = client.get("/certificates/print.pdf", query_string={"issued_from": "2099-01-01"})
    assert response.status_code == 302
    app.config["CERTIFICATE_BULK_MAX"] = 1
    response = client.get("/certificates/print.pdf", query_string={"course": str(a)}, follow_redirects=True)
    assert "Quá nhiều giấy chứng nhận" in response.get_data(as_text=True)

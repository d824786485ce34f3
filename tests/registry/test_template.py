"""The import template: Vietnamese sheet names and headers, the accepted course codes, no
real phone number in its samples; errors name columns as the template does (issue 17)."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from lms.extensions import db
from tests.support.client import login


def test_template_sheets_course_codes_and_samples(app, client, users):
    from lms.catalog.models import Course
    from lms.main.demo import DEMO_ACCOUNTS
    from lms.registry import imports

    with app.app_context():
        db.session.add(Course(slug="quan-tri-san-xuat-kinh-doanh", title="Quản trị sản xuất kinh doanh"))
        db.session.commit()
    login(client, "admin@example.vn")
    data = client.get("/registry/import/template.xlsx").data
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["Hướng dẫn", "Tổ chức", "Cán bộ", "Sản phẩm", "Kết quả đào tạo", "Mã khóa học"]
    codes = [[c.value for c in row] for row in book["Mã khóa học"].iter_rows(min_row=2)]
    assert codes == [["quan-tri-san-xuat-kinh-doanh", "Quản trị sản xuất kinh doanh"]]
    demo_phones = {a.login for a in DEMO_ACCOUNTS if a.is_phone}
    cells = {str(c.value).replace(" ", "") for ws in book.worksheets for row in ws.iter_rows() for c in row if c.value}
    assert not cells & demo_phones
    # The template's sheets are read back as their kinds.
    with app.app_context():
        sheets = imports.read_file("template.xlsx", data)
    assert [s.kind for s in sheets] == ["organizations", "officials", "products", "completions"]


def test_missing_columns_are_named_by_their_vietnamese_headers(app):
    import pytest

    from lms.registry import imports

    with app.app_context(), pytest.raises(imports.ImportFileError) as info:
        imports.read_file("x.csv", b"org_code,org_name,org_type,leader_name\n1,X,HTX,An\n", "organizations")
    assert "Mã đơn vị hành chính" in str(info.value)

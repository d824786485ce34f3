"""Sign-in sheet import: row/column errors, all-or-nothing, capacity, the registry reader's checks."""

from __future__ import annotations

import io

from sqlalchemy import select

from lms.extensions import db
from tests.support.classes import make_class
from tests.support.client import login, post_form


def _upload(client, class_id, name, content: bytes):
    return post_form(client, f"/classes/{class_id}/signin",
                     {"file": (io.BytesIO(content), name)}, content_type="multipart/form-data")


def _roster(app, class_id):
    from lms.classes.models import RosterEntry

    with app.app_context():
        return sorted(db.session.scalars(select(RosterEntry.person_id).where(RosterEntry.class_id == class_id)))


def test_signin_sheet_by_national_id_phone_and_name_with_organisation(app, client, world, users):
    class_id = make_class(app, world, trainers=[users["trainer"].id])
    people = world["people"]
    csv = ("Số CCCD,Điện thoại,Họ và tên,Tổ chức / cơ quan\n"
           "044000000000,,,\n"
           ",0912 000 001,,\n"
           ",,học viên 2,HTX Khoai Deo\n").encode()
    login(client, "trainer@example.vn")
    response = _upload(client, class_id, "ky-ten.csv", csv)
    assert response.status_code == 302
    assert _roster(app, class_id) == sorted(people[:3])
    # The same file again changes nothing.
    assert _upload(client, class_id, "ky-ten.csv", csv).status_code == 302
    assert _roster(app, class_id) == sorted(people[:3])


def test_signin_errors_name_row_and_column_and_add_nobody(app, client, world, users):
    class_id = make_class(app, world, trainers=[users["trainer"].id])
    csv = ("national_id,phone,full_name,organisation\n"
           "044000000000,,,\n"                 # fine
           ",0913000001,,\n"                   # a person outside the trainer's area
           ",12345,,\n"                        # not a phone number
           ",,Không Ai,HTX Khoai Deo\n"        # nobody of that name
           ",,Học viên 3,\n"                   # a name without an organisation
           "044000000000,,,\n").encode()       # the same person twice
    login(client, "trainer@example.vn")
    response = _upload(client, class_id, "sheet.csv", csv)
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    from lms.registry.imports import HEADERS_VI

    for row, key in ((3, "phone"), (4, "phone"), (5, "full_name"), (6, "full_name"), (7, "full_name")):
        column = HEADERS_VI[key]  # named as the template names it
        assert f"row {row}, column {column}" in text or f"dòng {row}, cột {column}" in text, (row, column)
    assert "row 2," not in text and "dòng 2," not in text
    assert _roster(app, class_id) == []


def test_signin_over_capacity_adds_nobody(app, client, world, users):
    class_id = make_class(app, world, trainers=[users["trainer"].id], capacity=2)
    csv = b"phone\n0912000000\n0912000001\n0912000002\n"
    login(client, "trainer@example.vn")
    response = _upload(client, class_id, "sheet.csv", csv)
    assert response.status_code == 400
    assert "capacity 2" in response.get_data(as_text=True) or "sức chứa 2" in response.get_data(as_text=True)
    assert _roster(app, class_id) == []


def test_signin_unreadable_files_are_refused_clearly(app, client, world, users):
    class_id = make_class(app, world, trainers=[users["trainer"].id])
    login(client, "trainer@example.vn")
    for name, content in (("a.csv", "Số CCCD\n".encode("utf-16")), ("a.xlsx", b"PK\x03\x04broken"),
                          ("a.pdf", b"%PDF-1.4"), ("a.csv", b"colour,size\nred,1\n")):
        response = _upload(client, class_id, name, content)
        assert response.status_code == 400, name
        assert 'class="flash error"' in response.get_data(as_text=True)
    assert _roster(app, class_id) == []


def test_signin_xlsx(app, client, world, users):
    from openpyxl import Workbook

    class_id = make_class(app, world, trainers=[users["trainer"].id])
    book = Workbook()
    sheet = book.active
    sheet.append(["Họ và tên", "Mã số thuế / ĐKKD"])
    sheet.append(["Học viên 4", "3200000001"])
    out = io.BytesIO()
    book.save(out)
    login(client, "trainer@example.vn")
    assert _upload(client, class_id, "sheet.xlsx", out.getvalue()).status_code == 302
    assert _roster(app, class_id) == [world["people"][4]]

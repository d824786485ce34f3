"""Staff pages: scoped lists, search, export, correction with versions, revocation; learners' own."""

from __future__ import annotations

import csv
import io

import pypdf
from sqlalchemy import select

from lms.certification.codes import format_code
from lms.extensions import db
from tests.support.client import csrf_token, login, post_form


def _admin_only(make_course, make_person, complete, name="Đinh Thị Lan", **course):
    """A certificate of a person that only administrators may see (in no manager's area)."""
    return complete(make_person(name=name, phone="0977000111"), make_course(**course))


def test_manager_and_trainer_cannot_see_or_act_outside_their_area(
    app, client, users, make_course, make_person, complete
):
    code = _admin_only(make_course, make_person, complete)
    for role in ("manager", "trainer"):
        c = app.test_client()
        login(c, f"{role}@example.vn")
        assert "Đinh Thị Lan" not in c.get("/certificates").get_data(as_text=True)
        assert "Đinh Thị Lan" not in c.get("/certificates", query_string={"q": code}).get_data(as_text=True)
        assert "Đinh Thị Lan" not in c.get("/certificates/pending").get_data(as_text=True)
        assert "Đinh Thị Lan" not in c.get("/certificates/export.csv").get_data(as_text=True)
        assert c.get("/certificates/print.pdf").status_code == 302
        for path in ("", "/pdf", "/versions/1.pdf", "/correct", "/revoke"):
            assert c.get(f"/certificates/{code}{path}").status_code == 403
        response = post_form(c, f"/certificates/{code}/revoke", {"reason": "other"}, token_from="/account")
        assert response.status_code == 403
        response = post_form(c, f"/certificates/{code}/correct", {"holder_name": "X"}, token_from="/account")
        assert response.status_code == 403
    with app.app_context():
        from lms.certification import queries

        assert queries.by_code(code).revoked_at is None and queries.by_code(code).holder_name == "Đinh Thị Lan"
    # … and an administrator sees and manages it.
    login(client, "admin@example.vn")
    assert "Đinh Thị Lan" in client.get("/certificates").get_data(as_text=True)
    assert client.get(f"/certificates/{code}").status_code == 200


def test_search_by_name_code_course_status_and_dates(app, client, users, make_course, make_person, complete):
    course_a, course_b = make_course(title="Khóa A"), make_course(title="Khóa B")
    lan = complete(make_person(name="Đinh Thị Lan"), course_a)
    complete(make_person(name="Vũ Văn Nam"), course_b)
    login(client, "admin@example.vn")

    def names(**query):
        html = client.get("/certificates", query_string=query).get_data(as_text=True)
        return {n for n in ("Đinh Thị Lan", "Vũ Văn Nam") if n in html}

    assert names() == {"Đinh Thị Lan", "Vũ Văn Nam"}
    assert names(q="thị lan") == {"Đinh Thị Lan"}
    assert names(q=format_code(lan).lower()) == {"Đinh Thị Lan"}
    assert names(course=str(course_b)) == {"Vũ Văn Nam"}
    assert names(status="valid") == {"Đinh Thị Lan", "Vũ Văn Nam"}
    assert names(status="revoked") == set()
    assert names(issued_from="2000-01-01", issued_to="2000-12-31") == set()
    html = client.get("/certificates", query_string={"issued_from": "not-a-date"}).get_data(as_text=True)
    assert 'aria-invalid="true"' in html


def test_correction_keeps_the_code_and_the_old_version(app, client, users, make_course, make_person, complete):
    from lms.certification import queries
    from lms.certification.models import CertificateVersion
    from lms.core.audit import AuditLog

    code = _admin_only(make_course, make_person, complete, name="Nguyen Thi Huong")
    login(client, "admin@example.vn")
    form = client.get(f"/certificates/{code}/correct").get_data(as_text=True)
    assert 'value="Nguyen Thi Huong"' in form
    with app.app_context():
        c = queries.by_code(code)
        data = {name: getattr(c, name) for name in (
            "holder_name", "course_title", "hours", "completed_on", "issued_on", "issuer", "signer_title",
            "signer_name", "place")}
    data = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in data.items()}
    # The reason is required, beside its field.
    response = post_form(client, f"/certificates/{code}/correct", {**data, "holder_name": "Nguyễn Thị Hường"})
    assert response.status_code == 200 and 'aria-invalid="true"' in response.get_data(as_text=True)
    response = post_form(client, f"/certificates/{code}/correct", {
        **data, "holder_name": "Nguyễn Thị Hường", "expires_on": "2030-12-31",
        "note": "Tên bị nhập thiếu dấu",
    })
    assert response.status_code == 302 and response.headers["Location"].endswith(code)
    with app.app_context():
        c = queries.by_code(code)
        assert c.code == code and c.version == 2 and c.holder_name == "Nguyễn Thị Hường"
        assert c.expires_on.isoformat() == "2030-12-31"
        versions = db.session.scalars(select(CertificateVersion).order_by(CertificateVersion.number)).all()
        assert [v.details["holder_name"] for v in versions] == ["Nguyen Thi Huong", "Nguyễn Thị Hường"]
        entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "certificate.correct"))
        assert entry.actor_id == users["admin"].id
        assert set(entry.details["fields"]) == {"holder_name", "expires_on"}
    new_pdf = client.get(f"/certificates/{code}/pdf").data
    old_pdf = client.get(f"/certificates/{code}/versions/1.pdf").data
    assert "Nguyễn Thị Hường" in pypdf.PdfReader(io.BytesIO(new_pdf)).pages[0].extract_text()
    assert "Nguyen Thi Huong" in pypdf.PdfReader(io.BytesIO(old_pdf)).pages[0].extract_text()
    assert client.get(f"/certificates/{code}/versions/9.pdf").status_code == 404
    assert "Nguyễn Thị Hường" in client.get(f"/verify/{code}").get_data(as_text=True)


def test_revocation_through_the_form(app, client, users, make_course, make_person, complete):
    from lms.certification import queries
    from lms.core.audit import AuditLog

    code = _admin_only(make_course, make_person, complete)
    login(client, "admin@example.vn")
    response = post_form(client, f"/certificates/{code}/revoke", {"reason": "", "note": "x"})
    assert response.status_code == 200 and 'aria-invalid="true"' in response.get_data(as_text=True)
    response = post_form(client, f"/certificates/{code}/revoke", {"reason": "bogus"})
    assert response.status_code == 200
    response = post_form(client, f"/certificates/{code}/revoke", {"reason": "misconduct", "note": "Học hộ"})
    assert response.status_code == 302
    with app.app_context():
        c = queries.by_code(code)
        assert c.revocation_reason == "misconduct" and c.revoked_by_id == users["admin"].id
        entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "certificate.revoke"))
        assert entry.details == {"reason": "misconduct"}
    # No correction and no second revocation afterwards.
    assert client.get(f"/certificates/{code}/correct").status_code == 302
    assert client.get(f"/certificates/{code}/revoke").status_code == 302
    html = client.get(f"/verify/{code}").get_data(as_text=True)
    # The public page says revoked, and when; neither the reason nor the note (issue 18, 10).
    assert "Không thực sự hoàn thành khóa đào tạo" not in html and "Học hộ" not in html
    assert "đã bị thu hồi" in html


def test_exports_of_names_with_control_characters_answer(app, client, users, make_course, make_person, complete):
    """Issue 18, finding 4: names stored with control characters (before the input filters,
    or by any other path) still export, without the characters and without a formula."""
    # PostgreSQL refuses NUL in text outright, so only SQLite can hold the first one.
    nul = "" if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql") else "\x00"
    complete(make_person(name=f"{nul}=1+1\x01 Ai"), make_course(title="Khóa\x01 học"))
    from openpyxl import load_workbook

    login(client, "admin@example.vn")
    response = client.get("/certificates/export.xlsx")
    assert response.status_code == 200
    cells = [c for row in load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True) for c in row]
    assert "'=1+1 Ai" in cells and "Khóa học" in cells
    response = client.get("/certificates/export.csv")
    assert response.status_code == 200
    assert b"\x00" not in response.data and b"\x01" not in response.data and b"'=1+1 Ai" in response.data


def test_exports_neutralise_formulas(app, client, users, make_course, make_person, complete):
    from openpyxl import load_workbook

    complete(make_person(name="=HYPERLINK(\"http://evil.example\",\"x\")"), make_course(title="+SUM(A1:A9)"))
    complete(make_person(name="Trần Thị Bé"), make_course(title="@cmd"))
    login(client, "admin@example.vn")
    response = client.get("/certificates/export.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][0] == "Mã" and len(rows) == 3
    cells = [cell for row in rows for cell in row]
    assert "Trần Thị Bé" in cells
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in cells)
    assert "'=HYPERLINK(\"http://evil.example\",\"x\")" in cells and "'+SUM(A1:A9)" in cells

    response = client.get("/certificates/export.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    values = [cell.value for row in sheet.iter_rows() for cell in row]
    assert not any(isinstance(v, str) and v.startswith(("=", "+", "-", "@")) for v in values)
    assert "'@cmd" in values and "Trần Thị Bé" in values
    assert sheet.cell(row=1, column=2).value == "Họ và tên người được cấp"


def test_learner_sees_and_downloads_only_their_own(app, client, users, make_course, make_person, complete):
    course = make_course()
    own = complete(users["learner"].person_id, course)
    other = complete(make_person(name="Người khác"), course)
    login(client, "learner@example.vn")
    html = client.get("/my/certificates").get_data(as_text=True)
    assert format_code(own) in html and format_code(other) not in html and "Người khác" not in html
    response = client.get(f"/my/certificates/{own}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    assert client.get(f"/my/certificates/{other}.pdf").status_code == 403
    assert client.get("/my/certificates/" + "0" * 28 + ".pdf").status_code == 404
    assert client.get(f"/certificates/{own}").status_code == 403  # staff pages stay closed


def test_revoked_certificate_is_not_offered_for_download(app, client, users, make_course, complete):
    from lms.auth.models import User
    from lms.certification import queries, services

    code = complete(users["learner"].person_id, make_course())
    with app.app_context():
        services.revoke(queries.by_code(code), reason="issued_in_error", actor=db.session.get(User, users["admin"].id))
        db.session.commit()
    login(client, "learner@example.vn")
    html = client.get("/my/certificates").get_data(as_text=True)
    assert "Đã thu hồi" in html and f"/my/certificates/{code}.pdf" not in html
    assert client.get(f"/my/certificates/{code}.pdf").status_code == 403


def test_course_policy_page(app, client, users, make_course, make_person, complete):
    from lms.core.audit import AuditLog

    course = make_course(title="Khóa tập huấn")
    login(client, "manager@example.vn")
    html = client.get("/certificates/courses").get_data(as_text=True)
    assert "Khóa tập huấn" in html and "Trực tuyến" in html
    # A setting for every area: a manager sees it, only an administrator changes it (issue 18, 7).
    html = client.get(f"/certificates/courses/{course}").get_data(as_text=True)
    assert "Trực tuyến" in html and 'name="vias"' not in html
    assert post_form(client, f"/certificates/courses/{course}", {"vias": ["class"]},
                     token_from="/account").status_code == 403
    client.post("/logout", data={"csrf_token": csrf_token(client, "/account")})
    login(client, "admin@example.vn")
    response = post_form(client, f"/certificates/courses/{course}", {"vias": ["class"]})
    assert response.status_code == 302
    response = post_form(client, f"/certificates/courses/{course}", {"vias": ["teleport"]})
    assert response.status_code == 200 and 'class="field invalid"' in response.get_data(as_text=True)
    assert complete(make_person(name="Học trực tuyến"), course, via="online") is None
    assert complete(make_person(name="Học tại lớp"), course, via="class") is not None
    with app.app_context():
        entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "certificate.policy"))
        assert entry.details == {"old": ["online", "class", "historical"], "new": ["class"]} and entry.actor_id == users["admin"].id
    # Nothing ticked: every certificate of the course is issued by hand.
    assert post_form(client, f"/certificates/courses/{course}", {}).status_code == 302
    assert complete(make_person(name="Học tại lớp 2"), course, via="class") is None


def test_list_filters_by_unit_subtree(app, client, users, make_course, make_person, complete):
    """The unit filter keeps the people registered in that commune or province (2025 list)."""
    from lms.registry.models import AdminUnit, Person

    with app.app_context():
        province = AdminUnit(scheme="2025", code="44", name="Tỉnh Quảng Trị", level="province", type="Tỉnh")
        other = AdminUnit(scheme="2025", code="46", name="Thành phố Huế", level="province", type="Thành phố")
        db.session.add_all([province, other])
        db.session.flush()
        province.new_province_id = province.id
        other.new_province_id = other.id
        db.session.commit()
        ids = {"44": province.id, "46": other.id}
    course = make_course()
    here = make_person("Người Quảng Trị")
    there = make_person("Người Huế")
    with app.app_context():
        db.session.get(Person, here).unit_id = ids["44"]
        db.session.get(Person, there).unit_id = ids["46"]
        db.session.commit()
    complete(here, course)
    complete(there, course)
    login(client, "admin@example.vn")
    html = client.get("/certificates?unit=44").get_data(as_text=True)
    assert "Người Quảng Trị" in html and "Người Huế" not in html
    html = client.get("/certificates?unit=999").get_data(as_text=True)
    assert "Không có đơn vị nào mang mã này" in html

"""Registry import: errors with row and column, all-or-nothing, idempotence, normalisation,
hostile cells, file-level refusals (size, zip bombs, encodings)."""

from __future__ import annotations

import io
import zipfile
from datetime import date

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from lms.catalog.models import CourseCompletion
from lms.extensions import db
from lms.registry.imports import HEADERS_VI
from lms.registry.models import Organisation, Person, Product
from tests.support import registry as r
from tests.support.client import login, post_form

ORG_HEADER = "org_code,org_name,org_type,unit_code,leader_name,leader_phone,leader_national_id,joined_year,status,withdrawn_on\n"


@pytest.fixture
def units(app):
    with app.app_context():
        r.load_test_units()
        r.course("quan-tri")
        db.session.commit()
    return app


def run(runner, tmp_path, name, content, *args):
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return runner.invoke(args=["lms", "import-registry", str(path), *args])


def counts(app):
    with app.app_context():
        return (
            db.session.scalar(select(func.count()).select_from(Organisation)),
            db.session.scalar(select(func.count()).select_from(Person).where(Person.target_group.is_not(None))),
            db.session.scalar(select(func.count()).select_from(Product)),
        )


def test_organisations_import_is_idempotent_and_normalises(units, runner, tmp_path):
    decomposed = "Nguye\u0302\u0303n Va\u0306n An"  # NFD spelling of Nguyễn Văn An
    csv_text = ORG_HEADER + (
        f"0101234567,HTX Hoàn Lão,Hợp tác xã,{r.HOME_COMMUNE},{decomposed},+84 912-345-678,001090000001,2021,,\n"
        f"0207654321,Công ty Trà,enterprise,{r.HOME_COMMUNE},Lê Thị Hoa,0987.654.321,,2022,Đã rút,01/03/2024\n"
    )
    result = run(runner, tmp_path, "orgs.csv", "\ufeff" + csv_text)
    assert result.exit_code == 0, result.output
    assert "organizations: 2 created" in result.output
    with units.app_context():
        an = db.session.scalar(select(Person).where(Person.phone == "0912345678"))
        assert an.full_name == "Nguyễn Văn An" and an.target_group == "cooperative_leader"
        assert an.organisation.code == "0101234567" and an.national_id == "001090000001"
        tra = db.session.scalar(select(Organisation).where(Organisation.code == "0207654321"))
        assert tra.status == "withdrawn" and tra.withdrawn_on == date(2024, 3, 1)
    before = counts(units)
    again = run(runner, tmp_path, "orgs.csv", csv_text)
    assert again.exit_code == 0 and "0 created, 0 updated, 2 unchanged" in again.output
    assert counts(units) == before


@pytest.mark.parametrize(("row", "column", "message"), [
    ("0101,X,Hợp tác xã,99999,An,,,,,", "unit_code", "mã đơn vị 99999 không có"),
    ("0101,X,Hợp tác xã,{c},An,12345,,,,", "leader_phone", "không phải số di động Việt Nam"),
    ("0101,X,Nhà máy,{c},An,,,,,", "org_type", "giá trị không xác định"),
    ("0101,X,Hợp tác xã,{c},An,,,,Đã rút,2999-01-01", "withdrawn_on", "nằm trong tương lai"),
    ("0101,X,Hợp tác xã,{c},An,,12,,,", "leader_national_id", "không phải số CCCD"),
    ("0101,X,Hợp tác xã,{c},,,,,,", "leader_name", "cần có giá trị"),
    ("0101,X,Hợp tác xã,{c},An,,,1999,,", "joined_year", "không phải năm"),
])
def test_each_kind_of_error_names_row_and_column(units, runner, tmp_path, row, column, message):
    good = f"0202,Y,enterprise,{r.HOME_COMMUNE},Bình,,,,,\n"
    result = run(runner, tmp_path, "bad.csv", ORG_HEADER + good + row.format(c=r.HOME_COMMUNE) + "\n")
    assert result.exit_code != 0
    assert f"dòng 3, cột {HEADERS_VI.get(column, column)}: " in result.output and message in result.output
    assert "nothing was imported" in result.output  # the CLI summary stays English
    assert counts(units) == (0, 0, 0)  # the good row was not imported either


def test_code_repeated_in_the_file(units, runner, tmp_path):
    rows = f"0101,X,enterprise,{r.HOME_COMMUNE},An,,,,,\n0101,X2,enterprise,{r.HOME_COMMUNE},Bình,,,,,\n"
    result = run(runner, tmp_path, "dup.csv", ORG_HEADER + rows)
    assert "dòng 3, cột Mã số thuế / ĐKKD: bị lặp trong tệp (dòng 2)" in result.output
    assert counts(units) == (0, 0, 0)


def test_xlsx_with_sheets_products_and_completions_and_hostile_cells(units, runner, tmp_path, app):
    book = Workbook()
    ws = book.active
    ws.title = "organizations"
    ws.append(["Mã số thuế / ĐKKD", "Tên tổ chức", "Loại hình", "Mã đơn vị hành chính", "Họ tên người đứng đầu",
               "Điện thoại người đứng đầu"])
    ws.append(["0101234567", "=HYPERLINK(\"http://evil\",\"x\")", "Hộ kinh doanh", r.HOME_COMMUNE,
               "<script>alert(1)</script>", 912345678])
    products = book.create_sheet("products")
    products.append(["org_code", "product_name", "product_group", "stars", "rated_year"])
    products.append(["0101234567", "Khoai deo", "Thực phẩm", 4, 2023])
    completions = book.create_sheet("completions")
    completions.append(["national_id", "phone", "full_name", "course", "completed_at", "source"])
    completions.append([None, "0912 345 678", "", "quan-tri", "2023-11-20", "lớp"])
    path = tmp_path / "registry.xlsx"
    book.save(path)
    result = runner.invoke(args=["lms", "import-registry", str(path)])
    assert result.exit_code == 0, result.output
    with app.app_context():
        org = db.session.scalar(select(Organisation))
        assert org.name.startswith("=HYPERLINK")  # stored as text
        leader = db.session.scalar(select(Person))
        assert leader.full_name == "<script>alert(1)</script>" and leader.target_group == "household_head"
        assert db.session.scalar(select(Product.stars)) == 4
        completion = db.session.scalar(select(CourseCompletion))
        assert completion.via == "class" and completion.person_id == leader.id
    again = runner.invoke(args=["lms", "import-registry", str(path)])
    assert "completions: 0 created, 0 updated, 1 unchanged" in again.output


def test_completions_need_a_known_person_and_course(units, runner, tmp_path):
    text = "national_id,phone,full_name,course,completed_at,source\n,0912345678,An,quan-tri,2023-01-01,historical\n" \
           ",0912345679,An,khong-co,2023-01-01,historical\n"
    result = run(runner, tmp_path, "c.csv", text)
    assert "dòng 2, cột Điện thoại: không có ai trong danh sách mang số này" in result.output
    assert "dòng 3, cột Mã khóa học: khóa học không xác định: khong-co" in result.output


def test_officials_level_sets_the_group_and_must_match_the_unit(units, runner, tmp_path, app):
    header = "full_name,phone,email,national_id,gender,agency,position,level,unit_code\n"
    ok = f"Trần Bình,0987654321,,,Nữ,Sở NN,Chuyên viên,tỉnh,{r.HOME}\nLê Cường,,,,,UBND,,xã,{r.HOME_COMMUNE}\n"
    assert run(runner, tmp_path, "o.csv", header + ok).exit_code == 0
    with app.app_context():
        groups = dict(db.session.execute(select(Person.full_name, Person.target_group)).all())
        assert groups == {"Trần Bình": "official_province", "Lê Cường": "official_commune"}
    again = run(runner, tmp_path, "o.csv", header + ok)
    assert "officials: 0 created, 0 updated, 2 unchanged" in again.output
    bad = run(runner, tmp_path, "o2.csv", header + f"X,,,,,,,tỉnh,{r.HOME_COMMUNE}\n")
    assert "dòng 2, cột Mã đơn vị hành chính: đơn vị không thuộc cấp province" in bad.output


def test_legacy_scheme_and_dry_run(units, runner, tmp_path):
    text = ORG_HEADER + f"0101,X,enterprise,{r.LEGACY_COMMUNE},An,,,,,\n"
    unknown = run(runner, tmp_path, "l.csv", text)
    assert "không có trong danh mục 2025" in unknown.output  # not a 2025 code
    dry = run(runner, tmp_path, "l.csv", text, "--scheme", "legacy", "--dry-run")
    assert dry.exit_code == 0 and "1 to create" in dry.output and "nothing was changed" in dry.output
    assert counts(units) == (0, 0, 0)
    assert run(runner, tmp_path, "l.csv", text, "--scheme", "legacy").exit_code == 0
    assert counts(units) == (1, 1, 0)


def test_file_level_refusals(units, runner, tmp_path, app):
    latin = run(runner, tmp_path, "latin.csv", ORG_HEADER.encode() + "0101,Hà,x\n".encode("cp1258"))
    assert latin.exit_code != 0 and "không phải văn bản UTF-8" in latin.output
    other = run(runner, tmp_path, "x.pdf", b"%PDF-1.4")
    assert "Chỉ nhập được tệp CSV và XLSX" in other.output
    header = run(runner, tmp_path, "h.csv", "name,foo\nx,y\n")
    assert "không khớp với loại danh sách nào" in header.output
    # A zip bomb: a tiny archive that claims a huge uncompressed sheet.
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/worksheets/sheet1.xml", b"\0" * (50 * 1024 * 1024))
    assert len(bomb.getvalue()) < 200_000
    result = run(runner, tmp_path, "bomb.xlsx", bomb.getvalue())
    assert result.exit_code != 0 and "bị từ chối" in result.output
    app.config["IMPORT_MAX_MB"] = 0
    big = run(runner, tmp_path, "big.csv", ORG_HEADER)
    assert big.exit_code != 0 and "Tệp lớn hơn" in big.output


def test_upload_preview_then_import(units, client, users, app):
    login(client, "admin@example.vn")
    data = (ORG_HEADER + f"0101234567,HTX <b>Một</b>,cooperative,{r.HOME_COMMUNE},An,0912345678,,,,\n").encode()
    response = post_form(client, "/registry/import", {"file": (io.BytesIO(data), "orgs.csv"), "scheme": "2025",
                                                      "kind": ""}, content_type="multipart/form-data")
    assert response.status_code == 302
    preview = client.get(response.headers["Location"])
    html = preview.get_data(as_text=True)
    assert "HTX <b>" not in html and counts(units) == (0, 0, 0)  # nothing saved by the preview
    assert "Nhập ngay" in html
    done = post_form(client, response.headers["Location"], {})
    assert done.status_code == 302 and counts(units) == (1, 1, 0)
    orgs = client.get("/registry/organisations").get_data(as_text=True)
    assert "HTX &lt;b&gt;Một&lt;/b&gt;" in orgs


def test_upload_with_errors_shows_them_and_imports_nothing(units, client, users):
    login(client, "admin@example.vn")
    data = (ORG_HEADER + "0101,X,cooperative,00000,An,,,,,\n").encode()
    response = post_form(client, "/registry/import", {"file": (io.BytesIO(data), "bad.csv"), "scheme": "2025"},
                         content_type="multipart/form-data")
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Mã đơn vị hành chính" in html and "00000" in html
    assert post_form(client, response.headers["Location"], {}).status_code == 200
    assert counts(units) == (0, 0, 0)


def test_template_has_vietnamese_headers_and_instructions(units, client, users):
    login(client, "manager@example.vn")
    response = client.get("/registry/import/template.xlsx")
    book = load_workbook(io.BytesIO(response.data), read_only=True)
    assert book.sheetnames == ["Hướng dẫn", "Tổ chức", "Cán bộ", "Sản phẩm", "Kết quả đào tạo", "Mã khóa học"]
    first = next(book["Tổ chức"].iter_rows(values_only=True))
    assert first[0] == "Mã số thuế / ĐKKD"


def test_import_of_the_template_itself_works(units, runner, tmp_path, app):
    from lms.registry.imports import template_xlsx

    path = tmp_path / "t.xlsx"
    with app.app_context():
        path.write_bytes(template_xlsx())
    result = runner.invoke(args=["lms", "import-registry", str(path)])
    # The example completion names a course that the test database does not have.
    assert "cột Mã khóa học: khóa học không xác định: quan-tri-san-xuat-kinh-doanh" in result.output


def test_uploads_never_imported_are_deleted_after_the_configured_time(units, client, users, app, runner):
    """Issue 18, finding 10: an uploaded file that nobody confirms does not stay for ever."""
    from datetime import timedelta

    from lms.registry.models import ImportBatch

    login(client, "admin@example.vn")
    data = (ORG_HEADER + f"0101234567,HTX Một,cooperative,{r.HOME_COMMUNE},An,0912345678,,,,\n").encode()

    def upload():
        response = post_form(client, "/registry/import", {"file": (io.BytesIO(data), "orgs.csv"), "scheme": "2025",
                                                          "kind": ""}, content_type="multipart/form-data")
        assert response.status_code == 302
        return response.headers["Location"]

    old, applied = upload(), upload()
    assert post_form(client, applied, {}).status_code == 302
    with app.app_context():
        hours = app.config["IMPORT_KEEP_HOURS"]
        for batch in db.session.scalars(select(ImportBatch)):
            batch.created_at = batch.created_at - timedelta(hours=hours, minutes=1)
        db.session.commit()
    fresh = upload()  # an upload purges the stale files of everyone
    assert client.get(old).status_code == 404
    assert client.get(fresh).status_code == 200
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ImportBatch)) == 2  # the applied one stays
        for batch in db.session.scalars(select(ImportBatch)):
            batch.created_at = batch.created_at - timedelta(hours=hours, minutes=1)
        db.session.commit()
    result = runner.invoke(args=["lms", "purge-imports"])
    assert result.exit_code == 0 and "registry files deleted: 1" in result.output
    assert client.get(fresh).status_code == 404


def test_preview_shows_the_first_rows_by_name_and_the_import_says_what_changed(units, client, users, app):
    login(client, "admin@example.vn")
    rows = "".join(
        f"01012345{n:02d},HTX Số {n},cooperative,{r.HOME_COMMUNE},Người {n},09123456{n:02d},,,,\n" for n in range(12)
    )
    response = post_form(client, "/registry/import", {"file": (io.BytesIO((ORG_HEADER + rows).encode()), "o.csv"),
                                                      "scheme": "2025", "kind": ""},
                         content_type="multipart/form-data")
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "HTX Số 0" in html and "HTX Số 9" in html and "HTX Số 10" not in html  # the first ten, by name
    assert "Người 0" in html and "10 dòng đầu tiên" in html and "thêm mới" in html
    done = post_form(client, response.headers["Location"], {})
    page = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "12 thêm mới, 0 cập nhật, 0 không đổi." in page

    # The same file again: everything unchanged, said by name and in the summary.
    again = post_form(client, "/registry/import", {"file": (io.BytesIO((ORG_HEADER + rows).encode()), "o.csv"),
                                                   "scheme": "2025", "kind": ""},
                      content_type="multipart/form-data")
    html = client.get(again.headers["Location"]).get_data(as_text=True)
    assert "HTX Số 3" in html and "không đổi" in html and "thêm mới</td>" not in html
    done = post_form(client, again.headers["Location"], {})
    assert "0 thêm mới, 0 cập nhật, 12 không đổi." in client.get(done.headers["Location"]).get_data(as_text=True)


def test_preview_names_are_escaped(units, client, users):
    login(client, "admin@example.vn")
    data = (ORG_HEADER + f"0101234567,HTX <i>X</i>,cooperative,{r.HOME_COMMUNE},<b>An</b>,0912345678,,,,\n").encode()
    response = post_form(client, "/registry/import", {"file": (io.BytesIO(data), "o.csv"), "scheme": "2025",
                                                      "kind": ""}, content_type="multipart/form-data")
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "&lt;b&gt;An&lt;/b&gt;" in html and "<b>An</b>" not in html


def test_council_members_and_unions_of_cooperatives(units, runner, tmp_path, app):
    header = "Họ và tên,Cấp,Mã đơn vị hành chính,Thành viên Hội đồng / Tổ tư vấn\n"
    rows = f"Phan Hội Đồng,tỉnh,{r.HOME},Có\nVõ Tư Vấn,tỉnh,{r.HOME},tổ tư vấn\nNgô Cán Bộ,tỉnh,{r.HOME},\n"
    assert run(runner, tmp_path, "hd.csv", header + rows).exit_code == 0
    orgs = ORG_HEADER + f"0301234567,Liên hiệp HTX Quảng Trị,Liên hiệp hợp tác xã,{r.HOME_COMMUNE},Lê Liên,,,2024,,\n"
    result = run(runner, tmp_path, "lh.csv", orgs)
    assert result.exit_code == 0, result.output
    with app.app_context():
        groups = dict(db.session.execute(select(Person.full_name, Person.target_group)).all())
        assert groups == {"Phan Hội Đồng": "council_member", "Võ Tư Vấn": "council_member",
                          "Ngô Cán Bộ": "official_province", "Lê Liên": "cooperative_leader"}
        union = db.session.scalar(select(Organisation).where(Organisation.code == "0301234567"))
        assert union.org_type == "cooperative_union"
    bad = run(runner, tmp_path, "hd2.csv", header + f"X,tỉnh,{r.HOME},có lẽ\n")
    assert bad.exit_code != 0 and "có lẽ" in bad.output

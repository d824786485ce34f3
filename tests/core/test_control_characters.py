"""Issue 18, finding 4: control characters at every input, and exports that cannot fail.

A display name ``"\\x00=1+1"`` used to be stored as typed: the gradebook XLSX failed with a
500 and the CSV carried a NUL and a live formula. A registry name with ``\\x01`` broke every
XLSX export of the area.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from lms.core import exports
from lms.core.frontmatter import decode_utf8
from lms.core.text import clean_name, strip_controls
from lms.extensions import db
from tests.support.client import login, post_form

EVERY_CONTROL = "".join(chr(c) for c in range(32)) + "\x7f"


def test_strip_controls_keeps_tab_and_newline_only_on_several_lines():
    assert strip_controls("a\x00b\x01c\x7fd") == "abcd"
    assert strip_controls("a\tb\nc\rd") == "a b c d"
    assert strip_controls("a\r\nb\tc\x0b\x00", multiline=True) == "a\nb\tc"
    assert clean_name("\x00=1+1  Lê\x01 Văn") == "=1+1 Lê Văn"
    assert not any(ch in strip_controls(EVERY_CONTROL) for ch in EVERY_CONTROL)


def test_the_formula_guard_sees_through_a_leading_nul():
    assert exports.neutralise("\x00=1+1") == "'=1+1"
    assert exports.neutralise("\x01\x02@SUM(A1)") == "'@SUM(A1)"
    assert exports.neutralise("\n=1") == "'\n=1" and exports.neutralise("\r=1") == "'\r=1"
    assert exports.neutralise("Lê Văn An") == "Lê Văn An"


@pytest.mark.parametrize("hostile", [
    EVERY_CONTROL, "\x00=1+1", "x;=1+1", "\ud800 lone surrogate", "=" * 40_000, "\u202e\u200b",
    datetime(2025, 1, 2, 3, 4, tzinfo=UTC), object(), b"bytes\x00",
])
def test_the_xlsx_writer_accepts_any_value(app, hostile):
    with app.app_context():
        data = exports.to_xlsx(["name", "n"], [[hostile, 1], ["ok", -2]])
    rows = list(load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))
    assert len(rows) == 3 and rows[2] == ("ok", -2)
    cell = rows[1][0]
    assert not (isinstance(cell, str) and cell.startswith(("=", "+", "-", "@")))
    csv_rows = list(csv.reader(io.StringIO(exports.to_csv(["name"], [[hostile]]).decode("utf-8-sig"))))
    assert not any(ch in csv_rows[1][0] for ch in EVERY_CONTROL if ch not in "\t\n\r")


def test_every_csv_field_is_quoted_so_a_semicolon_cannot_split_a_formula():
    text = exports.to_csv(["Họ tên", "Điểm"], [["x;=1+1", 5], [None, "a"]]).decode("utf-8-sig")
    assert text.splitlines() == ['"Họ tên","Điểm"', '"x;=1+1","5"', '"","a"']


def test_course_and_quiz_files_lose_control_characters():
    assert decode_utf8(b"---\ntitle: A\x01B\x00\r\n---\r\nText\x1b[31m\tok\n", "course.md") == \
        "---\ntitle: AB\n---\nText[31m\tok\n"


def test_a_display_name_with_nul_is_stored_clean_and_exports_work(app, client, users):
    login(client, "learner@example.vn")
    response = post_form(client, "/account", {"display_name": "\x00=1+1 Lê\x01An", "locale": "vi"})
    assert response.status_code == 302
    with app.app_context():
        from lms.auth.models import User

        assert db.session.get(User, users["learner"].id).display_name == "=1+1 LêAn"


def test_registry_import_strips_control_characters(app, runner, tmp_path):
    from lms.registry.models import Person
    from tests.support import registry as r

    with app.app_context():
        r.load_test_units()
        db.session.commit()
    path = tmp_path / "officials.csv"
    path.write_bytes(f"full_name,phone,level,unit_code\nNgười\x01 Một\x1b,0912000111,commune,{r.HOME_COMMUNE}\n"
                     .encode())
    result = runner.invoke(args=["lms", "import-registry", str(path)])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalar(select(Person.full_name).where(Person.phone == "0912000111")) == "Người Một"

"""``flask lms activation-slips``, ``sync-enrolments`` and the registry import's accounts."""

from __future__ import annotations

import csv
import io

from sqlalchemy import func, select

from lms.auth.models import User
from lms.catalog.models import Enrolment
from lms.extensions import db
from lms.onboarding.models import ActivationCode
from tests.support import registry as reg


def _csv(path) -> list[dict]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))


def test_csv_lists_one_row_per_person_without_account(app, runner, make_person, make_user, tmp_path):
    a = make_person("Nguyễn Thị Hoa", phone="0912000001")
    make_person("Trần Văn Bình", phone="0912000002", unit_code=reg.OTHER_COMMUNE)  # another province
    make_person("Lê Thị Không Số", phone=None)
    with app.app_context():
        db.session.execute(db.text("UPDATE person SET phone = NULL WHERE full_name = 'Lê Thị Không Số'"))
        db.session.commit()
    out = tmp_path / "codes.csv"
    result = runner.invoke(args=["lms", "activation-slips", "--unit", reg.HOME, "--format", "csv", "--out", str(out)])
    assert result.exit_code == 0, result.output
    rows = _csv(out)
    assert list(rows[0]) == ["person_id", "full_name", "phone", "unit_code", "group", "code", "url", "expires_on"]
    assert [r["person_id"] for r in rows] == [str(a)]
    row = rows[0]
    assert row["phone"] == "0912000001" and row["unit_code"] == reg.HOME_COMMUNE and row["group"] == "household_head"
    assert row["url"].endswith("/activate/" + row["code"])
    # Issuing again supersedes: one live code per person and purpose.
    runner.invoke(args=["lms", "activation-slips", "--unit", reg.HOME, "--format", "csv", "--out", str(out)])
    with app.app_context():
        live = db.session.scalar(select(func.count()).select_from(ActivationCode)
                                 .where(ActivationCode.revoked_at.is_(None)))
        assert live == 1


def test_people_with_a_password_get_reset_codes_only_when_asked(app, runner, make_person, tmp_path):
    from lms.auth import services

    pid = make_person(phone="0912000001")
    with app.app_context():
        services.create_user(name="Hoa", phone="0912000001", password="mật khẩu của hoa",
                             person=db.session.get(__import__("lms.registry.models", fromlist=["Person"]).Person, pid))
        db.session.commit()
    out = tmp_path / "codes.csv"
    result = runner.invoke(args=["lms", "activation-slips", "--unit", reg.HOME, "--format", "csv", "--out", str(out)])
    assert result.exit_code == 0 and _csv(out) == []
    runner.invoke(args=["lms", "activation-slips", "--unit", reg.HOME, "--include-active", "--format", "csv",
                        "--out", str(out)])
    (row,) = _csv(out)
    assert "/reset/" in row["url"]


def test_pdf_has_eight_slips_per_page(app, runner, make_person, tmp_path):
    for n in range(9):
        make_person(f"Người số {n}", phone=f"09120000{n:02d}")
    out = tmp_path / "slips.pdf"
    result = runner.invoke(args=["lms", "activation-slips", "--unit", reg.HOME_COMMUNE, "--format", "pdf",
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    data = out.read_bytes()
    assert data.startswith(b"%PDF")
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 2
    text = reader.pages[0].extract_text()
    assert "Người số 0" in text and "Người số 8" not in text


def test_registry_import_refuses_a_shared_password(runner, tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("org_code,org_name,org_type,unit_code,leader_name\n", encoding="utf-8")
    result = runner.invoke(args=["lms", "import-registry", str(path), "--create-accounts",
                                 "--account-password", "chung-cho-tat-ca"])
    assert result.exit_code != 0 and "no longer accepted" in result.output


def test_import_accounts_have_no_usable_password(app, runner, units, tmp_path):
    path = tmp_path / "leaders.csv"
    path.write_text(
        "org_code,org_name,org_type,unit_code,leader_name,leader_phone\n"
        f"0312345678,HTX Chè Xanh,cooperative,{reg.HOME_COMMUNE},Phạm Văn Chè,0912555666\n",
        encoding="utf-8",
    )
    result = runner.invoke(args=["lms", "import-registry", str(path), "--create-accounts"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(select(User).where(User.phone == "0912555666"))
        assert user is not None and not user.has_usable_password and not user.must_change_password
        for guess in ("", "!", "0912555666", "password123"):
            assert not user.check_password(guess)


def test_sync_enrolments_is_idempotent_and_follows_requirements(app, runner, make_person, issue, client):
    from lms.coverage import services as coverage

    pid = make_person(phone="0912000001", group="household_head")
    with app.app_context():
        reg.course("an-toan-thuc-pham")
        reg.course("ghi-nhan")
        coverage.set_requirement("household_head", ["an-toan-thuc-pham"])
        db.session.commit()
    from tests.onboarding.test_codes import _activate

    assert _activate(client, issue(pid), "0912000001").status_code == 302

    def enrolled():
        with app.app_context():
            return db.session.scalar(select(func.count()).select_from(Enrolment))

    assert enrolled() == 1  # on activation
    assert runner.invoke(args=["lms", "sync-enrolments"]).output.startswith("0 ")
    with app.app_context():
        coverage.set_requirement("household_head", ["an-toan-thuc-pham", "ghi-nhan"])
        db.session.commit()
    assert enrolled() == 2  # when the requirement changed
    assert runner.invoke(args=["lms", "sync-enrolments"]).output.startswith("0 ")
    assert enrolled() == 2


def test_accounts_from_an_import_are_enrolled_in_required_courses(app, runner, units, tmp_path):
    from lms.coverage import services as coverage

    with app.app_context():
        reg.course("quan-tri-htx")
        coverage.set_requirement("cooperative_leader", ["quan-tri-htx"])
        db.session.commit()
    path = tmp_path / "leaders.csv"
    path.write_text(
        "org_code,org_name,org_type,unit_code,leader_name,leader_phone\n"
        f"0312345678,HTX Chè Xanh,cooperative,{reg.HOME_COMMUNE},Phạm Văn Chè,0912555666\n",
        encoding="utf-8",
    )
    assert runner.invoke(args=["lms", "import-registry", str(path), "--create-accounts"]).exit_code == 0
    with app.app_context():
        user = db.session.scalar(select(User).where(User.phone == "0912555666"))
        assert db.session.scalar(select(func.count()).select_from(Enrolment).where(Enrolment.user_id == user.id)) == 1

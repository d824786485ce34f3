"""Demo data and the units loader."""

from __future__ import annotations

from sqlalchemy import func, select

from lms.core.audit import AuditLog
from lms.extensions import db
from lms.registry.models import AdminUnit, Organisation, Person, Product, UnitAssignment, UnitMapping


def _counts():
    return tuple(db.session.scalar(select(func.count()).select_from(m))
                 for m in (AdminUnit, UnitMapping, Organisation, Person, Product, UnitAssignment, AuditLog))


def test_seed_demo_loads_quang_tri_and_is_idempotent(app, runner):
    assert runner.invoke(args=["lms", "seed-demo"]).exit_code == 0
    with app.app_context():
        first = _counts()
        assert 190 <= db.session.scalar(select(func.count()).select_from(Organisation)) <= 200
        officials = db.session.scalar(select(func.count()).select_from(Person)
                                      .where(Person.target_group.like("official%")))
        assert officials == 60
        assert db.session.scalar(select(func.count()).select_from(Product)) > 50
        assigned = db.session.scalar(select(AdminUnit).join(UnitAssignment))
        assert (assigned.scheme, assigned.code, assigned.name) == ("2025", "44", "Tỉnh Quảng Trị")
        legacy = set(db.session.scalars(select(AdminUnit.name).where(AdminUnit.scheme == "legacy",
                                                                     AdminUnit.level == "province")))
        assert legacy == {"Tỉnh Quảng Bình", "Tỉnh Quảng Trị"}
    assert runner.invoke(args=["lms", "seed-demo"]).exit_code == 0
    with app.app_context():
        assert _counts() == first


def test_load_units_cli_is_idempotent_and_checks_codes(app, runner):
    result = runner.invoke(args=["lms", "load-units", "--province", "11"])
    assert result.exit_code == 0 and "created" in result.output
    again = runner.invoke(args=["lms", "load-units", "--province", "11"])
    assert "0 created, 0 updated" in again.output
    legacy = runner.invoke(args=["lms", "load-units", "--scheme", "legacy", "--province", "45"])
    assert legacy.exit_code == 0
    with app.app_context():
        quang_tri_legacy = db.session.scalar(select(AdminUnit).where(AdminUnit.scheme == "legacy",
                                                                     AdminUnit.code == "45"))
        assert quang_tri_legacy.new_province_id is None  # the 2025 province 44 is not loaded
    assert runner.invoke(args=["lms", "load-units", "--province", "44"]).exit_code == 0
    with app.app_context():
        quang_tri_legacy = db.session.scalar(select(AdminUnit).where(AdminUnit.scheme == "legacy",
                                                                     AdminUnit.code == "45"))
        new = db.session.get(AdminUnit, quang_tri_legacy.new_province_id)
        assert (new.scheme, new.code) == ("2025", "44")
    bad = runner.invoke(args=["lms", "load-units", "--province", "77"])
    assert bad.exit_code != 0 and "Unknown province code" in bad.output or "Mã tỉnh" in bad.output


def test_assign_unit_cli(app, runner, users):
    runner.invoke(args=["lms", "load-units", "--province", "11"])
    ok = runner.invoke(args=["lms", "assign-unit", "--user", "manager@example.vn", "--unit", "11"])
    assert ok.exit_code == 0 and "assigned" in ok.output
    learner = runner.invoke(args=["lms", "assign-unit", "--user", "learner@example.vn", "--unit", "11"])
    assert learner.exit_code != 0
    unknown = runner.invoke(args=["lms", "assign-unit", "--user", "manager@example.vn", "--unit", "99"])
    assert unknown.exit_code != 0 and "unknown unit" in unknown.output


def test_seed_requirements(app, runner, tmp_path):
    path = tmp_path / "requirements.yaml"
    path.write_text("target_percent: 90\ndeadline: 2030-12-31\ngroups:\n  household_head: [a, b]\n",
                    encoding="utf-8")
    result = runner.invoke(args=["lms", "seed-requirements", "--file", str(path)])
    assert result.exit_code == 0 and "courses not imported yet" in result.output and "a, b" in result.output
    path.write_text("groups:\n  nobody: [a]\n", encoding="utf-8")
    bad = runner.invoke(args=["lms", "seed-requirements", "--file", str(path)])
    assert bad.exit_code != 0
    missing = runner.invoke(args=["lms", "seed-requirements", "--file", str(tmp_path / "none.yaml")])
    assert missing.exit_code != 0

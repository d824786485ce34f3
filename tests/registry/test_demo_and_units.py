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


def test_demo_shares_are_close_to_the_real_ones(app, runner):
    """Stars mostly 3★, few 4★, 5★ rare; cooperatives and households about a third each;
    certificates valid 36 months, so the oldest have expired (sources in lms/registry/demo.py)."""
    from collections import Counter
    from datetime import date

    assert runner.invoke(args=["lms", "seed-demo"]).exit_code == 0
    with app.app_context():
        stars = Counter(db.session.scalars(select(Product.stars)))
        total = sum(stars.values())
        assert stars[3] / total >= 0.7 and 0.08 <= stars[4] / total <= 0.3 and stars[5] / total <= 0.03
        types = Counter(db.session.scalars(select(Organisation.org_type)))
        count = sum(types.values())
        assert 0.25 <= types["cooperative"] / count <= 0.42 and 0.28 <= types["household"] / count <= 0.45
        assert types["enterprise"] < types["household"] and types["cooperative_union"] >= 1
        products = db.session.scalars(select(Product)).all()
        assert all(p.rated_on and p.rated_year == p.rated_on.year for p in products)
        old = next(p for p in products if p.rated_on < date(2023, 6, 1))
        assert old.expired(date(2026, 6, 30))
        p = products[0]
        assert (p.valid_until.year - p.rated_on.year) * 12 + p.valid_until.month - p.rated_on.month in (35, 36)

"""Coverage figures against hand-computed examples (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest

from lms.catalog.models import Enrolment
from lms.coverage import queries
from lms.coverage import services as coverage_services
from lms.extensions import db
from tests.support import registry as r

D = date(2025, 6, 30)
LATER = date(2025, 12, 31)


class Admin:
    is_authenticated = True
    id = None

    def has_role(self, *roles):
        return "admin" in roles


@pytest.fixture
def world(app, make_user):
    learner = make_user(phone="0987000111", name="Lê Văn Bảy")
    with app.app_context():
        r.load_test_units()
        r.course("a"), r.course("b")
        coverage_services.set_requirement("enterprise_leader", ["a", "b"])
        coverage_services.set_requirement("official_commune", ["a"])
        o = {i: r.org(f"010000000{i}") for i in range(1, 5)}
        o[5] = r.org("0100000005", withdrawn_on=date(2025, 1, 1))
        o[6] = r.org("0100000006", joined=2026)
        o[7] = r.org("0100000007")
        e1 = r.person("E1 trained", "enterprise_leader", organisation=o[1])
        r.complete(e1, "a", date(2024, 3, 1))
        r.complete(e1, "b", date(2024, 5, 1))
        e2 = r.person("E2 class only, half", "enterprise_leader", organisation=o[2])
        r.complete(e2, "a", date(2024, 6, 1), via="class")
        r.person("E3 nothing", "enterprise_leader", organisation=o[3])
        e4 = r.person("E4 completes after the date", "enterprise_leader", organisation=o[4])
        r.complete(e4, "a", date(2023, 1, 1), via="historical")
        r.complete(e4, "b", date(2025, 8, 1), via="class")
        e5 = r.person("E5 organisation withdrew", "enterprise_leader", organisation=o[5])
        r.complete(e5, "a", date(2024, 1, 1))
        r.complete(e5, "b", date(2024, 1, 1))
        r.person("E6 organisation joined late", "enterprise_leader", organisation=o[6])
        # E7 has an account and is enrolled in a required course, without completions.
        from lms.auth.models import User

        user = db.session.get(User, learner.id)
        e7 = user.person
        e7.target_group, e7.unit_id, e7.organisation_id = "enterprise_leader", r.unit(r.HOME_COMMUNE).id, o[7].id
        db.session.add(Enrolment(user_id=user.id, course_id=r.course("a").id,
                               enrolled_at=datetime(2025, 1, 1, tzinfo=UTC)))
        r.person("C1 joined late", "official_commune", active_from=date(2025, 7, 1))
        c2 = r.person("C2 withdrew", "official_commune", active_until=date(2025, 3, 1))
        r.complete(c2, "a", date(2024, 1, 1))
        c3 = r.person("C3 legacy commune, historical", "official_commune", r.LEGACY_COMMUNE, scheme="legacy")
        r.complete(c3, "a", date(2022, 1, 1), via="historical")
        other = r.person("Other province", "official_commune", r.OTHER_COMMUNE)
        r.complete(other, "a", date(2022, 1, 1))
        db.session.commit()
    return app


def _fig(area, day, group=None):
    return queries.figures(Admin(), area, day, group)


def test_province_totals_by_group_at_a_date(world):
    with world.app_context():
        area = queries.Area(r.unit(r.HOME), "2025")
        f = _fig(area, D)
        assert f["total"] == {"required": 6, "trained": 2, "in_progress": 3, "not_started": 1,
                              "needs_refresher": 0, "percent": 33.3}
        groups = {g["group"]: g for g in f["groups"]}
        assert groups["enterprise_leader"] == {
            "group": "enterprise_leader", "required": 5, "trained": 1, "in_progress": 3, "not_started": 1,
            "needs_refresher": 0, "percent": 20.0,
        }
        assert groups["official_commune"]["required"] == 1 and groups["official_commune"]["trained"] == 1


def test_later_date_counts_late_completions_and_late_joiners(world):
    with world.app_context():
        f = _fig(queries.Area(r.unit(r.HOME), "2025"), LATER)
        groups = {g["group"]: g for g in f["groups"]}
        assert groups["enterprise_leader"]["trained"] == 2  # E4 completed b in August
        assert groups["official_commune"]["required"] == 2  # C1 joined in July
        assert groups["official_commune"]["trained"] == 1
        assert f["total"]["percent"] == 42.9


def test_legacy_units_roll_up_under_2025_and_count_in_their_own_scheme(world):
    with world.app_context():
        f = _fig(queries.Area(r.unit(r.HOME), "2025"), D)
        children = {c["unit"]["code"]: c for c in f["children"]}
        assert children[r.LEGACY_TARGET]["required"] == 1 and children[r.LEGACY_TARGET]["trained"] == 1
        assert children[r.HOME_COMMUNE]["required"] == 5
        assert sum(c["required"] for c in f["children"]) == 6
        legacy = _fig(queries.Area(r.unit("45", "legacy"), "legacy"), D)
        assert legacy["total"]["required"] == 1 and legacy["total"]["trained"] == 1
        country = _fig(queries.Area(None, "2025"), D)
        provinces = {c["unit"]["code"]: c for c in country["children"]}
        assert provinces[r.HOME]["required"] == 6 and provinces[r.OTHER]["required"] == 1
        assert country["total"]["required"] == 7


def test_group_filter_and_organisations_by_type(world):
    with world.app_context():
        area = queries.Area(r.unit(r.HOME), "2025")
        f = _fig(area, D, "official_commune")
        assert f["total"]["required"] == 1
        orgs = queries.organisation_figures(Admin(), area, D)
        assert orgs == [{"type": "enterprise", "total": 5, "covered": 1, "percent": 20.0}]


def test_monthly_trend_and_projection(world):
    with world.app_context():
        points = queries.trend(Admin(), queries.Area(r.unit(r.HOME), "2025"), LATER, months=12)
        assert points[-1]["date"] == LATER and points[0]["date"] == date(2024, 12, 31)
        assert (points[-1]["required"], points[-1]["trained"]) == (7, 3)
        june = next(p for p in points if p["date"] == D)
        assert (june["required"], june["trained"]) == (6, 2)
        # A year earlier: C2 (withdrew in March) still counted and trained, E5's organisation not yet withdrawn.
        dec = points[0]
        assert (dec["required"], dec["trained"]) == (8, 4)
        proj = queries.projection(points)
        assert proj["reached"] is False


def test_gap_list_names_missing_courses(world):
    with world.app_context():
        area = queries.Area(r.unit(r.HOME), "2025")
        rows = db.session.execute(queries.gap_query(Admin(), area, D)).all()
        names = [row.Person.full_name for row in rows]
        assert sorted(names) == sorted(["E2 class only, half", "E3 nothing", "E4 completes after the date",
                                        "Lê Văn Bảy"])
        missing = queries.missing_for([row.Person for row in rows], D)
        by_name = {row.Person.full_name: missing[row.Person.id] for row in rows}
        assert by_name["E3 nothing"] == ["a", "b"] and by_name["E4 completes after the date"] == ["b"]


def test_cli_json_is_the_api_document(world, runner):
    result = runner.invoke(args=["lms", "coverage", "--unit", r.HOME, "--as-of", D.isoformat(), "--format", "json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["unit"] == {"code": "44", "name": "Tỉnh Quảng Trị", "scheme": "2025"}
    assert doc["total"]["percent"] == 33.3 and doc["as_of"] == "2025-06-30"
    table = runner.invoke(args=["lms", "coverage", "--unit", r.HOME, "--as-of", D.isoformat()])
    assert table.exit_code == 0 and "Tỉnh Quảng Trị" in table.output
    csv_out = runner.invoke(args=["lms", "coverage", "--unit", r.HOME, "--as-of", D.isoformat(), "--format", "csv"])
    assert csv_out.output.splitlines()[1].startswith("total,,6,2,3,1,33.3")
    bad = runner.invoke(args=["lms", "coverage", "--unit", "999"])
    assert bad.exit_code != 0 and "unknown unit" in bad.output


def test_repeated_figures_follow_every_change(world):
    """The figures statement is built once per input and run again: a change of data, of
    the requirement rules, of their validity or of the day still changes the figures."""
    with world.app_context():
        area = queries.Area(r.unit(r.HOME), "2025")
        first = _fig(area, D)
        assert _fig(area, D) == first  # run again: the same
        e3 = db.session.scalar(db.select(r.Person).where(r.Person.full_name == "E3 nothing"))
        r.complete(e3, "a", date(2024, 2, 1))
        r.complete(e3, "b", date(2024, 2, 1))
        db.session.flush()
        after = _fig(area, D)
        assert after["total"]["trained"] == first["total"]["trained"] + 1  # a new completion counts
        coverage_services.set_requirement("enterprise_leader", ["a"])  # b no longer required
        relaxed = _fig(area, D)
        # E2 (a in 2024) and E4 (a in 2023; b only after the date) are now trained.
        assert relaxed["total"]["trained"] == after["total"]["trained"] + 2
        coverage_services.update_set(coverage_services.find_set(), validity={"a": {"valid_months": 12}})
        expired = _fig(area, D)
        assert expired["total"]["trained"] < relaxed["total"]["trained"]  # completions of 2024-03 and older expire
        assert _fig(area, LATER)["as_of"] == LATER.isoformat()
        assert _fig(area, D, "official_commune")["total"]["required"] == 1

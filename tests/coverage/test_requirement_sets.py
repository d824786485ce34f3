"""Requirement sets, validity, milestones and "needs refresher" against hand-computed cases."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from lms.catalog.models import CourseCompletion
from lms.coverage import queries
from lms.coverage import services as coverage_services
from lms.extensions import db
from tests.coverage.test_figures import Admin
from tests.support import registry as r

D = date(2025, 6, 30)


def _version(person, slug, version):
    completion = db.session.scalar(select(CourseCompletion).where(
        CourseCompletion.person_id == person.id, CourseCompletion.course_id == r.course(slug).id))
    completion.course_version = version


@pytest.fixture
def world(app):
    """Two sets. "full" (primary): household heads need a (valid 12 months) and b (version 2
    or later); district officials need a. "plan": household heads need a, at any age."""
    with app.app_context():
        r.load_test_units()
        r.course("a"), r.course("b")
        full = coverage_services.create_set("full", "Full path", deadline=date(2030, 12, 31))
        coverage_services.update_set(full, deadline=date(2030, 12, 31),
                                     milestones=[(date(2025, 12, 31), 40), (date(2026, 12, 31), 70)],
                                     validity={"a": {"valid_months": 12}, "b": {"min_version": "2"}})
        coverage_services.set_requirement("household_head", ["a", "b"], recommended=["c"], requirement="full")
        coverage_services.set_requirement("official_district", ["a"], requirement="full")
        coverage_services.create_set("plan", "Plan indicator", target_percent=80)
        coverage_services.set_requirement("household_head", ["a"], requirement="plan")
        p1 = r.person("P1 trained", "household_head")
        r.complete(p1, "a", date(2025, 3, 1))
        r.complete(p1, "b", date(2025, 4, 1))
        _version(p1, "b", "2")
        p2 = r.person("P2 expired", "household_head")
        r.complete(p2, "a", date(2024, 1, 10))
        p3 = r.person("P3 old version", "household_head")
        r.complete(p3, "a", date(2025, 5, 1))
        r.complete(p3, "b", date(2025, 5, 2))  # version "1"
        r.person("P4 nothing", "household_head")
        p5 = r.person("P5 version 10", "household_head")
        r.complete(p5, "b", date(2025, 6, 1))
        _version(p5, "b", "10")
        d6 = r.person("D6 district", "official_district")
        r.complete(d6, "a", date(2025, 6, 1))
        db.session.commit()
    return app


def test_the_primary_set_is_the_default_and_other_sets_count_their_own_way(world):
    with world.app_context():
        area = queries.Area(r.unit(r.HOME), "2025")
        f = queries.figures(Admin(), area, D)
        assert f["total"] == {"required": 6, "trained": 2, "in_progress": 2, "needs_refresher": 1,
                              "not_started": 1, "percent": 33.3}
        groups = {g["group"]: g for g in f["groups"]}
        assert groups["household_head"] == {"group": "household_head", "required": 5, "trained": 1,
                                            "in_progress": 2, "needs_refresher": 1, "not_started": 1,
                                            "percent": 20.0}
        plan = queries.figures(Admin(), area, D, requirement="plan")
        assert plan["total"] == {"required": 5, "trained": 3, "in_progress": 0, "needs_refresher": 0,
                                 "not_started": 2, "percent": 60.0}
        assert queries.required_courses("household_head") == ["a", "b"]
        assert queries.recommended_courses("household_head") == ["c"]
        assert queries.required_courses("household_head", "plan") == ["a"]
        assert [s.name for s in queries.requirement_sets()] == ["full", "plan"]


def test_district_officials_stop_counting_on_1_july_2025(world):
    with world.app_context():
        area = queries.Area(r.unit(r.HOME), "2025")
        before = {g["group"]: g for g in queries.figures(Admin(), area, D)["groups"]}
        after = {g["group"]: g for g in queries.figures(Admin(), area, date(2025, 7, 1))["groups"]}
        assert before["official_district"]["trained"] == 1 and "official_district" not in after


def test_validity_ends_a_year_after_and_the_trend_follows_it(world):
    with world.app_context():
        area = queries.Area(r.unit(r.HOME), "2025")
        # P1's a (1 March 2025, valid 12 months) counts up to 28 February 2026, not on 1 March.
        last = queries.figures(Admin(), area, date(2026, 2, 28), "household_head")["total"]
        gone = queries.figures(Admin(), area, date(2026, 3, 1), "household_head")["total"]
        assert (last["trained"], gone["trained"], gone["in_progress"]) == (1, 0, 3)
        points = {p["date"]: (p["required"], p["trained"])
                  for p in queries.trend(Admin(), area, date(2026, 3, 31), months=12)}
        assert points[date(2025, 3, 31)] == (6, 0)   # P1 has only a; D6 not yet
        assert points[date(2025, 6, 30)] == (6, 2)   # P1 and D6
        assert points[date(2025, 7, 31)] == (5, 1)   # district officials no longer count
        assert points[date(2026, 2, 28)] == (5, 1)
        assert points[date(2026, 3, 31)] == (5, 0)   # P1's a has expired
        plan = {p["date"]: p["trained"]
                for p in queries.trend(Admin(), area, D, months=3, requirement="plan")}
        assert plan[D] == 3 and plan[date(2025, 3, 31)] == 2  # P1 (March) and P2 (2024)


def test_gap_list_and_missing_courses_follow_validity(world):
    with world.app_context():
        area = queries.Area(r.unit(r.HOME), "2025")
        rows = db.session.execute(queries.gap_query(Admin(), area, D)).all()
        people = [row.Person for row in rows]
        missing = {p.full_name: m for p, m in zip(people, queries.missing_for(people, D).values(), strict=True)}
        assert missing == {"P2 expired": ["a", "b"], "P3 old version": ["b"], "P4 nothing": ["a", "b"],
                           "P5 version 10": ["a"]}
        assert queries.gap_count(Admin(), area, D, requirement="plan") == 2


def test_milestones_and_the_summary(world):
    with world.app_context():
        full = queries.requirement_set()
        assert queries.requirement_summary(full, D) == {
            "name": "full", "title": "Full path", "target": 100, "deadline": "2030-12-31",
            "milestone": {"date": "2025-12-31", "percent": 40}}
        assert queries.requirement_summary(full, date(2027, 1, 1))["milestone"] is None


def test_seeding_the_bundled_file_twice_changes_nothing(app):
    with app.app_context():
        count, missing = coverage_services.seed_requirements()
        db.session.commit()
        assert count == 12 and "quan-tri-san-xuat-kinh-doanh" in missing
        assert queries.requirement_set().name == "lo-trinh-day-du"
        assert queries.required_courses("council_member") == ["tieu-chi-ocop-ho-so", "quan-ly-nha-nuoc-ocop"]
        before = [(s.name, s.is_primary, len(s.milestones), len(s.validity)) for s in queries.requirement_sets()]
        coverage_services.seed_requirements()
        db.session.commit()
        assert [(s.name, s.is_primary, len(s.milestones), len(s.validity))
                for s in queries.requirement_sets()] == before
        assert before[1] == ("chi-tieu-ke-hoach", False, 4, 0)


def test_the_one_set_file_shape_still_seeds_the_primary_set(app, tmp_path):
    path = tmp_path / "requirements.yaml"
    path.write_text("target_percent: 90\ndeadline: 2030-12-31\ngroups:\n  household_head: [a, b]\n", "utf-8")
    with app.app_context():
        coverage_services.seed_requirements(path)
        db.session.commit()
        primary = queries.requirement_set()
        assert (primary.name, primary.target_percent, primary.deadline) == ("default", 90, date(2030, 12, 31))
        assert queries.required_courses("household_head") == ["a", "b"]
        assert [r.target_percent for r in queries.requirements()] == [90]


def test_an_administrator_edits_sets_in_the_app(world, client, make_user):
    from tests.support.client import csrf_token, login

    make_user(("admin",), email="admin@example.vn")
    login(client, "admin@example.vn")
    page = client.get("/coverage/requirements").get_data(as_text=True)
    assert "Full path" in page and "Plan indicator" in page and "31/12/2025: 40" in page
    assert "a: 12 tháng" in page and "b: phiên bản 2" in page
    token = csrf_token(client, "/coverage/requirements?set=plan")
    response = client.post("/coverage/requirements?set=plan", data={
        "set-csrf_token": token, "set-title": "Chỉ tiêu kế hoạch", "set-target_percent": "90",
        "set-deadline": "2029-12-31", "set-milestones": "31/12/2026: 50\n2027-12-31 75",
        "set-validity": "a: 24 tháng, từ 06/07/2025", "set-primary": "y"})
    assert response.status_code == 302, response.get_data(as_text=True)
    response = client.post("/coverage/requirements?set=plan", data={
        "household_head-csrf_token": token, "household_head-courses": "a, b",
        "household_head-recommended": "c"})
    assert response.status_code == 302
    bad = client.post("/coverage/requirements?set=plan", data={
        "set-csrf_token": token, "set-target_percent": "90", "set-milestones": "soon"})
    assert bad.status_code == 200 and "Dòng 1" in bad.get_data(as_text=True)
    response = client.post("/coverage/requirements", data={"new-csrf_token": token, "new-name": "refresh-2026",
                                                           "new-title": "Bồi dưỡng lại 2026"})
    assert response.status_code == 302 and response.headers["Location"].endswith("set=refresh-2026")
    response = client.post("/coverage/requirements?set=refresh-2026",
                           data={"delete-csrf_token": token, "delete-set": "1"})
    assert response.status_code == 302
    with world.app_context():
        plan = queries.requirement_set()
        assert (plan.name, plan.title, plan.target_percent, plan.deadline) == (
            "plan", "Chỉ tiêu kế hoạch", 90, date(2029, 12, 31))
        assert [(m.due_on, m.percent) for m in plan.milestones] == [(date(2026, 12, 31), 50),
                                                                     (date(2027, 12, 31), 75)]
        assert [(v.course_slug, v.valid_months, v.valid_from) for v in plan.validity] == [
            ("a", 24, date(2025, 7, 6))]
        assert queries.required_courses("household_head") == ["a", "b"]
        assert queries.recommended_courses("household_head") == ["c"]
        assert [s.name for s in queries.requirement_sets()] == ["plan", "full"]
    assert client.get("/coverage/requirements?set=nope").status_code == 404


def test_cli_lists_sets_and_reports_coverage_against_a_named_set(world, runner):
    import json

    listed = runner.invoke(args=["lms", "requirements", "--format", "json"])
    assert listed.exit_code == 0, listed.output
    sets = json.loads(listed.output)["sets"]
    assert [(s["name"], s["primary"], s["target"]) for s in sets] == [("full", True, 100), ("plan", False, 80)]
    assert sets[0]["groups"]["household_head"] == {"required": ["a", "b"], "recommended": ["c"]}
    assert sets[0]["validity"]["a"] == {"valid_months": 12, "valid_from": None, "min_version": None}
    assert sets[0]["milestones"][0] == {"date": "2025-12-31", "percent": 40}
    table = runner.invoke(args=["lms", "requirements"])
    assert table.exit_code == 0 and "full (primary)" in table.output and "a: 12 months" in table.output

    doc = json.loads(runner.invoke(args=["lms", "coverage", "--unit", r.HOME, "--as-of", D.isoformat(),
                                         "--format", "json"]).output)
    assert doc["requirement"] == {"name": "full", "title": "Full path", "target": 100, "deadline": "2030-12-31",
                                  "milestone": {"date": "2025-12-31", "percent": 40}}
    assert doc["total"]["needs_refresher"] == 1
    assert {g["group"]: g["needs_refresher"] for g in doc["groups"]} == {"household_head": 1,
                                                                        "official_district": 0}
    plan = json.loads(runner.invoke(args=["lms", "coverage", "--unit", r.HOME, "--as-of", D.isoformat(),
                                          "--format", "json", "--requirement", "plan"]).output)
    assert plan["requirement"]["milestone"] is None and plan["requirement"]["target"] == 80
    assert (plan["total"]["trained"], plan["total"]["required"]) == (3, 5)
    csv_out = runner.invoke(args=["lms", "coverage", "--unit", r.HOME, "--as-of", D.isoformat(), "--format", "csv"])
    assert csv_out.output.splitlines()[0].endswith(",percent,needs_refresher")
    assert csv_out.output.splitlines()[1] == "total,,6,2,2,1,33.3,1"
    text = runner.invoke(args=["lms", "coverage", "--unit", r.HOME, "--as-of", D.isoformat()]).output
    assert "next milestone 40% by 2025-12-31" in text
    unknown = runner.invoke(args=["lms", "coverage", "--requirement", "nope"])
    assert unknown.exit_code != 0 and "unknown requirement set" in unknown.output


def test_api_takes_the_set_and_gives_its_summary(world, client, make_user):
    from tests.support.client import login

    make_user(("admin",), email="admin@example.vn")
    login(client, "admin@example.vn")
    doc = client.get(f"/api/v1/coverage?unit={r.HOME}&as_of={D.isoformat()}").get_json()
    assert doc["requirement"]["name"] == "full" and doc["total"]["needs_refresher"] == 1
    doc = client.get(f"/api/v1/coverage?unit={r.HOME}&as_of={D.isoformat()}&requirement=plan").get_json()
    assert doc["requirement"]["name"] == "plan" and doc["total"]["percent"] == 60.0
    bad = client.get(f"/api/v1/coverage?unit={r.HOME}&requirement=nope")
    assert bad.status_code == 400 and bad.get_json()["error"]["code"] == 400


def test_dashboard_switches_sets_and_draws_the_next_milestone(world, client, make_user):
    from tests.support.client import login

    make_user(("admin",), email="admin@example.vn")
    login(client, "admin@example.vn")
    html = client.get(f"/coverage/?unit={r.HOME}&as_of={D.isoformat()}").get_data(as_text=True)
    assert 'data-testid="milestone-line"' in html and "Mốc tiếp theo: 40 % đến" in html
    assert "1 người cần bồi dưỡng lại" in html
    switcher = html.split('data-testid="requirement-sets"')[1].split("</p>")[0]
    assert "<strong>Full path</strong>" in switcher and "requirement=plan" in switcher
    plan = client.get(f"/coverage/?unit={r.HOME}&as_of={D.isoformat()}&requirement=plan").get_data(as_text=True)
    assert "<strong>Plan indicator</strong>" in plan and 'data-testid="milestone-line"' not in plan
    assert 'name="requirement" value="plan"' in plan  # the filters keep the set
    gaps = client.get(f"/coverage/gaps?unit={r.HOME}&as_of={D.isoformat()}&requirement=plan").get_data(as_text=True)
    assert "P4 nothing" in gaps and "P3 old version" not in gaps
    export = client.get(f"/coverage/gaps.csv?unit={r.HOME}&as_of={D.isoformat()}&requirement=plan")
    assert export.status_code == 200 and "P3 old version" not in export.get_data(as_text=True)
    bad = client.get(f"/coverage/?unit={r.HOME}&requirement=nope")
    assert bad.status_code == 302

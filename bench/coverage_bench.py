"""Coverage at national scale: generated registry, import, coverage queries, gap export.

    python -m bench.coverage_bench [--scale 0.1] [--pg postgresql+psycopg://…/lms_bench]

At --scale 1: every commune (both schemes), 100,000 people, 20,000 organisations,
400,000 completions, a 100,000-row XLSX import. Prints the figures and writes them as
JSON into bench/results/. Each ORM coverage query (the country, province 44, its largest
commune) is timed next to the best hand-written SQL for the same numbers (ratio = ORM /
hand-written; median of --repeat calls, and the first call); --coverage-only stops there.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import statistics
import tempfile
import time
import tracemalloc
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

os.environ.setdefault("LMS_SECRET_KEY", "bench-secret-not-for-production")

from sqlalchemy import bindparam, insert, select, text  # noqa: E402

from lms import create_app  # noqa: E402
from lms.core.db import UTCDateTime  # noqa: E402
from lms.extensions import db  # noqa: E402

AS_OF = date(2026, 6, 30)
GROUP_COURSES = {
    "enterprise_leader": ["quan-tri", "tieu-chi"], "cooperative_leader": ["quan-tri", "tieu-chi"],
    "cooperative_group_leader": ["quan-tri", "tieu-chi"], "household_head": ["quan-tri", "tieu-chi"],
    "official_province": ["quan-ly"], "official_district": ["quan-ly"], "official_commune": ["quan-ly", "tieu-chi"],
}
ORG_GROUP = {"enterprise": "enterprise_leader", "cooperative": "cooperative_leader",
             "cooperative_group": "cooperative_group_leader", "household": "household_head"}

HAND_SQL = """
WITH nreq AS (SELECT target_group, count(*) AS n FROM requirement_course GROUP BY target_group),
done AS (
  SELECT cc.person_id, count(*) AS n
  FROM course_completion cc
  JOIN course c ON c.id = cc.course_id
  JOIN requirement_course rc ON rc.course_slug = c.slug
  JOIN person p ON p.id = cc.person_id AND p.target_group = rc.target_group
  JOIN admin_unit u ON u.id = p.unit_id
  WHERE cc.completed_at < :cut {unit_filter}
  GROUP BY cc.person_id
)
SELECT {child} AS child, p.target_group, count(*) AS required,
       sum(CASE WHEN coalesce(d.n, 0) >= nr.n THEN 1 ELSE 0 END) AS trained,
       sum(CASE WHEN coalesce(d.n, 0) > 0 AND d.n < nr.n THEN 1 ELSE 0 END) AS in_progress
FROM person p
JOIN admin_unit u ON u.id = p.unit_id
JOIN nreq nr ON nr.target_group = p.target_group
LEFT JOIN organisation o ON o.id = p.organisation_id
LEFT JOIN done d ON d.person_id = p.id
WHERE (p.active_from IS NULL OR p.active_from <= :day)
  AND (p.active_until IS NULL OR p.active_until >= :day)
  AND (p.organisation_id IS NULL OR ((o.joined_year IS NULL OR o.joined_year <= :year)
       AND (o.withdrawn_on IS NULL OR o.withdrawn_on > :day)))
  {unit_filter}
GROUP BY {child}, p.target_group
"""


class Admin:
    is_authenticated = True
    id = None

    def has_role(self, *roles):
        return "admin" in roles


def timed(fn, repeat=3):
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def generate(scale: float, rng: random.Random) -> dict:
    from lms.catalog.models import Course, CourseCompletion
    from lms.coverage.services import set_requirement
    from lms.registry.models import AdminUnit, Organisation, Person

    n_orgs, n_people, n_completions = int(20_000 * scale), int(100_000 * scale), int(400_000 * scale)
    courses = {}
    extras = [f"tu-chon-{i}" for i in range(1, 9)]  # elective courses: not required by any group
    for slug in ("quan-tri", "tieu-chi", "quan-ly", *extras):
        c = Course(slug=slug, title=slug, audience=[], completion={})
        db.session.add(c)
        db.session.flush()
        courses[slug] = c.id
    for group, slugs in GROUP_COURSES.items():
        set_requirement(group, slugs, deadline=date(2030, 12, 31))
    communes = list(db.session.scalars(select(AdminUnit.id).where(AdminUnit.level == "commune")))
    provinces = list(db.session.scalars(select(AdminUnit.id).where(AdminUnit.level == "province",
                                                                   AdminUnit.scheme == "2025")))
    types = list(ORG_GROUP)
    orgs = [{"code": f"B{i:09d}", "name": f"Tổ chức {i}", "org_type": rng.choice(types),
             "unit_id": rng.choice(communes), "joined_year": rng.randint(2019, 2026),
             "status": "active", "withdrawn_on": None} for i in range(n_orgs)]
    for o in orgs[::40]:
        o["status"], o["withdrawn_on"] = "withdrawn", date(2025, rng.randint(1, 12), 1)
    db.session.execute(insert(Organisation), orgs)
    org_rows = db.session.execute(select(Organisation.id, Organisation.org_type, Organisation.unit_id)).all()
    people = []
    for i in range(n_people):
        if i < len(org_rows):
            oid, otype, unit = org_rows[i]
            people.append({"full_name": f"Người {i}", "phone": f"09{i:08d}", "target_group": ORG_GROUP[otype],
                           "unit_id": unit, "organisation_id": oid})
        else:
            level = rng.random()
            group, unit = (("official_province", rng.choice(provinces)) if level < 0.05
                           else ("official_commune", rng.choice(communes)) if level < 0.4
                           else ("household_head", rng.choice(communes)))
            people.append({"full_name": f"Người {i}", "phone": f"09{i:08d}", "target_group": group,
                           "unit_id": unit, "organisation_id": None,
                           "active_from": date(2024, 1, 1) + timedelta(days=rng.randint(0, 900)) if i % 9 == 0 else None})
    db.session.execute(insert(Person), people)
    person_rows = db.session.execute(select(Person.id, Person.target_group)).all()
    completions, seen = [], set()
    start = datetime(2022, 1, 1, tzinfo=UTC)
    while len(completions) < n_completions:
        pid, group = rng.choice(person_rows)
        slug = rng.choice(GROUP_COURSES[group] + ["quan-tri"] + extras)
        if (pid, slug) in seen:
            continue
        seen.add((pid, slug))
        completions.append({"person_id": pid, "course_id": courses[slug], "via": rng.choice(["online", "class", "historical"]),
                            "completed_at": start + timedelta(days=rng.randint(0, 1700)), "recorded_at": start})
    for i in range(0, len(completions), 50_000):
        db.session.execute(insert(CourseCompletion), completions[i:i + 50_000])
    db.session.commit()
    return {"organisations": n_orgs, "people": n_people, "completions": len(completions)}


def xlsx_rows(n: int, rng: random.Random, commune_codes: list[str]) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("organizations")
    sheet.append(["org_code", "org_name", "org_type", "unit_code", "leader_name", "leader_phone", "joined_year"])
    for i in range(n):
        sheet.append([f"X{i:09d}", f"HTX Nhập {i}", rng.choice(["Doanh nghiệp", "Hợp tác xã", "Hộ kinh doanh"]),
                      rng.choice(commune_codes), f"Nguyễn Văn {i}", f"03{i:08d}", "2024"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def run_database(url: str, scale: float, label: str, measure_memory: bool, repeat: int = 7,
                 coverage_only: bool = False) -> dict:
    from lms.coverage import exports, queries
    from lms.registry import imports, services
    from lms.registry.models import AdminUnit

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "IMPORT_MAX_MB": 200, "IMPORT_MAX_UNCOMPRESSED_MB": 2000,
                      "SQLITE_SYNCHRONOUS": "OFF"})
    out: dict = {"database": label}
    with app.app_context():
        out["server_version"] = db.session.scalar(text(
            "SELECT sqlite_version()" if url.startswith("sqlite") else "SHOW server_version"))
        db.session.commit()
        db.drop_all()
        db.create_all()
        t = time.perf_counter()
        services.load_units()
        db.session.commit()
        out["load_units_s"] = round(time.perf_counter() - t, 2)
        rng = random.Random(2025)  # noqa: S311
        t = time.perf_counter()
        out["data"] = generate(scale, rng)
        out["generate_s"] = round(time.perf_counter() - t, 1)
        if url.startswith("postgresql"):
            db.session.execute(text("ANALYZE"))
            db.session.commit()
        else:
            db.session.execute(text("ANALYZE"))
            db.session.commit()
        admin = Admin()
        province = db.session.scalar(select(AdminUnit).where(AdminUnit.scheme == "2025", AdminUnit.code == "44"))
        # The commune of province 44 with the most people: the smallest subtree measured.
        commune_id = db.session.execute(text(
            "SELECT u.new_commune_id FROM person p JOIN admin_unit u ON u.id = p.unit_id "
            "WHERE u.new_province_id = :prov AND u.new_commune_id IS NOT NULL "
            "GROUP BY u.new_commune_id ORDER BY count(*) DESC, u.new_commune_id LIMIT 1"), {"prov": province.id}).scalar()
        cut = queries.cutoff(AS_OF)
        scopes = [
            ("country", queries.Area(None, "2025"), "u.new_province_id", "", None),
            ("province_44", queries.Area(province, "2025"), "u.new_commune_id", "AND u.new_province_id = :unit",
             province.id),
        ]
        if commune_id is not None:
            scopes.append(("commune_in_44", queries.Area(db.session.get(AdminUnit, commune_id), "2025"),
                           "u.new_commune_id", "AND u.new_commune_id = :unit", commune_id))
        for name, area, child, unit_filter, unit_id in scopes:
            # The ORM path (figures: rules, statement, child units) against the hand-written
            # query alone, interleaved so that both see the same load from other processes:
            # the first call of each, then the median of the repeats.
            sql = text(HAND_SQL.format(child=child, unit_filter=unit_filter)).bindparams(
                bindparam("cut", type_=UTCDateTime()))
            params = {"cut": cut, "day": AS_OF, "year": AS_OF.year}
            if unit_id is not None:
                params["unit"] = unit_id
            orm_first, orm_times, hand_first, hand_times = None, [], None, []
            for i in range(repeat + 1):
                start = time.perf_counter()
                figures = queries.figures(admin, area, AS_OF)
                orm_t = time.perf_counter() - start
                start = time.perf_counter()
                rows = db.session.execute(sql, params).all()
                hand_t = time.perf_counter() - start
                if i == 0:
                    orm_first, hand_first = orm_t, hand_t
                else:
                    orm_times.append(orm_t)
                    hand_times.append(hand_t)
            orm_s, hand_s = statistics.median(orm_times), statistics.median(hand_times)
            hand_total = sum(r.required for r in rows), sum(int(r.trained) for r in rows)
            assert hand_total == (figures["total"]["required"], figures["total"]["trained"]), (hand_total, figures["total"])
            out[f"coverage_{name}"] = {
                "orm_s": round(orm_s, 4), "hand_sql_s": round(hand_s, 4), "ratio": round(orm_s / hand_s, 2),
                "first_call": {"orm_s": round(orm_first, 4), "hand_sql_s": round(hand_first, 4),
                               "ratio": round(orm_first / hand_first, 2)},
                "repeats": repeat, "required": figures["total"]["required"], "trained": figures["total"]["trained"],
            }
        if coverage_only:
            db.session.remove()
            db.drop_all()
            db.engine.dispose()
            return out
        trend_s, _ = timed(lambda: queries.trend(admin, queries.Area(province, "2025"), AS_OF), repeat=1)
        out["trend_province_44_s"] = round(trend_s, 3)
        # The same with a validity rule (valid_months): each month end counts the completions
        # still valid on that day, and the figures check completions against a window.
        from lms.coverage import services as coverage_services

        coverage_services.update_set(coverage_services.find_set(), deadline=date(2030, 12, 31),
                                     validity={"tieu-chi": {"valid_months": 24}})
        valid_s, valid_fig = timed(lambda: queries.figures(admin, queries.Area(None, "2025"), AS_OF))
        valid_trend_s, _ = timed(lambda: queries.trend(admin, queries.Area(province, "2025"), AS_OF), repeat=1)
        out["with_valid_months"] = {"coverage_country_s": round(valid_s, 3), "trend_province_44_s": round(valid_trend_s, 3),
                                    "needs_refresher": valid_fig["total"]["needs_refresher"]}
        db.session.rollback()

        def export():
            header, rows = exports.gap_table(admin, queries.Area(None, "2025"), AS_OF, limit=10_000)
            return len(rows), len(exports.to_xlsx(header, rows)), len(exports.to_csv(header, rows))

        export_s, (n_rows, xlsx_bytes, _csv) = timed(export, repeat=1)
        out["gap_export_10k"] = {"rows": n_rows, "seconds": round(export_s, 2), "xlsx_bytes": xlsx_bytes}

        commune_codes = list(db.session.scalars(select(AdminUnit.code).where(AdminUnit.scheme == "2025",
                                                                             AdminUnit.level == "commune")))
        n_import = int(100_000 * scale)
        data = xlsx_rows(n_import, random.Random(7), commune_codes)  # noqa: S311
        if measure_memory:
            tracemalloc.start()
        t = time.perf_counter()
        plan = imports.import_file("bench.xlsx", data)
        db.session.commit()
        elapsed = time.perf_counter() - t
        peak = tracemalloc.get_traced_memory()[1] if measure_memory else None
        if measure_memory:
            tracemalloc.stop()
        assert plan.ok, plan.errors[:3]
        out["import_xlsx"] = {"rows": n_import, "file_bytes": len(data), "seconds": round(elapsed, 1),
                              "rows_per_s": round(n_import / elapsed), "traced": measure_memory,
                              "peak_mib": round(peak / 2**20, 1) if peak else None}
        db.session.remove()
        db.drop_all()
        db.engine.dispose()
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--pg", default=os.environ.get("LMS_BENCH_PG_URL"),
                        help="PostgreSQL URL of a database the benchmark may empty (default: none, SQLite only)")
    parser.add_argument("--repeat", type=int, default=7, help="timed calls of each coverage query (median)")
    parser.add_argument("--coverage-only", action="store_true",
                        help="only the coverage figures against the hand-written SQL (no trend, export, import)")
    args = parser.parse_args(argv)
    results = {"scale": args.scale, "as_of": AS_OF.isoformat(), "runs": []}
    with tempfile.TemporaryDirectory() as tmp:
        # SQLite: import timed without tracemalloc (it slows Python down); PostgreSQL: with it.
        results["runs"].append(run_database(f"sqlite:///{tmp}/bench.db", args.scale, "sqlite", measure_memory=False,
                                            repeat=args.repeat, coverage_only=args.coverage_only))
        print(json.dumps(results["runs"][-1], indent=2, ensure_ascii=False), flush=True)
    if args.pg:
        results["runs"].append(run_database(args.pg, args.scale, "postgresql", measure_memory=True,
                                            repeat=args.repeat, coverage_only=args.coverage_only))
        print(json.dumps(results["runs"][-1], indent=2, ensure_ascii=False), flush=True)
    print("coverage: ORM path / hand-written SQL (median of repeats; first call in brackets)")
    for run in results["runs"]:
        for key, value in run.items():
            if key.startswith("coverage_"):
                print(f"  {run['database']:<10} {run['server_version'].split()[0]:<7} {key[9:]:<14} {value['orm_s'] * 1000:8.1f} ms / "
                      f"{value['hand_sql_s'] * 1000:8.1f} ms = {value['ratio']:5.2f}  "
                      f"({value['first_call']['ratio']:.2f})")
    target = Path(__file__).parent / "results"
    target.mkdir(exist_ok=True)
    kind = "-coverage-only" if args.coverage_only else ""
    path = target / f"coverage{kind}-scale{args.scale:g}-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    path.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"written {path}")


if __name__ == "__main__":
    main()

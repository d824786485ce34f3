"""Onboarding figures (printed; not part of the test suite).

    .venv/bin/python -m bench.onboarding_bench [--people 10000] [--slips 1000]

Against a throw-away SQLite database: activation codes for 10,000 registry people written
as CSV (issuing included: hashing, superseding, audit rows, commit); the A4 slips PDF for
1,000 people (time and size); the first-load weight of ``/activate/<code>`` and
``/register`` (HTML + CSS + images + fonts, uncompressed), failing if a page loads
anything from another host.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("LMS_SECRET_KEY", "bench-only")

GOAL_BYTES = 30 * 1024


def _weight(client, path: str) -> dict:
    from bench.http_bench import CSS_URL_RE, Resources

    response = client.get(path)
    html = response.get_data()
    parser = Resources()
    parser.feed(html.decode("utf-8", "replace"))
    offsite = list(parser.absolute)
    parts, seen, queue = {"html": len(html)}, set(), list(parser.loads)
    while queue:
        ref = queue.pop(0)
        split = urlsplit(ref)
        if split.scheme or split.netloc:
            offsite.append(ref)
            continue
        if split.path in seen or ref.startswith("data:"):
            continue
        seen.add(split.path)
        body = client.get(split.path).get_data()
        kind = split.path.rsplit(".", 1)[-1].lower()
        parts[kind] = parts.get(kind, 0) + len(body)
        if kind == "css":
            for inner in CSS_URL_RE.findall(body.decode("utf-8", "replace")):
                if inner.startswith(("http://", "https://", "//")):
                    offsite.append(inner)
                elif not inner.startswith("data:"):
                    queue.append(inner if inner.startswith("/") else split.path.rsplit("/", 1)[0] + "/" + inner)
    total = sum(parts.values())
    return {"status": response.status_code, "total_bytes": total, "parts": parts, "offsite": offsite,
            "within_goal": total <= GOAL_BYTES}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--slips", type=int, default=1_000)
    args = parser.parse_args(argv)

    from sqlalchemy import insert, select

    from lms import create_app
    from lms.extensions import db
    from lms.onboarding import queries, services, slips
    from lms.registry import services as registry_services
    from lms.registry.models import AdminUnit, Person

    results: dict = {}
    with tempfile.TemporaryDirectory() as folder:
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.db", "NEUTRAL_RESPONSE_MS": 0})
        with app.app_context():
            db.create_all()
            registry_services.load_units(province="44")
            communes = db.session.scalars(select(AdminUnit.id).where(AdminUnit.scheme == "2025",
                                                                     AdminUnit.level == "commune")).all()
            db.session.execute(insert(Person), [
                {"full_name": f"Nguyễn Thị Hường {n:05d}", "phone": f"09{n:08d}", "target_group": "household_head",
                 "unit_id": communes[n % len(communes)]} for n in range(args.people)
            ])
            db.session.commit()
            province = db.session.scalar(select(AdminUnit).where(AdminUnit.scheme == "2025", AdminUnit.code == "44"))

            with app.test_request_context("/"):
                started, cpu = time.perf_counter(), time.process_time()
                people = db.session.scalars(queries.people_in_area(queries.Everyone(), province)).all()
                issued = services.issue_codes(people)
                data = slips.csv_bytes(issued)
                db.session.commit()
                seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
                results["csv"] = {"people": len(issued), "seconds": round(seconds, 2), "cpu_seconds": round(cpu, 2),
                                  "bytes": len(data)}
                print(f"codes as CSV for {len(issued):,} people: {seconds:.2f} s ({cpu:.2f} s CPU), "
                      f"{len(data) / 1024:.0f} KiB")

                subset = issued[:args.slips]
                slips.pdf_bytes(subset[:8])  # warm-up: imports, fonts
                started, cpu = time.perf_counter(), time.process_time()
                pdf = slips.pdf_bytes(subset)
                seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
                results["pdf"] = {"slips": len(subset), "pages": -(-len(subset) // 8), "seconds": round(seconds, 1),
                                  "cpu_seconds": round(cpu, 1), "bytes": len(pdf)}
                print(f"slips PDF for {len(subset):,} people ({-(-len(subset) // 8)} pages): {seconds:.1f} s "
                      f"({cpu:.1f} s CPU), {len(pdf) / 1024 / 1024:.1f} MiB")
                code = issued[0].code

        client = app.test_client()
        results["weight"] = {}
        for path in (f"/activate/{code}", "/register", "/register?province=44"):
            figures = _weight(client, path)
            results["weight"][path.replace(code, "<code>")] = figures
            print(f"first load of {path.replace(code, '<code>')}: {figures['total_bytes'] / 1024:.1f} KiB "
                  f"{figures['parts']} offsite={len(figures['offsite'])} (goal ≤ 30 KiB: "
                  f"{'met' if figures['within_goal'] else 'NOT met'})")
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    if any(f["offsite"] for f in results["weight"].values()):
        raise SystemExit("a page loads from another host")
    out = Path(__file__).resolve().parent / "results" / "onboarding.json"
    out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return results


if __name__ == "__main__":
    main()

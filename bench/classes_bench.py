"""Class figures (printed; not part of the test suite).

    .venv/bin/python bench/classes_bench.py [--people 100] [--days 5] [--pg URL]

A class of N people over D days, against a throw-away SQLite database (or an empty
PostgreSQL database given with --pg; its tables are dropped afterwards): the time for a
phone to flush one day's marks through the JSON endpoint (one request of N marks), the
same request repeated (nothing changes), the report page, the XLSX export, and finishing
the class (N completions and their certificates).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import date
from datetime import time as clock
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("LMS_SECRET_KEY", "bench-only")


def _timed(label, fn):
    start = time.perf_counter()
    result = fn()
    print(f"{label:<48} {time.perf_counter() - start:8.3f} s")
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=100)
    parser.add_argument("--days", type=int, default=5)
    parser.add_argument("--pg", default=None)
    args = parser.parse_args()

    from lms import create_app
    from lms.auth import services as auth_services
    from lms.catalog.models import Course
    from lms.classes import services
    from lms.extensions import db
    from lms.registry.models import AdminUnit, Person

    with tempfile.TemporaryDirectory() as folder:
        url = args.pg or f"sqlite:///{folder}/bench.db"
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
        with app.app_context():
            db.drop_all()
            db.create_all()
            unit = AdminUnit(scheme="2025", code="44", name="Quảng Trị", level="province", type="Tỉnh")
            db.session.add(unit)
            course = Course(slug="bench", title="Tập huấn OCOP", hours=16)
            db.session.add(course)
            db.session.flush()
            people = [Person(full_name=f"Học viên {n:04d}", unit_id=unit.id) for n in range(args.people)]
            db.session.add_all(people)
            trainer = auth_services.create_user(name="GV", email="gv@example.vn", phone=None, roles=["admin"],
                                                password="bench-password-1")  # noqa: S106 - throw-away DB
            db.session.flush()
            cls = services.save_class(None, services.ClassData(
                course=course, title="Lớp đo", venue="", unit_id=unit.id, capacity=args.people,
                threshold_percent=80, posttest_required=False, pass_mark=70, quiz_id=None,
                days=[(date(2026, 3, 2 + d), clock(7, 30), clock(11, 30)) for d in range(args.days)],
                trainer_ids=[trainer.id]), actor=None)
            services.add_people(cls, [p.id for p in people], actor=None)
            db.session.commit()
            class_id, day_ids, ids = cls.id, [d.id for d in cls.days], [p.id for p in people]

        import re

        token_re = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
        client = app.test_client()
        token = token_re.search(client.get("/login").get_data(as_text=True)).group(1)
        client.post("/login", data={"login": "gv@example.vn", "password": "bench-password-1", "csrf_token": token})
        token = token_re.search(client.get(f"/classes/{class_id}").get_data(as_text=True)).group(1)
        headers = {"X-CSRFToken": token}
        print(f"class of {args.people} people over {args.days} days ({'PostgreSQL' if args.pg else 'SQLite'})")
        for n, day_id in enumerate(day_ids):
            marks = [{"person_id": pid, "status": "absent" if (pid + n) % 7 == 0 else "present"} for pid in ids]
            url = f"/classes/{class_id}/days/{day_id}/marks.json"
            response = _timed(f"day {n + 1}: one JSON flush of {len(marks)} marks",
                              lambda url=url, marks=marks: client.post(url, json={"marks": marks}, headers=headers))
            assert response.status_code == 200 and len(response.get_json()["saved"]) == len(marks)
        _timed("the same flush repeated (no change)", lambda: client.post(
            f"/classes/{class_id}/days/{day_ids[-1]}/marks.json", json={"marks": marks}, headers=headers))
        _timed("report page", lambda: client.get(f"/classes/{class_id}/report"))
        _timed("report XLSX", lambda: client.get(f"/classes/{class_id}/report.xlsx"))
        with app.app_context():
            from lms.classes.models import TrainingClass

            result = _timed("finish (completions + certificates)", lambda: services.finish_class(
                db.session.get(TrainingClass, class_id), actor=None))
            db.session.commit()
            print(f"completions recorded: {result.awarded}")
            db.drop_all()


if __name__ == "__main__":
    main()

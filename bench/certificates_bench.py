"""Certificate rendering figures (printed; not part of the test suite).

    .venv/bin/python bench/certificates_bench.py [--runs 5]

Time to render one certificate PDF, and one bulk PDF of a 50-person class (50 pages),
against a throw-away SQLite database.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("LMS_SECRET_KEY", "bench-only")


def certificate_holders(slug: str, n: int, name: str = "Nguyễn Thị Hường {i:03d}"):
    """A course that ``n`` people (named ``name.format(i=…)``) completed in a class, so with
    ``n`` certificates; committed, in the caller's app context. Returns the course."""
    from lms.catalog.models import Course
    from lms.catalog.services import record_completion
    from lms.extensions import db
    from lms.registry.models import Person

    course = Course(slug=slug, title="Quản trị sản xuất, kinh doanh cho chủ thể OCOP", hours=24)
    db.session.add(course)
    db.session.flush()
    for i in range(n):
        person = Person(full_name=name.format(i=i))
        db.session.add(person)
        db.session.flush()
        record_completion(person.id, course, via="class")
    db.session.commit()
    return course


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    from lms import create_app
    from lms.certification import services
    from lms.certification.models import Certificate
    from lms.extensions import db

    with tempfile.TemporaryDirectory() as folder:
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.db"})
        with app.app_context():
            db.create_all()
            certificate_holders("bench", 50, "Nguyễn Thị Hường {i:02d} — Hợp tác xã Dịch vụ Nông nghiệp")
            certificates = db.session.scalars(db.select(Certificate).order_by(Certificate.id)).all()
            assert len(certificates) == 50

            services.render_certificate_pdf(certificates[0])  # warm-up (imports, fonts)
            single = []
            for i in range(args.runs):
                start = time.perf_counter()
                pdf = services.render_certificate_pdf(certificates[i % 50])
                single.append(time.perf_counter() - start)
            bulk = []
            for _ in range(max(1, args.runs // 2)):
                start = time.perf_counter()
                bulk_pdf = services.render_bulk_pdf(certificates)
                bulk.append(time.perf_counter() - start)
            start = time.perf_counter()
            archive = services.render_bulk_zip(certificates)
            zip_time = time.perf_counter() - start
            db.engine.dispose()

    print(f"one certificate PDF: median {statistics.median(single) * 1000:.0f} ms "
          f"(min {min(single) * 1000:.0f}, max {max(single) * 1000:.0f}, {len(single)} runs, {len(pdf) // 1024} KiB)")
    print(f"50-person class, one PDF (50 pages): median {statistics.median(bulk):.2f} s "
          f"({len(bulk)} runs, {len(bulk_pdf) // 1024} KiB)")
    print(f"50-person class, ZIP of 50 PDFs: {zip_time:.2f} s ({len(archive) // 1024} KiB)")


if __name__ == "__main__":
    main()

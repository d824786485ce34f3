"""Course figures: importing many courses, re-importing them unchanged, and the weight of
the lesson page.

    python -m bench.catalog_bench [--courses 100] [--lessons 20]

- Import of N generated courses × M lessons (about 300 words each, one image per course)
  into a fresh SQLite database, then the same import again with nothing changed (content
  hashes make it a small fraction of the first).
- Re-import of an unchanged tree against its first import, measured in the process (no
  start-up; the libraries are loaded by a warm-up import first), median of 3 re-imports:
  many small courses (--copies of the 4-lesson sample course), the project's own courses
  (big ones, with their quizzes) and a few generated big courses (5 × 60 lessons).
- First load of the lesson page of the bundled sample course, as a phone browser fetches
  it: the HTML plus every stylesheet, script and font it references (uncompressed bytes),
  and whether anything is requested from another host.

Prints the figures and writes them to bench/results/catalog-<date>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("LMS_SECRET_KEY", "bench-secret-key-0123456789abcdef")

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c6360606060000000050001a5f645400000000049454e44ae426082"
)
WORDS = ("hợp tác xã sản phẩm chất lượng giá thành bao bì nhãn hàng thị trường khách hàng "
         "kế hoạch sản xuất an toàn thực phẩm truy xuất nguồn gốc doanh thu chi phí lợi nhuận").split()


def generate(root: Path, courses: int, lessons: int) -> None:
    per_module = 5
    for c in range(courses):
        folder = root / f"khoa-{c:03d}"
        (folder / "images").mkdir(parents=True)
        (folder / "images" / "h.png").write_bytes(PNG)
        (folder / "course.md").write_text(
            f"---\ntitle: Khóa học số {c}\nsummary: Khóa học sinh tự động để đo tốc độ\n"
            "audience: [household_head, cooperative_leader]\nhours: 4\n---\n## Giới thiệu\n\nNội dung.\n",
            "utf-8",
        )
        for m in range((lessons + per_module - 1) // per_module):
            module = folder / f"{m + 1:02d}-phan-{m}"
            module.mkdir()
            (module / "module.md").write_text(f"---\ntitle: Phần {m}\n---\n", "utf-8")
            for index in range(per_module):
                n = m * per_module + index
                if n >= lessons:
                    break
                body = " ".join(WORDS[(n + k) % len(WORDS)] for k in range(300))
                (module / f"{index + 1:02d}-bai-{n}.md").write_text(
                    f"---\ntitle: Bài {n}\nminutes: 5\n---\n## Mục {n}\n\n{body}\n\n"
                    f"| Khoản | Số tiền |\n|---|---|\n| A | {n}000 |\n\n![Hình](../images/h.png)\n",
                    "utf-8",
                )


def _app(database_url: str):
    from lms import create_app
    from lms.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        db.create_all()
    return app


def _timed_import(root: Path) -> tuple[float, object]:
    """``import_courses`` of ``root`` and its commit, in the app context: (seconds, report)."""
    from lms.catalog import services
    from lms.extensions import db

    started = time.perf_counter()
    report = services.import_courses([root])
    db.session.commit()
    return time.perf_counter() - started, report


def bench_import(courses: int, lessons: int) -> dict:
    from lms.extensions import db

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "courses"
        generate(root, courses, lessons)
        app = _app(f"sqlite:///{Path(tmp) / 'bench.db'}")
        with app.app_context():
            first, report = _timed_import(root)
            assert len(report.created) == courses
            second, report = _timed_import(root)
            assert len(report.unchanged) == courses
            db.engine.dispose()
    return {
        "courses": courses,
        "lessons_per_course": lessons,
        "first_import_s": round(first, 3),
        "reimport_unchanged_s": round(second, 3),
        "reimport_share": round(second / first, 3),
    }


def _timed_reimport(build, repeat: int = 3) -> dict:
    """First import of the tree ``build(root)`` makes into a fresh database, then ``repeat``
    re-imports of it unchanged (median); in this process, after a warm-up import."""
    from lms.extensions import db

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "courses"
        root.mkdir()
        build(root)
        n = sum(1 for child in root.iterdir() if (child / "course.md").is_file())
        warm = _app(f"sqlite:///{Path(tmp) / 'warm.db'}")
        with warm.app_context():  # load the Markdown, YAML and image libraries before timing
            _timed_import(ROOT / "courses" / "lam-quen-ocop")
            db.engine.dispose()
        app = _app(f"sqlite:///{Path(tmp) / 'bench.db'}")
        with app.app_context():
            first, report = _timed_import(root)
            assert len(report.created) == n, report
            times = []
            for _ in range(repeat):
                seconds, report = _timed_import(root)
                times.append(seconds)
                assert len(report.unchanged) == n and not report.created and not report.updated, report
            db.engine.dispose()
    again = statistics.median(times)
    return {"courses": n, "first_import_s": round(first, 3), "reimport_unchanged_s": round(again, 4),
            "reimport_share": round(again / first, 3), "reimport_per_course_ms": round(again * 1000 / n, 2)}


def _copies(n: int):
    def build(root: Path) -> None:
        for i in range(n):
            shutil.copytree(ROOT / "courses" / "lam-quen-ocop", root / f"lam-quen-ocop-{i:03d}")
    return build


def _own_courses(root: Path) -> None:
    for child in (ROOT / "courses").iterdir():
        if (child / "course.md").is_file():
            shutil.copytree(child, root / child.name)


def _timed_quiz_reimport(repeat: int = 3) -> dict:
    """`import-quizzes` of the project's quizzes/ folder, first and unchanged (in process)."""
    from lms.assessments import services as quiz_services
    from lms.catalog import services
    from lms.extensions import db

    with tempfile.TemporaryDirectory() as tmp:
        app = _app(f"sqlite:///{Path(tmp) / 'quizzes.db'}")
        with app.app_context():
            services.import_courses([ROOT / "courses"])
            db.session.commit()
            started, cpu = time.perf_counter(), time.process_time()
            results = quiz_services.import_quizzes([ROOT / "quizzes"])
            db.session.commit()
            first, first_cpu = time.perf_counter() - started, time.process_time() - cpu
            times, cpus = [], []
            for _ in range(repeat):
                started, cpu = time.perf_counter(), time.process_time()
                again = quiz_services.import_quizzes([ROOT / "quizzes"])
                db.session.commit()
                times.append(time.perf_counter() - started)
                cpus.append(time.process_time() - cpu)
                assert all(r.action == "unchanged" for r in again), again
            db.engine.dispose()
    median = statistics.median(times)
    return {"courses": len(results), "first_import_s": round(first, 3), "reimport_unchanged_s": round(median, 4),
            "reimport_share": round(median / first, 3), "reimport_per_course_ms": round(median * 1000 / len(results), 2),
            # CPU time of this process (the machine may be shared): first import, median re-import.
            "first_import_cpu_s": round(first_cpu, 3), "reimport_unchanged_cpu_s": round(statistics.median(cpus), 4)}


def bench_reimport(copies: int) -> dict:
    return {
        "small_copies": _timed_reimport(_copies(copies)),
        "own_courses": _timed_reimport(_own_courses),
        "big_generated": _timed_reimport(lambda root: generate(root, 5, 60)),
        "own_quizzes": _timed_quiz_reimport(),
    }


ASSET_RE = re.compile(r'<(?:link[^>]+href|script[^>]+src|img[^>]+src)="([^"]+)"')
CSS_URL_RE = re.compile(r"url\(['\"]?([^'\")]+)")
OFFSITE_RE = re.compile(r'(?:href|src|action)="((?:https?:)?//[^"]+)"', re.I)


def bench_page_weight() -> dict:
    from lms.auth import services as auth_services
    from lms.catalog import services as catalog_services
    from lms.catalog.models import Course
    from lms.extensions import db

    with tempfile.TemporaryDirectory() as tmp:
        app = _app(f"sqlite:///{Path(tmp) / 'weight.db'}")
        app.config["PASSWORD_HASH_METHOD"] = "pbkdf2:sha256:1000"
        with app.app_context():
            catalog_services.import_courses([ROOT / "courses" / "lam-quen-ocop"])
            user = auth_services.create_user(name="Đo", email="bench@example.vn", roles=["learner"],
                                             password="bench-password-123")
            catalog_services.enrol(user, db.session.scalar(db.select(Course)))
            db.session.commit()
        client = app.test_client()
        page = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        client.post("/login", data={"login": "bench@example.vn", "password": "bench-password-123",
                                    "csrf_token": token})
        results = {}
        for name, path in (("lesson", "/courses/lam-quen-ocop/lessons/chu-trinh-thuong-nien"),
                           ("course", "/courses/lam-quen-ocop"), ("catalogue", "/courses"),
                           ("login", "/login")):
            if name == "login":
                client = app.test_client()
            response = client.get(path)
            html = response.get_data()
            total = len(html)
            parts = {"html": len(html)}
            seen = set()
            for url in ASSET_RE.findall(html.decode()):
                if url in seen or url.startswith(("http:", "https:", "//", "data:")):
                    continue
                seen.add(url)
                asset = client.get(url)
                body = asset.get_data()
                asset.close()
                parts[url] = len(body)
                total += len(body)
                if url.endswith(".css"):
                    for ref in CSS_URL_RE.findall(body.decode()):
                        if ref.startswith("data:") or ref in seen:
                            continue
                        seen.add(ref)
                        font = client.get(ref)
                        parts[ref] = len(font.get_data())
                        total += parts[ref]
                        font.close()
            results[name] = {"bytes": total, "kb": round(total / 1024, 1), "parts": parts,
                             "offsite_urls": OFFSITE_RE.findall(html.decode())}
        with app.app_context():
            db.engine.dispose()
    return results


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--courses", type=int, default=100)
    parser.add_argument("--lessons", type=int, default=20)
    parser.add_argument("--copies", type=int, default=60, help="copies of the sample course for the re-import figure")
    parser.add_argument("--reimport-only", action="store_true", help="only the re-import figures")
    args = parser.parse_args(argv)
    figures = {"reimport": bench_reimport(args.copies)}
    for name, figure in figures["reimport"].items():
        what = "quiz files" if name.endswith("quizzes") else "courses"
        print(f"re-import unchanged, {name} ({figure['courses']} {what}): first import {figure['first_import_s']} s, "
              f"re-import {figure['reimport_unchanged_s']} s = {figure['reimport_share']:.3f} of the first "
              f"({figure['reimport_per_course_ms']} ms a course)"
              + (f"; CPU {figure['first_import_cpu_s']} s / {figure['reimport_unchanged_cpu_s']} s"
                 if "first_import_cpu_s" in figure else ""))
    if not args.reimport_only:
        figures.update({"import": bench_import(args.courses, args.lessons), "page_weight": bench_page_weight()})
        imp = figures["import"]
        print(f"import of {imp['courses']} courses × {imp['lessons_per_course']} lessons: "
              f"{imp['first_import_s']} s; unchanged re-import: {imp['reimport_unchanged_s']} s "
              f"({imp['reimport_share']:.1%} of the first)")
        for name, page in figures["page_weight"].items():
            print(f"first load of the {name} page: {page['kb']} KB (HTML {page['parts']['html']} B); "
                  f"requests to other hosts: {len(page['offsite_urls'])}")
    if __name__ == "__main__":  # run alone: keep the figures; under `python -m bench` they go in its file
        out = ROOT / "bench" / "results" / f"catalog-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n", "utf-8")
        print(f"written to {out.relative_to(ROOT)}")
    return figures


if __name__ == "__main__":
    main()

"""Course test helpers: write small course folders, import them, count the rows of every table."""

from __future__ import annotations

import textwrap
from pathlib import Path

from lms.extensions import db

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "courses" / "lam-quen-ocop"

# A 1×1 PNG (a valid one: course images are checked by decoding them).
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c6360606060000000050001a5f645400000000049454e44ae426082"
)


def write_course(root: Path, slug: str = "mini", *, course_meta: str | None = None,
                 lessons: dict[str, str] | None = None, extra: dict[str, bytes | str] | None = None) -> Path:
    """A course folder: two modules, three lessons, an image."""
    folder = root / slug
    folder.mkdir(parents=True, exist_ok=True)
    meta = course_meta if course_meta is not None else textwrap.dedent("""\
        title: Khóa học nhỏ
        title_en: A small course
        summary: Quản trị cơ bản cho hộ kinh doanh
        audience: [household_head, cooperative_leader]
        hours: 2
        completion:
          lessons: required
        self_enrol: true
        """)
    (folder / "course.md").write_text(f"---\n{meta}---\n## Giới thiệu\n\nXem [bài đầu](01-dau/01-mot.md).\n", "utf-8")
    files = {
        "01-dau/module.md": "---\ntitle: Phần đầu\n---\nTổng quan.\n",
        "01-dau/01-mot.md": "---\ntitle: Bài một\nminutes: 5\n---\n## Nội dung\n\n![Hình](../images/h.png)\n\nTiếp: [bài hai](02-hai.md)\n",
        "01-dau/02-hai.md": "---\ntitle: Bài hai\nminutes: 3\n---\nNội dung bài hai.\n",
        "02-sau/module.md": "---\ntitle: Phần sau\n---\n",
        "02-sau/01-ba.md": "---\ntitle: Bài ba (tự chọn)\nrequired: false\n---\nĐọc thêm.\n",
    }
    files.update(lessons or {})
    for rel, text in files.items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if text is None:
            path.unlink(missing_ok=True)
        else:
            path.write_text(text, "utf-8")
    (folder / "images").mkdir(exist_ok=True)
    (folder / "images" / "h.png").write_bytes(PNG)
    for rel, data in (extra or {}).items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data if isinstance(data, bytes) else data.encode())
    return folder


def run_import(runner, *paths, check=False, replace=False):
    args = ["lms", "import-courses", *map(str, paths)]
    if check:
        args.append("--check")
    if replace:
        args.append("--replace")
    return runner.invoke(args=args)


def table_counts(app) -> dict[str, int]:
    from sqlalchemy import func, select

    with app.app_context():
        return {
            table.name: db.session.scalar(select(func.count()).select_from(table))
            for table in db.metadata.sorted_tables
        }

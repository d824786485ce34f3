"""Lesson templates, copying lessons and modules between courses, and a lesson's history."""

from __future__ import annotations

from sqlalchemy import select

from lms.catalog.models import Course, CourseAsset, Lesson, Module
from lms.extensions import db
from tests.catalog.test_authoring import add_lesson, make_course, module_id
from tests.catalog.test_media import photo, upload
from tests.support.client import login, post_form


def test_new_lesson_from_a_template(app, client, users, mini_course, tmp_path):
    login(client, "trainer@example.vn")
    page = client.get("/author/courses/mini/lessons/new").get_data(as_text=True)
    for title in ("Ví dụ tính toán từng bước", "Danh sách kiểm tra", "Nghiên cứu tình huống", "Thuật ngữ"):
        assert title in page
    page = client.get("/author/courses/mini/lessons/new?template=01-vi-du-tinh-toan").get_data(as_text=True)
    assert "## Tính từng bước" in page and "Đến lượt anh/chị" in page

    # A province adds its own template: a Markdown file in the folder.
    (tmp_path / "05-quy-trinh.md").write_text("---\ntitle: Quy trình của tỉnh\n---\n## Bước một\n", "utf-8")
    app.config["LESSON_TEMPLATES_DIR"] = str(tmp_path)
    page = client.get("/author/courses/mini/lessons/new?template=05-quy-trinh").get_data(as_text=True)
    assert "Quy trình của tỉnh" in page and "## Bước một" in page


def test_shipped_templates_render_cleanly():
    from pathlib import Path

    from lms.core.frontmatter import parse_front_matter
    from lms.core.markdown import render_markdown

    folder = Path(__file__).resolve().parents[2] / "courses" / "_templates"
    files = sorted(p for p in folder.glob("*.md") if p.name != "README.md")
    assert len(files) >= 4
    for path in files:
        fm = parse_front_matter(path.read_text("utf-8"), str(path))
        assert fm.meta["title"] and fm.meta["description"]
        assert "<h2" in render_markdown(fm.body)


def test_copy_a_lesson_with_its_picture_into_another_course(app, client, users, mini_course):
    login(client, "trainer@example.vn")
    make_course(client)
    upload(client, photo(), "bao-bi.jpg")
    add_lesson(client, app, "co-anh", "![Bao bì](../images/bao-bi.jpg)")
    with app.app_context():
        lesson_id = db.session.scalar(select(Lesson.id).filter_by(slug="co-anh"))
        target = db.session.scalar(select(Module.id).join(Course).where(Course.slug == "mini", Module.slug == "dau"))
    response = post_form(client, f"/author/courses/tu-viet/lessons/{lesson_id}/copy", {"module": str(target)},
                         token_from=f"/author/courses/tu-viet/lessons/{lesson_id}")
    assert response.status_code == 302
    with app.app_context():
        mini = db.session.scalar(select(Course).filter_by(slug="mini"))
        copy = db.session.scalar(select(Lesson).filter_by(course_id=mini.id, slug="co-anh"))
        assert copy.module_id == target and mini.edited_in_browser
        assert "/courses/mini/files/images/bao-bi.jpg" in copy.current_version.body_html
        paths = set(db.session.scalars(select(CourseAsset.path).filter_by(course_id=mini.id)))
        assert {"images/bao-bi.jpg", "images/bao-bi.720.jpg"} <= paths
    # Copying again gives another short name, not a clash.
    post_form(client, f"/author/courses/tu-viet/lessons/{lesson_id}/copy", {"module": str(target)},
              token_from=f"/author/courses/tu-viet/lessons/{lesson_id}")
    with app.app_context():
        assert db.session.scalar(select(Lesson.id).filter_by(slug="co-anh-2")) is not None


def test_copy_a_module_into_another_course(app, client, users, mini_course):
    login(client, "trainer@example.vn")
    make_course(client)
    with app.app_context():
        source = db.session.scalar(select(Module).join(Course).where(Course.slug == "mini", Module.slug == "dau"))
        source_id = source.id
    response = post_form(client, f"/author/courses/mini/modules/{source_id}/copy", {"course": "tu-viet"},
                         token_from=f"/author/courses/mini/modules/{source_id}")
    assert response.status_code == 302 and response.headers["Location"].endswith("/author/courses/tu-viet")
    with app.app_context():
        course = db.session.scalar(select(Course).filter_by(slug="tu-viet"))
        copied = db.session.scalar(select(Module).filter_by(course_id=course.id, slug="dau"))
        lessons = db.session.scalars(select(Lesson).filter_by(module_id=copied.id).order_by(Lesson.position)).all()
        assert [lesson.slug for lesson in lessons] == ["mot", "hai"]
        assert "/courses/tu-viet/files/images/h.png" in lessons[0].current_version.body_html
        assert 'href="/courses/tu-viet/lessons/hai"' in lessons[0].current_version.body_html


def test_history_shows_changes_and_restores_an_old_text(app, client, users):
    login(client, "trainer@example.vn")
    make_course(client)
    add_lesson(client, app, "bai", "Dòng cũ\n")
    with app.app_context():
        lesson_id = db.session.scalar(select(Lesson.id).filter_by(slug="bai"))
    post_form(client, f"/author/courses/tu-viet/lessons/{lesson_id}", {
        "slug": "bai", "module": str(module_id(app)), "title": "Bài", "minutes": "4", "required": "y",
        "body_md": "Dòng mới <b>x</b>\n", "action": "save",
    })
    page = client.get(f"/author/courses/tu-viet/lessons/{lesson_id}/history").get_data(as_text=True)
    assert "<del>-Dòng cũ</del>" in page and "<ins>+Dòng mới &lt;b&gt;x&lt;/b&gt;</ins>" in page
    assert "Người dùng" in page or "trainer" in page.lower()
    response = post_form(client, f"/author/courses/tu-viet/lessons/{lesson_id}/history/1/restore", {},
                         token_from=f"/author/courses/tu-viet/lessons/{lesson_id}/history")
    assert response.status_code == 302
    with app.app_context():
        lesson = db.session.get(Lesson, lesson_id)
        assert lesson.version_number == 3 and lesson.current_version.body_md == "Dòng cũ\n"

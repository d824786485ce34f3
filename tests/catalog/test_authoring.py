"""Trainers author courses in the browser: create, preview, versions, order, publish, zip."""

from __future__ import annotations

import io

from sqlalchemy import func, select

from lms.catalog.models import Course, Lesson, LessonProgress, LessonVersion, Module
from lms.extensions import db
from tests.support.client import login, post_form
from tests.support.courses import run_import

COURSE = {
    "slug": "tu-viet", "title": "Khóa tự viết", "summary": "Viết trên trình duyệt",
    "audience": ["household_head"], "hours": "1.5", "language": "vi", "self_enrol": "y",
    "overview_md": "## Giới thiệu\n\nXin chào **bà con**.",
}


def make_course(client):
    response = post_form(client, "/author/courses/new", {**COURSE, "action": "save"})
    assert response.status_code == 302, response.get_data(as_text=True)
    post_form(client, "/author/courses/tu-viet/modules/new",
              {"slug": "phan-mot", "title": "Phần một", "action": "save"})


def module_id(app):
    with app.app_context():
        return db.session.scalar(select(Module.id).filter_by(slug="phan-mot"))


def add_lesson(client, app, slug, body, title="Bài"):
    return post_form(client, "/author/courses/tu-viet/lessons/new", {
        "slug": slug, "module": str(module_id(app)), "title": title, "minutes": "4", "required": "y",
        "body_md": body, "action": "save",
    })


def test_trainer_builds_and_publishes_a_course(app, client, users):
    login(client, "trainer@example.vn")
    make_course(client)
    assert add_lesson(client, app, "bai-mot", "## Một\n\nNội dung.").status_code == 302
    assert add_lesson(client, app, "bai-hai", "Xem [bài một](bai-mot.md).").status_code == 302
    with app.app_context():
        course = db.session.scalar(select(Course).filter_by(slug="tu-viet"))
        assert not course.published and course.edited_in_browser
        assert course.hours == 1.5 and "<strong>bà con</strong>" in course.overview_html
        lesson = db.session.scalar(select(Lesson).filter_by(slug="bai-hai"))
        assert 'href="/courses/tu-viet/lessons/bai-mot"' in lesson.current_version.body_html

    learner = app.test_client()
    login(learner, "learner@example.vn")
    assert learner.get("/courses/tu-viet").status_code == 404
    post_form(client, "/author/courses/tu-viet/publish", {"published": "1"}, token_from="/author/courses/tu-viet")
    assert learner.get("/courses/tu-viet").status_code == 200


def test_preview_renders_without_saving(app, client, users):
    login(client, "trainer@example.vn")
    make_course(client)
    response = post_form(client, "/author/courses/tu-viet/lessons/new", {
        "slug": "thu", "module": str(module_id(app)), "title": "Thử", "minutes": "1",
        "body_md": "**đậm** <script>alert(1)</script>", "action": "preview",
    })
    html = response.get_data(as_text=True)
    assert "<strong>đậm</strong>" in html and "<script>alert(1)" not in html
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Lesson)) == 0


def test_broken_link_is_an_error_beside_the_field(app, client, users):
    login(client, "trainer@example.vn")
    make_course(client)
    response = add_lesson(client, app, "hong", "Dòng một\n[x](../khong-co/bai.md)")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Dòng 2" in html and 'aria-invalid="true"' in html
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Lesson)) == 0


def test_every_save_is_a_new_version_and_progress_survives(app, client, users):
    from lms.catalog import services

    login(client, "trainer@example.vn")
    make_course(client)
    add_lesson(client, app, "bai-mot", "Bản một.")
    learner = users["learner"]
    with app.app_context():
        course = db.session.scalar(select(Course).filter_by(slug="tu-viet"))
        lesson = db.session.scalar(select(Lesson).filter_by(slug="bai-mot"))
        services.enrol(learner, course)
        services.mark_done(learner, lesson)
        db.session.commit()
        lesson_id = lesson.id
    post_form(client, f"/author/courses/tu-viet/lessons/{lesson_id}", {
        "slug": "bai-mot", "module": str(module_id(app)), "title": "Bài một mới", "minutes": "4",
        "required": "y", "body_md": "Bản hai.", "action": "save",
    })
    # Saving the same text again does not add a version.
    post_form(client, f"/author/courses/tu-viet/lessons/{lesson_id}", {
        "slug": "bai-mot", "module": str(module_id(app)), "title": "Bài một mới", "minutes": "5",
        "required": "y", "body_md": "Bản hai.", "action": "save",
    })
    with app.app_context():
        versions = db.session.scalars(select(LessonVersion.body_md).filter_by(lesson_id=lesson_id)
                                      .order_by(LessonVersion.number)).all()
        assert versions == ["Bản một.", "Bản hai."]
        assert db.session.scalar(select(LessonProgress).filter_by(user_id=learner.id, lesson_id=lesson_id))


def test_reorder_modules_and_lessons(app, client, users):
    login(client, "trainer@example.vn")
    make_course(client)
    post_form(client, "/author/courses/tu-viet/modules/new", {"slug": "phan-hai", "title": "Phần hai", "action": "save"})
    add_lesson(client, app, "a", "A")
    add_lesson(client, app, "b", "B")
    with app.app_context():
        b_id = db.session.scalar(select(Lesson.id).filter_by(slug="b"))
        m2 = db.session.scalar(select(Module.id).filter_by(slug="phan-hai"))
    post_form(client, "/author/courses/tu-viet/move", {"kind": "lesson", "id": b_id, "direction": "up"},
              token_from="/author/courses/tu-viet")
    post_form(client, "/author/courses/tu-viet/move", {"kind": "module", "id": m2, "direction": "up"},
              token_from="/author/courses/tu-viet")
    with app.app_context():
        assert db.session.scalars(select(Lesson.slug).order_by(Lesson.position)).all() == ["b", "a"]
        assert db.session.scalars(select(Module.slug).order_by(Module.position)).all() == ["phan-hai", "phan-mot"]


def test_export_then_upload_reproduces_the_course_and_cli_import_refuses_browser_edits(app, client, runner, users,
                                                                                        tmp_path):
    login(client, "trainer@example.vn")
    make_course(client)
    add_lesson(client, app, "bai-mot", "## Một\n\nNội dung có dấu: Nguyễn Thị Hường.")
    exported = client.get("/author/courses/tu-viet/export.zip")
    assert exported.status_code == 200 and exported.mimetype == "application/zip"
    archive = exported.data

    # The CLI refuses to overwrite a course changed in the browser…
    path = tmp_path / "tu-viet.zip"
    path.write_bytes(archive)
    result = run_import(runner, path)
    assert result.exit_code != 0 and "changed in the browser" in result.output
    # …and the upload page, told to replace, reproduces the same content.
    with app.app_context():
        before = db.session.scalar(select(LessonVersion.body_html))
    response = post_form(client, "/author/import", {
        "archive": (io.BytesIO(archive), "tu-viet.zip"), "replace": "y",
    }, token_from="/author/import", content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        course = db.session.scalar(select(Course).filter_by(slug="tu-viet"))
        assert not course.edited_in_browser
        assert db.session.scalar(select(func.count()).select_from(LessonVersion)) == 1  # nothing changed
        assert db.session.scalar(select(LessonVersion.body_html)) == before


def test_upload_page_lists_problems_and_imports_nothing(app, client, users):
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("x/course.md", "---\ntitle: T\nsummary: S\naudience: [nobody]\n---\n")
        archive.writestr("x/01-a/module.md", "---\ntitle: A\n---\n")
        archive.writestr("x/01-a/01-b.md", "---\ntitle: B\n---\n![i](../nope.png)\n")
    login(client, "trainer@example.vn")
    response = post_form(client, "/author/import", {"archive": (io.BytesIO(buffer.getvalue()), "x.zip")},
                         content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert "x.zip/course.md:4: unknown audience" in html
    assert "x.zip/01-a/01-b.md:4: broken link" in html
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Course)) == 0


def test_a_non_zip_upload_is_refused_cleanly(app, client, users):
    login(client, "trainer@example.vn")
    response = post_form(client, "/author/import", {"archive": (io.BytesIO(b"not a zip"), "x.zip")},
                         content_type="multipart/form-data")
    assert response.status_code == 200
    assert "not a valid zip file" in response.get_data(as_text=True)


def test_learners_cannot_author(client, users):
    login(client, "learner@example.vn")
    assert client.get("/author/courses/new").status_code == 403
    response = post_form(client, "/author/courses/new", {**COURSE, "action": "save"}, token_from="/account")
    assert response.status_code == 403

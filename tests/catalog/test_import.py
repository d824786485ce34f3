"""flask lms import-courses: validation with path:line, atomicity, idempotence, versions."""

from __future__ import annotations

import io
import zipfile

import pytest
from sqlalchemy import select

from lms.catalog.models import Course, CourseAsset, Lesson, LessonProgress, LessonVersion
from lms.extensions import db
from tests.support.courses import PNG, SAMPLE, run_import, table_counts, write_course


def test_bundled_courses_pass_the_check(app, runner):
    result = runner.invoke(args=["lms", "import-courses", "--check"])
    assert result.exit_code == 0, result.output
    assert "5 course(s) valid" in result.output
    assert table_counts(app)["course"] == 0  # --check changes nothing


def test_import_creates_course_modules_lessons_and_assets(app, mini_course):
    with app.app_context():
        course = db.session.scalar(select(Course).filter_by(slug="mini"))
        assert course.title == "Khóa học nhỏ" and course.title_en == "A small course"
        assert course.audience == ["cooperative_leader", "household_head"]
        assert [m.slug for m in course.modules] == ["dau", "sau"]
        lessons = db.session.scalars(select(Lesson).filter_by(course_id=course.id).order_by(Lesson.position)).all()
        assert [(lesson.slug, lesson.required, lesson.version_number) for lesson in lessons] == [
            ("mot", True, 1), ("hai", True, 1), ("ba", False, 1)]
        html = lessons[0].current_version.body_html
        assert 'src="/courses/mini/files/images/h.png"' in html
        assert 'href="/courses/mini/lessons/hai"' in html
        assert 'href="/courses/mini/lessons/mot"' in course.overview_html
        asset = db.session.scalar(select(CourseAsset).filter_by(course_id=course.id))
        assert asset.path == "images/h.png" and asset.content == PNG and asset.mime_type == "image/png"


def test_reimport_of_unchanged_content_writes_nothing(app, runner, mini_course):
    before = table_counts(app)
    result = run_import(runner, mini_course)
    assert result.exit_code == 0
    assert "unchanged: mini" in result.output
    assert table_counts(app) == before


def _progress(app, make_user, slug="mot"):
    from lms.catalog import services

    user = make_user()
    with app.app_context():
        course = db.session.scalar(select(Course).filter_by(slug="mini"))
        lesson = db.session.scalar(select(Lesson).filter_by(course_id=course.id, slug=slug))
        services.enrol(user, course)
        services.mark_done(user, lesson)
        db.session.commit()
    return user


def test_changed_lesson_gets_a_new_version_and_keeps_progress(app, runner, courses_root, mini_course, make_user):
    user = _progress(app, make_user)
    write_course(courses_root, lessons={
        "01-dau/01-mot.md": "---\ntitle: Bài một (đổi tên)\nminutes: 6\n---\nNội dung mới.\n",
    })
    result = run_import(runner, mini_course)
    assert result.exit_code == 0, result.output
    assert "updated: mini" in result.output and "1 new lesson versions" in result.output
    with app.app_context():
        lesson = db.session.scalar(select(Lesson).filter_by(slug="mot"))
        assert lesson.title == "Bài một (đổi tên)" and lesson.version_number == 2
        versions = db.session.scalars(select(LessonVersion).filter_by(lesson_id=lesson.id)).all()
        assert {v.number for v in versions} == {1, 2}
        assert db.session.scalar(select(LessonProgress).filter_by(user_id=user.id, lesson_id=lesson.id))


def test_removed_lesson_is_retired_with_its_progress(app, runner, courses_root, mini_course, make_user):
    user = _progress(app, make_user, "hai")
    write_course(courses_root, lessons={"01-dau/02-hai.md": None,
                                        "01-dau/01-mot.md": "---\ntitle: Bài một\n---\nKhông còn liên kết.\n"})
    result = run_import(runner, mini_course)
    assert result.exit_code == 0, result.output
    assert "1 lessons retired" in result.output
    with app.app_context():
        lesson = db.session.scalar(select(Lesson).filter_by(slug="hai"))
        assert lesson.retired_at is not None
        assert db.session.scalar(select(LessonProgress).filter_by(user_id=user.id, lesson_id=lesson.id))


def test_renumbered_lessons_keep_their_identity(app, runner, courses_root, mini_course, make_user):
    user = _progress(app, make_user)
    folder = mini_course
    (folder / "01-dau" / "01-mot.md").rename(folder / "01-dau" / "05-mot.md")
    result = run_import(runner, folder)
    assert result.exit_code == 0, result.output
    with app.app_context():
        lessons = db.session.scalars(select(Lesson).order_by(Lesson.position)).all()
        assert [lesson.slug for lesson in lessons] == ["hai", "mot", "ba"]
        mot = lessons[1]
        assert db.session.scalar(select(LessonProgress).filter_by(user_id=user.id, lesson_id=mot.id))


ERROR_CASES = [
    ("bad YAML", {"course.md": "---\ntitle: Tên: sai\nsummary: x\naudience: [household_head]\n---\n"},
     "course.md:2: invalid YAML"),
    ("missing key", {"course.md": "---\ntitle: T\naudience: [household_head]\n---\n"},
     "course.md:1: missing required key 'summary'"),
    ("unknown key", {"course.md": "---\ntitle: T\nsummary: S\naudience: [household_head]\ncolour: red\n---\n"},
     "course.md:5: unknown key 'colour'"),
    ("unknown audience", {"course.md": "---\ntitle: T\nsummary: S\naudience: [farmers]\n---\n"},
     "course.md:4: unknown audience 'farmers'"),
    ("unknown prerequisite", {"course.md": "---\ntitle: T\nsummary: S\naudience: [household_head]\n"
                                          "prerequisites: [no-such-course]\n---\n"},
     "course.md:5: unknown prerequisite course 'no-such-course'"),
    ("unknown quiz", {"course.md": "---\ntitle: T\nsummary: S\naudience: [household_head]\n"
                                  "completion:\n  quizzes: [no-such-quiz]\n---\n"},
     "course.md:5: unknown quiz 'no-such-quiz' in completion"),
    ("broken link", {"01-dau/02-hai.md": "---\ntitle: Hai\n---\nMột\n\nXem [đây](../03-khong/01-co.md).\n"},
     "01-dau/02-hai.md:6: broken link: '../03-khong/01-co.md'"),
    ("broken image", {"01-dau/02-hai.md": "---\ntitle: Hai\n---\n\n\n![x](../images/missing.png)\n"},
     "01-dau/02-hai.md:6: broken link: '../images/missing.png'"),
    ("link out of the course", {"01-dau/02-hai.md": "---\ntitle: Hai\n---\n[x](../../other/course.md)\n"},
     "01-dau/02-hai.md:4: broken link"),
    ("not UTF-8", {"01-dau/02-hai.md": b"---\ntitle: Hai\n---\nline\nbad \xff byte\n"},
     "01-dau/02-hai.md:5: the file is not valid UTF-8 text"),
    ("duplicate lesson slug", {"02-sau/02-hai.md": "---\ntitle: Lại hai\n---\n"},
     "02-sau/02-hai.md:1: duplicate lesson slug 'hai'"),
    ("bad minutes", {"01-dau/02-hai.md": "---\ntitle: Hai\nminutes: lâu\n---\n"},
     "01-dau/02-hai.md:3: 'minutes' must be a whole number"),
    ("missing module.md", {"03-them/01-x.md": "---\ntitle: X\n---\n"},
     "03-them/module.md:1: module.md is missing"),
    ("no front matter", {"01-dau/02-hai.md": "Chỉ có nội dung\n"},
     "01-dau/02-hai.md:1: missing YAML front matter"),
    ("bad lesson file name", {"01-dau/Bai Bon.md": "---\ntitle: X\n---\n"},
     "01-dau/Bai Bon.md:1: lesson files are named NN-<slug>.md"),
    ("unsupported asset", {"images/script.js": "alert(1)"}, "images/script.js:1: files of type '.js' are not accepted"),
]


@pytest.mark.parametrize(("case", "files", "expected"), ERROR_CASES, ids=[c[0] for c in ERROR_CASES])
def test_errors_are_reported_with_path_and_line(app, runner, courses_root, case, files, expected):
    base = write_course(courses_root)
    for rel, content in files.items():
        path = base / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, "utf-8")
    result = run_import(runner, base)
    assert result.exit_code != 0
    assert f"{base}/{expected}" in result.output, result.output
    assert "nothing was imported" in result.output
    assert table_counts(app)["course"] == 0


def test_a_bad_file_anywhere_in_a_batch_leaves_the_database_unchanged(app, runner, courses_root, mini_course):
    before = table_counts(app)
    write_course(courses_root, "good-one")
    write_course(courses_root, "mini", lessons={"01-dau/02-hai.md": "---\ntitle: Hai đã sửa\n---\nMới.\n"})
    write_course(courses_root, "broken", lessons={"01-dau/02-hai.md": "---\ntitle: [\n---\n"})
    result = run_import(runner, courses_root)
    assert result.exit_code != 0
    assert "broken/01-dau/02-hai.md:2: invalid YAML" in result.output
    assert table_counts(app) == before
    with app.app_context():
        assert db.session.scalar(select(Lesson.title).filter_by(slug="hai")) == "Bài hai"


def test_duplicate_course_slugs_in_one_batch(app, runner, courses_root, tmp_path):
    first = write_course(courses_root, "same")
    second = write_course(tmp_path / "elsewhere", "same")
    result = run_import(runner, first, second)
    assert result.exit_code != 0
    assert "duplicate course slug 'same'" in result.output


def test_check_validates_without_writing(app, runner, courses_root):
    folder = write_course(courses_root)
    result = run_import(runner, folder, check=True)
    assert result.exit_code == 0 and "1 course(s) valid" in result.output
    assert table_counts(app)["course"] == 0


def _zip_of(folder, prefix=""):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, prefix + path.relative_to(folder).as_posix())
    return buffer.getvalue()


def test_zip_of_one_course_imports(app, runner, courses_root, tmp_path):
    folder = write_course(courses_root, "zipped")
    archive = tmp_path / "zipped.zip"
    archive.write_bytes(_zip_of(folder, "zipped/"))
    result = run_import(runner, archive)
    assert result.exit_code == 0, result.output
    assert "created: zipped" in result.output


def test_zip_with_unsafe_paths_is_refused(app, runner, tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("course.md", "---\ntitle: T\nsummary: S\naudience: [household_head]\n---\n")
        archive.writestr("../../etc/evil.png", PNG)
    path = tmp_path / "evil.zip"
    path.write_bytes(buffer.getvalue())
    result = run_import(runner, path)
    assert result.exit_code != 0 and "unsafe path in zip" in result.output


def test_browser_edited_course_is_not_overwritten_without_replace(app, runner, mini_course):
    with app.app_context():
        course = db.session.scalar(select(Course).filter_by(slug="mini"))
        course.edited_in_browser = True
        course.title = "Sửa trên trình duyệt"
        db.session.commit()
    result = run_import(runner, mini_course)
    assert result.exit_code != 0
    assert "was changed in the browser" in result.output and "--replace" in result.output
    with app.app_context():
        assert db.session.scalar(select(Course.title).filter_by(slug="mini")) == "Sửa trên trình duyệt"
    result = run_import(runner, mini_course, replace=True)
    assert result.exit_code == 0, result.output
    with app.app_context():
        course = db.session.scalar(select(Course).filter_by(slug="mini"))
        assert course.title == "Khóa học nhỏ" and not course.edited_in_browser


def test_sample_course_imports_with_its_image(app, runner):
    result = run_import(runner, SAMPLE)
    assert result.exit_code == 0, result.output
    with app.app_context():
        course = db.session.scalar(select(Course).filter_by(slug="lam-quen-ocop"))
        assert len([lesson for lesson in course.lessons if lesson.retired_at is None]) == 4
        assert db.session.scalar(select(CourseAsset.path).filter_by(course_id=course.id)) == "images/chu-trinh-ocop.png"


def test_export_import_round_trip_reproduces_identical_content(app, runner, tmp_path):
    assert run_import(runner, SAMPLE).exit_code == 0

    def snapshot():
        with app.app_context():
            course = db.session.scalar(select(Course).filter_by(slug="lam-quen-ocop"))
            lessons = db.session.scalars(select(Lesson).filter_by(course_id=course.id).order_by(Lesson.position))
            return (
                {k: getattr(course, k) for k in ("title", "title_en", "summary", "summary_en", "audience",
                                                  "hours", "version", "completion", "self_enrol", "overview_md",
                                                  "overview_html")},
                [(m.slug, m.title, m.overview_md) for m in course.modules],
                [(lesson.slug, lesson.title, lesson.minutes, lesson.required, lesson.current_version.body_md,
                  lesson.current_version.body_html) for lesson in lessons],
                sorted((a.path, a.sha256) for a in db.session.scalars(select(CourseAsset))),
            )

    before = snapshot()
    out = tmp_path / "export.zip"
    result = runner.invoke(args=["lms", "export-course", "lam-quen-ocop", str(out)])
    assert result.exit_code == 0, result.output
    with app.app_context():
        db.session.execute(db.delete(CourseAsset))
        db.session.execute(db.delete(LessonVersion))
        db.session.execute(db.delete(Lesson))
        db.session.execute(db.delete(Course))
        db.session.commit()
    result = run_import(runner, out)
    assert result.exit_code == 0, result.output
    assert snapshot() == before
    # Exporting again gives the same bytes.
    again = tmp_path / "again.zip"
    runner.invoke(args=["lms", "export-course", "lam-quen-ocop", str(again)])
    assert again.read_bytes() == out.read_bytes()


def test_keep_browser_edits_leaves_them_alone_and_imports_the_rest(app, runner, courses_root, mini_course):
    write_course(courses_root, "other")
    with app.app_context():
        course = db.session.scalar(select(Course).filter_by(slug="mini"))
        course.edited_in_browser = True
        course.title = "Sửa trên trình duyệt"
        db.session.commit()
    result = runner.invoke(args=["lms", "import-courses", str(courses_root), "--keep-browser-edits"])
    assert result.exit_code == 0, result.output
    assert "kept (changed in the browser): mini" in result.output and "created: other" in result.output
    with app.app_context():
        assert db.session.scalar(select(Course.title).filter_by(slug="mini")) == "Sửa trên trình duyệt"

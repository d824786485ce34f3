"""Re-importing an unchanged course tree: one hash comparison per course, nothing written;
a one-byte change to a lesson, a media file or a required quiz re-imports that course only."""

from __future__ import annotations

import io
import textwrap

from PIL import Image
from sqlalchemy import select

from lms.catalog.models import Course, LessonVersion
from lms.extensions import db
from tests.support.courses import run_import, table_counts, write_course

QUIZ_META = textwrap.dedent("""\
    title: Khóa có bài kiểm tra
    summary: Một khóa học cần bài kiểm tra cuối khóa
    audience: [household_head]
    completion:
      lessons: required
      quizzes: [cuoi-khoa]
    """)


def _quiz(minutes: int) -> str:
    return textwrap.dedent(f"""\
        title: Kiểm tra cuối khóa
        course: co-quiz
        pass_percent: 60
        time_limit_minutes: {minutes}
        questions:
          - id: q1
            type: single
            text: Một cộng một bằng mấy?
            choices: ["1", "2"]
            answer: 1
        """)


def _png(color: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (2, 2), color).save(out, format="PNG")
    return out.getvalue()


def _state(app) -> dict:
    """Every course's row as the import leaves it, and every lesson version."""
    with app.app_context():
        courses = {c.slug: (c.updated_at, c.source_hash, c.estimated_minutes)
                   for c in db.session.scalars(select(Course))}
        versions = sorted(db.session.execute(select(LessonVersion.id, LessonVersion.lesson_id,
                                                    LessonVersion.number)).all())
    return {"courses": courses, "versions": versions, "counts": table_counts(app)}


def _tree(app, root, tmp_path):
    quizzes = tmp_path / "quizzes"
    quizzes.mkdir()
    (quizzes / "cuoi-khoa.yaml").write_text(_quiz(10), "utf-8")
    app.config["QUIZZES_DIR"] = str(quizzes)
    for slug in ("mot-khoa", "hai-khoa"):
        write_course(root, slug)
    write_course(root, "co-quiz", course_meta=QUIZ_META)
    return quizzes


def test_reimport_of_an_unchanged_tree_changes_nothing(app, runner, courses_root, tmp_path):
    _tree(app, courses_root, tmp_path)
    first = run_import(runner, courses_root)
    assert first.exit_code == 0, first.output
    before = _state(app)
    again = run_import(runner, courses_root)
    assert again.exit_code == 0, again.output
    assert "0 created, 0 updated, 3 unchanged" in again.output, again.output
    assert _state(app) == before  # no new versions, no new audit rows, no updated timestamps


def _changed(before: dict, after: dict) -> set[str]:
    return {slug for slug, row in after["courses"].items() if row != before["courses"][slug]}


def test_a_one_byte_change_to_a_lesson_reimports_that_course_only(app, runner, courses_root, tmp_path):
    _tree(app, courses_root, tmp_path)
    assert run_import(runner, courses_root).exit_code == 0
    before = _state(app)
    lesson = courses_root / "hai-khoa" / "01-dau" / "02-hai.md"
    lesson.write_bytes(lesson.read_bytes().replace(b"hai.", b"hai!"))
    result = run_import(runner, courses_root)
    assert result.exit_code == 0, result.output
    assert "1 updated, 2 unchanged" in result.output and "updated: hai-khoa" in result.output, result.output
    after = _state(app)
    assert _changed(before, after) == {"hai-khoa"}
    assert len(after["versions"]) == len(before["versions"]) + 1  # one lesson, one new version


def test_a_changed_media_file_counts_as_a_change(app, runner, courses_root, tmp_path):
    _tree(app, courses_root, tmp_path)
    assert run_import(runner, courses_root).exit_code == 0
    before = _state(app)
    (courses_root / "mot-khoa" / "images" / "h.png").write_bytes(_png((200, 30, 30)))
    result = run_import(runner, courses_root)
    assert result.exit_code == 0, result.output
    assert "updated: mot-khoa" in result.output and "1 updated, 2 unchanged" in result.output, result.output
    after = _state(app)
    assert _changed(before, after) == {"mot-khoa"}
    assert after["versions"] == before["versions"]  # the lesson texts did not change


def test_a_changed_required_quiz_file_counts_as_a_change(app, runner, courses_root, tmp_path):
    quizzes = _tree(app, courses_root, tmp_path)
    assert run_import(runner, courses_root).exit_code == 0
    before = _state(app)
    (quizzes / "cuoi-khoa.yaml").write_text(_quiz(40), "utf-8")
    result = run_import(runner, courses_root)
    assert result.exit_code == 0, result.output
    assert "updated: co-quiz" in result.output and "1 updated, 2 unchanged" in result.output, result.output
    after = _state(app)
    assert _changed(before, after) == {"co-quiz"}
    # The estimate counts the quiz's new time limit.
    assert after["courses"]["co-quiz"][2] == before["courses"]["co-quiz"][2] + 30
    # A quiz file no course requires changes nothing.
    (quizzes / "khac.yaml").write_text(_quiz(5).replace("co-quiz", "mot-khoa"), "utf-8")
    again = run_import(runner, courses_root)
    assert "0 created, 0 updated, 3 unchanged" in again.output, again.output


def test_a_broken_file_in_an_imported_course_reports_its_file_and_line(app, runner, courses_root, tmp_path):
    _tree(app, courses_root, tmp_path)
    assert run_import(runner, courses_root).exit_code == 0
    before = _state(app)
    lesson = courses_root / "mot-khoa" / "01-dau" / "02-hai.md"
    lesson.write_text("---\ntitle: Hai\nminutes: lâu\n---\n", "utf-8")
    result = run_import(runner, courses_root)
    assert result.exit_code != 0
    assert f"{lesson}:3: 'minutes' must be a whole number" in result.output, result.output
    assert "nothing was imported" in result.output
    assert _state(app) == before

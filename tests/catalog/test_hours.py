"""Honest hours: the importer estimates online study time from the content, import-courses
--check warns when the declared hours are far above it, and class contact hours are kept
apart from it (class page, class certificates)."""

from __future__ import annotations

import textwrap
from datetime import date, time

from sqlalchemy import select

from lms.catalog import importer
from lms.catalog.models import Course
from lms.extensions import db
from tests.support.courses import run_import, write_course


def _meta(hours, quizzes=""):
    return textwrap.dedent(f"""\
        title: Khóa học giờ học
        summary: Thử ước tính giờ học
        audience: [household_head]
        hours: {hours}
        completion:
          lessons: required
        {quizzes}""")


def _lessons(words_per_lesson=300):
    text = " ".join(["chữ"] * words_per_lesson)
    return {
        # 300 words + heading marks that are not words; 15 minutes of exercises declared.
        "01-dau/01-mot.md": f"---\ntitle: Bài một\nminutes: 5\nexercise_minutes: 15\n---\n## Đọc\n\n{text}\n",
        "01-dau/02-hai.md": f"---\ntitle: Bài hai\nminutes: 5\n---\n{text}\n",
        # Optional lessons are not counted.
        "02-sau/01-ba.md": f"---\ntitle: Bài ba\nrequired: false\n---\n{text} {text}\n",
    }


def test_the_estimate_counts_reading_exercises_and_the_quiz(tmp_path):
    folder = write_course(tmp_path, "gio", course_meta=_meta(1, "  quizzes: [gio-cuoi-khoa]\n"),
                          lessons=_lessons())
    quizzes = tmp_path / "quizzes"
    quizzes.mkdir()
    (quizzes / "gio-cuoi-khoa.yaml").write_text("title: Q\ncourse: gio\ntime_limit_minutes: 25\n", "utf-8")
    spec = importer.parse_course(importer.collect_sources([folder])[0])
    estimate = importer.estimate_study(spec, str(quizzes))
    overview_words = importer.word_count(spec.overview_md)
    assert estimate.words == 600 + 1 + overview_words  # "Đọc" heading counted, "##" not
    assert estimate.reading == -(-(600 + 1 + overview_words) // importer.READING_WORDS_PER_MINUTE)
    assert (estimate.exercises, estimate.quizzes) == (15, 25)
    assert estimate.total == estimate.reading + 40
    # A quiz without a time limit counts the default.
    (quizzes / "gio-cuoi-khoa.yaml").write_text("title: Q\ncourse: gio\n", "utf-8")
    assert importer.estimate_study(spec, str(quizzes)).quizzes == importer.DEFAULT_QUIZ_MINUTES


def test_word_count_leaves_out_markup_and_link_targets():
    text = "## Tiêu đề\n\n| a | b |\n| --- | --- |\n\n[bài hai](../02-x/02-hai.md) `code` **đậm**\n\n!!! note \"Ghi nhớ\"\n    Câu.\n"
    assert importer.word_count(text) == len("Tiêu đề a b bài hai đậm \"Ghi nhớ\" Câu.".split())


def test_the_import_stores_the_estimate_and_the_course_page_shows_both(app, runner, client, make_user,
                                                                       courses_root):
    folder = write_course(courses_root, "gio", course_meta=_meta(1), lessons=_lessons())
    result = run_import(runner, folder)
    assert result.exit_code == 0, result.output
    with app.app_context():
        course = db.session.scalar(select(Course).filter_by(slug="gio"))
        # 600 words of lessons + the overview at 150 a minute, rounded up; 15 min exercises.
        assert 19 <= course.estimated_minutes <= 21
        assert course.estimated_hours == 0.5
    make_user(email="hv@example.vn")
    from tests.support.client import login

    login(client, "hv@example.vn")
    html = client.get("/courses/gio").get_data(as_text=True)
    assert "Học trực tuyến: khoảng 0,5 giờ" in html or "Online study: about 0.5 h" in html
    assert str(importer.READING_WORDS_PER_MINUTE) in html


def test_check_warns_when_declared_hours_exceed_one_and_a_half_times_the_estimate(app, runner, courses_root):
    folder = write_course(courses_root, "gio", course_meta=_meta(16), lessons=_lessons())
    result = run_import(runner, folder, check=True)
    assert result.exit_code == 0, result.output  # a warning, not an error
    assert "1 warning(s)" in result.output
    warning = next(line for line in result.output.splitlines() if "warning:" in line)
    assert warning.startswith(f"{folder}/course.md:5: warning: 'hours: 16' is more than 1.5×")
    assert "150 words a minute" in warning and "exercises 15 min" in warning

    honest = write_course(courses_root, "gio2", course_meta=_meta(0.5), lessons=_lessons())
    result = run_import(runner, honest, check=True)
    assert result.exit_code == 0 and "warning" not in result.output, result.output


def test_the_bundled_courses_declare_honest_hours(app, runner):
    result = runner.invoke(args=["lms", "import-courses", "--check"])
    assert result.exit_code == 0, result.output
    assert "warning" not in result.output, result.output


def test_class_contact_hours_come_from_the_class_days():
    from lms.classes.models import ClassDay, TrainingClass

    training_class = TrainingClass(title="Lớp", days=[
        ClassDay(day=date(2026, 3, 2), starts_at=time(7, 30), ends_at=time(11, 30), checkin_code="A1"),
        ClassDay(day=date(2026, 3, 2), starts_at=time(13, 30), ends_at=time(17, 0), checkin_code="A2"),
    ])
    assert training_class.contact_hours == 7.5

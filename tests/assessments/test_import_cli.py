"""``flask lms import-quizzes`` / ``export-quiz``: real files, idempotency, errors, GIFT round trip,
and question text rendered safely once at import."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from lms.assessments.models import Question, Quiz
from lms.catalog.hooks import quiz_slug_providers
from lms.catalog.models import Course
from lms.extensions import db
from tests.assessments.conftest import import_files, write
from tests.support.shared import shared_path

REPO_QUIZZES = Path(__file__).resolve().parents[2] / "quizzes"
REAL_COURSES = (
    "quan-tri-san-xuat-kinh-doanh", "quan-ly-nha-nuoc-ocop", "tieu-chi-ocop-ho-so", "phap-ly-kinh-doanh-so-ocop",
)


@pytest.fixture
def real_courses(app):
    with app.app_context():
        for slug in REAL_COURSES:
            db.session.add(Course(slug=slug, title=slug, summary=""))
        db.session.commit()


def _counts(app):
    with app.app_context():
        return (
            db.session.scalar(select(func.count()).select_from(Quiz)),
            db.session.scalar(select(func.count()).select_from(Question)),
        )


def test_real_quizzes_import_idempotently(app, runner, real_courses):
    app.config["QUIZZES_DIR"] = str(REPO_QUIZZES)
    check = runner.invoke(args=["lms", "import-quizzes", "--check"])
    assert check.exit_code == 0, check.output
    assert "nothing was written" in check.output and _counts(app) == (0, 0)

    first = runner.invoke(args=["lms", "import-quizzes"])  # default: QUIZZES_DIR
    assert first.exit_code == 0, first.output
    assert first.output.count(": created") == 4
    quizzes, questions = _counts(app)
    assert quizzes == 4 and questions > 45
    with app.app_context():
        quiz = db.session.scalar(select(Quiz).where(Quiz.slug == "tieu-chi-cuoi-khoa"))
        assert sum(quiz.draw.values()) == 15 and quiz.max_attempts == 3 and quiz.time_limit_minutes == 35
        assert quiz.course.slug == "tieu-chi-ocop-ho-so"
        # Every question's HTML was rendered once, at import.
        assert all(q.html["text"] for q in quiz.questions)
        slugs = {slug for provider in quiz_slug_providers.functions() for slug in provider()}
        assert {"tieu-chi-cuoi-khoa", "quan-tri-cuoi-khoa", "quan-ly-nha-nuoc-cuoi-khoa"} <= slugs

    again = runner.invoke(args=["lms", "import-quizzes", str(REPO_QUIZZES)])
    assert again.exit_code == 0 and again.output.count(": unchanged") == 4
    assert _counts(app) == (quizzes, questions)

    # Naming the bank imports the quiz that uses it.
    bank = runner.invoke(args=["lms", "import-quizzes", str(REPO_QUIZZES / "tieu-chi-cuoi-khoa.gift")])
    assert bank.exit_code == 0 and "tieu-chi-cuoi-khoa: unchanged" in bank.output


def test_unknown_course_is_an_error_naming_it_and_nothing_is_written(app, runner, quiz_dir, course_id):
    good = write(quiz_dir, "tot.yaml", "title: Tốt\ncourse: khoa-hoc-thu\nquestions:\n"
                 "  - {id: a, type: truefalse, text: 'Đúng?', answer: true}\n")
    bad = write(quiz_dir, "lac.yaml", "title: Lạc\n# a comment\ncourse: khong-ton-tai\nquestions:\n"
                "  - {id: a, type: truefalse, text: 'Đúng?', answer: true}\n")
    result = import_files(runner, good, bad)
    assert result.exit_code != 0
    assert f"{bad}:3: course 'khong-ton-tai' is not in the database" in result.output
    assert _counts(app) == (0, 0)


def test_file_errors_are_reported_with_lines_and_import_nothing(app, runner, quiz_dir, course_id):
    write(quiz_dir, "tot.yaml", "title: Tốt\ncourse: khoa-hoc-thu\nquestions:\n"
          "  - {id: a, type: truefalse, text: 'Đúng?', answer: true}\n")
    write(quiz_dir, "hong.yaml", "title: Hỏng\ncourse: khoa-hoc-thu\nquestions:\n"
          "  - id: a\n    type: single\n    text: Chọn\n    choices:\n      - {text: A}\n      - {text: B}\n")
    write(quiz_dir, "ngan-hang.gift", "::a::Câu hỏi {=đúng ~sai\n\n::b:: {#12.500đ}\n")
    result = import_files(runner, quiz_dir)
    assert result.exit_code != 0
    lines = [line for line in result.output.splitlines() if ".yaml:" in line or ".gift:" in line]
    assert any(line.startswith(f"{quiz_dir / 'hong.yaml'}:7: no correct answer") for line in lines), lines
    assert any(line.startswith(f"{quiz_dir / 'ngan-hang.gift'}:") for line in lines), lines
    assert "nothing was imported" in result.output
    assert _counts(app) == (0, 0)
    assert import_files(runner, quiz_dir / "khong-co.yaml").exit_code != 0


def test_module_must_exist(app, runner, quiz_dir, course_id):
    ok = write(quiz_dir, "mo-dun.yaml", "title: M\ncourse: khoa-hoc-thu\nmodule: 02-chi-phi\nquestions:\n"
               "  - {id: a, type: truefalse, text: 'Đúng?', answer: true}\n")
    assert import_files(runner, ok).exit_code == 0
    with app.app_context():
        assert db.session.scalar(select(Quiz).where(Quiz.slug == "mo-dun")).module.slug == "chi-phi"
    bad = write(quiz_dir, "mo-dun-2.yaml", "title: M\ncourse: khoa-hoc-thu\nmodule: khong-co\nquestions:\n"
                "  - {id: a, type: truefalse, text: 'Đúng?', answer: true}\n")
    result = import_files(runner, bad)
    assert result.exit_code != 0 and f"{bad}:3: module 'khong-co'" in result.output


def test_changed_and_removed_questions_are_retired_not_deleted(app, runner, quiz_dir, course_id):
    text = ("title: T\ncourse: khoa-hoc-thu\nquestions:\n"
            "  - {id: a, type: truefalse, text: 'Một?', answer: true}\n"
            "  - {id: b, type: truefalse, text: 'Hai?', answer: true}\n")
    path = write(quiz_dir, "doi.yaml", text)
    assert import_files(runner, path).exit_code == 0
    write(quiz_dir, "doi.yaml", text.replace("'Một?', answer: true", "'Một!', answer: false").replace(
        "  - {id: b, type: truefalse, text: 'Hai?', answer: true}\n", ""))
    result = import_files(runner, path)
    assert "doi: updated (1 questions, 2 retired)" in result.output
    with app.app_context():
        rows = db.session.scalars(select(Question).order_by(Question.id)).all()
        assert [(q.ident, q.retired_at is None) for q in rows] == [("a", False), ("b", False), ("a", True)]


def _bank_sources(quiz_dir: Path) -> list[Path]:
    sources = [write(quiz_dir, "ngan-hang.gift", (REPO_QUIZZES / "tieu-chi-cuoi-khoa.gift").read_text(encoding="utf-8"))]
    corpus = shared_path("corpora", "gift")  # skips on a fresh clone, fails under CI
    for path in sorted(corpus.glob("*.gift.txt")):
        target = quiz_dir / (path.name.removesuffix(".gift.txt").replace("_", "-") + ".gift")
        shutil.copy(path, target)
        sources.append(target)
    return sources


def test_gift_import_export_import_keeps_the_same_questions(app, runner, quiz_dir, tmp_path):
    sources = _bank_sources(quiz_dir)
    out = tmp_path / "out"
    out.mkdir()
    for source in sources:
        slug = source.stem
        result = import_files(runner, source)
        assert result.exit_code == 0, result.output
        with app.app_context():
            quiz_id = db.session.scalar(select(Quiz.id).where(Quiz.slug == slug))
            before = {(q.ident, q.content_hash) for q in db.session.scalars(select(Question).where(Question.quiz_id == quiz_id))}
            assert db.session.get(Quiz, quiz_id).is_bank is True
        exported = out / f"{slug}.gift"
        result = runner.invoke(args=["lms", "export-quiz", slug, "-o", str(exported)])
        assert result.exit_code == 0, result.output
        again = import_files(runner, exported)
        assert again.exit_code == 0 and f"{slug}: unchanged" in again.output, (slug, again.output)
        with app.app_context():
            after = {(q.ident, q.content_hash) for q in db.session.scalars(
                select(Question).where(Question.quiz_id == quiz_id, Question.retired_at.is_(None)))}
        assert after == before and before, slug
    printed = runner.invoke(args=["lms", "export-quiz", "ngan-hang"])
    assert printed.output == (out / "ngan-hang.gift").read_text(encoding="utf-8")
    assert runner.invoke(args=["lms", "export-quiz", "khong-co"]).exit_code != 0


HOSTILE = r"""
::tieu-de::[html]<p onclick="alert(1)">Câu <b>đậm</b><script>alert('x')</script><img src=x onerror=alert(2)></p><a href="javascript:alert(3)">link</a>{
=<b>Đúng</b><iframe src="https://evil.example"></iframe>
~[markdown]Sai <script>alert(4)</script> [bấm](javascript:alert(5))
####[plain]<script>alert(6)</script>
}

[moodle]Dòng 1<style>body\{display:none\}</style>
Dòng 2 {T}
"""


def test_hostile_question_text_is_rendered_safely(app, runner, quiz_dir):
    path = write(quiz_dir, "doc-hai.gift", HOSTILE)
    result = import_files(runner, path)
    assert result.exit_code == 0, result.output
    with app.app_context():
        rows = db.session.scalars(select(Question).order_by(Question.position)).all()
        stored = " ".join(str(q.html) for q in rows)
    for bad in ("<script", "onclick", "onerror", "javascript:", "<iframe", "<style"):
        assert bad not in stored.lower(), bad
    assert "<b>đậm</b>" in rows[0].html["text"]
    assert "&lt;script&gt;" in rows[0].html["general_feedback"]  # [plain]: shown, not run
    assert "Dòng 1<br>" in rows[1].html["text"]

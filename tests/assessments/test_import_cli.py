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
from tests.support.client import login
from tests.support.quizzes import import_files, write

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
    assert "warning" not in check.output  # the shipped quizzes keep their answers until learners are done

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


def test_shipped_final_quizzes_review_answers_only_when_the_learner_is_done(app, runner, real_courses):
    runner.invoke(args=["lms", "import-quizzes", str(REPO_QUIZZES)])
    with app.app_context():
        finals = db.session.scalars(select(Quiz).where(Quiz.is_bank.is_(False))).all()
        assert finals and all(q.review == "answers" and q.max_attempts > 1 for q in finals)


HARVESTABLE = """\
title: Luyện tập
course: khoa-hoc-thu
max_attempts: {attempts}
review: {review}
draw: {draw}
questions:
""" + "".join(f"  - {{{{id: q{i}, type: truefalse, text: 'Câu {i}?', answer: true}}}}\n" for i in range(10))


@pytest.mark.parametrize(
    ("attempts", "review", "draw", "warns"),
    [
        (3, "answers_always", 5, True),        # 3 × 5 > 10: the third attempt repeats shown answers
        (0, "answers_always", 2, True),        # unlimited attempts always repeat
        (2, "answers_always", 5, False),       # 2 × 5 ≤ 10: every attempt can draw new questions
        (1, "answers_always", 10, False),      # one attempt: nothing to harvest
        (3, "answers", 5, False),              # answers wait until the learner is done
        (3, "correctness", 5, False),
    ],
)
def test_import_warns_when_answer_review_meets_repeated_questions(
    app, runner, quiz_dir, course_id, attempts, review, draw, warns
):
    path = write(quiz_dir, "luyen-tap.yaml", HARVESTABLE.format(attempts=attempts, review=review, draw=draw))
    for check in (True, False):
        result = import_files(runner, path, check=check)
        assert result.exit_code == 0, result.output
        assert (f"{path}:4: warning: review: answers_always" in result.output) is warns, result.output
    if warns:
        assert "Use review: answers" in result.output


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


def _bank_sources(quiz_dir: Path, corpus: Path) -> list[Path]:
    sources = [write(quiz_dir, "ngan-hang.gift", (REPO_QUIZZES / "tieu-chi-cuoi-khoa.gift").read_text(encoding="utf-8"))]
    for path in sorted(corpus.glob("*.gift.txt")):
        target = quiz_dir / (path.name.removesuffix(".gift.txt").replace("_", "-") + ".gift")
        shutil.copy(path, target)
        sources.append(target)
    return sources


def test_gift_import_export_import_keeps_the_same_questions(app, runner, quiz_dir, tmp_path, moodle_gift_corpus):
    sources = _bank_sources(quiz_dir, moodle_gift_corpus)
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


def test_gift_tags_are_kept_shown_to_authors_and_exported(app, runner, quiz_dir, users):
    path = write(quiz_dir, "the.gift", "// [id:cau-1] [tag:chi-phi] [tag:khó]\n::Câu 1::Một {T}\n")
    assert import_files(runner, path).exit_code == 0
    exported = runner.invoke(args=["lms", "export-quiz", "the"])
    assert exported.output.splitlines()[3] == "// [id:cau-1] [tag:chi-phi] [tag:khó]"
    trainer = app.test_client()
    login(trainer, "trainer@example.vn")
    page = trainer.get("/quizzes/the/statistics").get_data(as_text=True)
    assert '<span class="badge tag">chi-phi</span>' in page and '<span class="badge tag">khó</span>' in page
    # Other tags, the same question: its row (and its answers and statistics) stays.
    write(quiz_dir, "the.gift", "// [id:cau-1] [tag:gia-ban]\n::Câu 1::Một {T}\n")
    again = import_files(runner, path)
    assert "the: updated (1 questions)" in again.output, again.output
    with app.app_context():
        rows = db.session.scalars(select(Question)).all()
        assert [(q.ident, q.data["tags"], q.retired_at) for q in rows] == [("cau-1", ["gia-ban"], None)]


def test_yaml_questions_take_tags(app, runner, quiz_dir, course_id):
    path = write(quiz_dir, "nhan.yaml", "title: N\ncourse: khoa-hoc-thu\nquestions:\n"
                 "  - {id: a, type: truefalse, text: 'Đúng?', answer: true, tags: [chi-phi, chi-phi, khó]}\n")
    assert import_files(runner, path).exit_code == 0
    assert "// [id:a] [tag:chi-phi] [tag:khó]" in runner.invoke(args=["lms", "export-quiz", "nhan"]).output


def test_a_file_lists_its_first_100_problems_then_how_many_more(app, runner, quiz_dir):
    path = write(quiz_dir, "hong.gift", "".join(f"Câu {i} {{#so-{i}}}\n\n" for i in range(250)))
    result = import_files(runner, path, check=True)
    assert result.exit_code != 0
    lines = [line for line in result.output.splitlines() if line.startswith(str(path))]
    assert len(lines) == 101
    assert lines[0] == f"{path}:1: not a number: 'so-0' (write 3, 3:0.5 for 3 ± 0.5, or 1..5 for a range)"
    assert lines[100] == f"{path}:201: and 150 more problems in this file (fix the ones above first)"
    assert "250 problem(s): nothing was imported" in result.output
    # Through a quiz that names the bank: the same list, capped once.
    quiz = write(quiz_dir, "dung-hong.yaml", "title: Q\ncourse: khoa-hoc-thu\nquestions_file: hong.gift\n")
    result = import_files(runner, quiz, check=True)
    assert [line for line in result.output.splitlines() if line.startswith(str(path))] == lines

"""``flask lms import-quizzes`` decides "unchanged" from the files' bytes: a quiz whose files
hash to what the last import stored is not parsed, and reported as before. A file whose
bytes changed is parsed again (and re-imported when its content changed); a stored quiz
changed since (an upgraded database, a module renamed, a content hash written by another
release) is parsed again too; ``--check`` always parses.

The ``parsed`` fixture watches the loaders (they still run) to tell which files were parsed.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select, update

from lms.assessments import quizfile
from lms.assessments.models import Question, Quiz
from lms.assessments.services import importing
from lms.catalog.models import Module
from lms.extensions import db
from tests.support.quizzes import import_files, write

QUIZ = """\
title: Kiểm tra
course: khoa-hoc-thu
module: chi-phi
questions_file: ngan-hang.gift
questions:
  - {id: y1, type: truefalse, text: 'Đúng?', answer: true}
"""
BANK = "::g1::Một cộng một bằng hai {T}\n\n::g2::Chọn số chẵn {=2 ~3}\n"
ALONE = "::r1::Câu riêng {F}\n"
UNCHANGED = ["kiem-tra: unchanged (3 questions)", "rieng: unchanged (1 questions)"]


@pytest.fixture
def parsed(monkeypatch) -> list[str]:
    """The names of the quiz and bank files each import parses."""
    seen: list[str] = []
    for name in ("load_quiz_file", "load_bank_file"):
        real = getattr(quizfile, name)

        def spy(path, _real=real):
            seen.append(Path(path).name)
            return _real(path)

        monkeypatch.setattr(quizfile, name, spy)
    return seen


@pytest.fixture
def imported(app, runner, quiz_dir, course_id, parsed) -> Path:
    """A quiz with a question file, and a stand-alone bank, imported once."""
    write(quiz_dir, "kiem-tra.yaml", QUIZ)
    write(quiz_dir, "ngan-hang.gift", BANK)
    write(quiz_dir, "rieng.gift", ALONE)
    first = import_files(runner, quiz_dir)
    assert first.exit_code == 0, first.output
    assert _lines(first) == ["kiem-tra: created (3 questions)", "rieng: created (1 questions)"]
    assert parsed == ["kiem-tra.yaml", "rieng.gift"]
    parsed.clear()
    return quiz_dir


def _lines(result) -> list[str]:
    return [line for line in result.output.splitlines() if line.startswith(("kiem-tra:", "rieng:"))]


def _forget_raw_hashes(app) -> None:
    """As a database upgraded from before raw hashes holds the quizzes."""
    with app.app_context():
        db.session.execute(update(Quiz).values(raw_hash=None, updated_at=Quiz.updated_at))
        db.session.commit()


def _stored(app) -> dict[str, tuple]:
    with app.app_context():
        return {q.slug: (q.raw_hash, q.source_hash, q.updated_at) for q in db.session.scalars(select(Quiz))}


def test_an_unchanged_reimport_parses_nothing_and_prints_what_a_parsed_one_does(app, runner, imported, parsed):
    again = import_files(runner, imported)
    assert again.exit_code == 0, again.output
    assert parsed == []
    # The same output as when the files are parsed (an upgraded database: no raw hashes).
    _forget_raw_hashes(app)
    reparsed = import_files(runner, imported)
    assert sorted(parsed) == ["kiem-tra.yaml", "rieng.gift"]
    assert again.output == reparsed.output and _lines(again) == UNCHANGED
    parsed.clear()
    # Naming one file, or the bank that belongs to the quiz, skips parsing too.
    by_bank = import_files(runner, imported / "ngan-hang.gift")
    by_file = import_files(runner, imported / "kiem-tra.yaml", imported / "rieng.gift")
    assert _lines(by_bank) == UNCHANGED[:1] and _lines(by_file) == UNCHANGED and parsed == []


def test_check_still_parses_every_file(app, runner, imported, parsed):
    check = import_files(runner, imported, check=True)
    assert check.exit_code == 0, check.output
    assert _lines(check) == UNCHANGED and "nothing was written" in check.output
    assert parsed == ["kiem-tra.yaml", "rieng.gift"]


def test_an_upgraded_quiz_without_raw_hash_is_parsed_once_and_filled(app, runner, imported, parsed):
    before = _stored(app)
    _forget_raw_hashes(app)
    once = import_files(runner, imported)
    assert _lines(once) == UNCHANGED and sorted(parsed) == ["kiem-tra.yaml", "rieng.gift"]
    assert _stored(app) == before  # the raw hashes are back; nothing else (updated_at) moved
    parsed.clear()
    assert _lines(import_files(runner, imported)) == UNCHANGED and parsed == []


@pytest.mark.parametrize(
    ("name", "edit"),
    [
        ("kiem-tra.yaml", lambda text: "# sửa ghi chú\n" + text.replace("title:", "title:  ")),
        ("ngan-hang.gift", lambda text: "// ghi chú\n\n" + text),
    ],
)
def test_bytes_changed_with_the_same_content_are_parsed_once(app, runner, imported, parsed, name, edit):
    before = _stored(app)
    path = imported / name
    path.write_text(edit(path.read_text(encoding="utf-8")), encoding="utf-8")
    result = import_files(runner, imported)
    assert result.exit_code == 0, result.output
    assert _lines(result) == UNCHANGED
    assert parsed == ["kiem-tra.yaml"]  # the quiz that owns the file; the other bank is skipped
    after = _stored(app)
    assert after["kiem-tra"][0] != before["kiem-tra"][0]  # a new raw hash, the same content
    assert after["kiem-tra"][1:] == before["kiem-tra"][1:] and after["rieng"] == before["rieng"]
    parsed.clear()
    assert _lines(import_files(runner, imported)) == UNCHANGED and parsed == []


def test_a_changed_file_is_reimported(app, runner, imported, parsed):
    write(imported, "ngan-hang.gift", BANK.replace("bằng hai {T}", "bằng ba {F}"))
    result = import_files(runner, imported)
    assert result.exit_code == 0, result.output
    assert _lines(result) == ["kiem-tra: updated (3 questions, 1 retired)", UNCHANGED[1]]
    assert parsed == ["kiem-tra.yaml"]
    with app.app_context():
        texts = db.session.scalars(select(Question.data).where(Question.retired_at.is_(None))).all()
        assert any("bằng ba" in data["text"] for data in texts)
    parsed.clear()
    assert _lines(import_files(runner, imported)) == UNCHANGED and parsed == []


def test_a_broken_file_gets_its_error_with_file_and_line_and_nothing_moves(app, runner, imported, parsed):
    before = _stored(app)
    original = (imported / "kiem-tra.yaml").read_text(encoding="utf-8")
    write(imported, "kiem-tra.yaml", original.replace("answer: true", "answer: maybe"))
    result = import_files(runner, imported)
    assert result.exit_code != 0
    assert f"{imported / 'kiem-tra.yaml'}:6: " in result.output and "nothing was imported" in result.output
    assert _stored(app) == before
    # The bytes of the last import again: unchanged, without parsing.
    write(imported, "kiem-tra.yaml", original)
    parsed.clear()
    assert _lines(import_files(runner, imported)) == UNCHANGED and parsed == []


def test_a_quiz_whose_module_was_renamed_is_checked_again(app, runner, imported, parsed):
    with app.app_context():
        db.session.execute(update(Module).where(Module.slug == "chi-phi").values(slug="chi-phi-moi"))
        db.session.commit()
    result = import_files(runner, imported)
    assert result.exit_code != 0
    assert f"{imported / 'kiem-tra.yaml'}:3: module 'chi-phi' is not in course 'khoa-hoc-thu'" in result.output
    assert "kiem-tra.yaml" in parsed


def test_a_stored_quiz_changed_since_its_raw_hash_is_reimported(app, runner, imported, parsed):
    # Say a release without raw hashes imported another version of the file meanwhile.
    with app.app_context():
        db.session.execute(update(Quiz).where(Quiz.slug == "kiem-tra").values(source_hash="0" * 64))
        db.session.commit()
    result = import_files(runner, imported)
    assert _lines(result) == ["kiem-tra: updated (3 questions)", UNCHANGED[1]] and parsed == ["kiem-tra.yaml"]
    parsed.clear()
    with app.app_context():  # a retired question: the count the raw hash vouched for is gone
        question = db.session.scalar(select(Question).where(Question.ident == "g2"))
        question.retired_at = question.created_at
        db.session.commit()
    assert "kiem-tra" in import_files(runner, imported).output and parsed == ["kiem-tra.yaml"]


def test_a_new_parser_parses_every_quiz_once(app, runner, imported, parsed, monkeypatch):
    monkeypatch.setattr(importing, "PARSER_MODULES", (*importing.PARSER_MODULES, "lms.assessments.forms"))
    assert _lines(import_files(runner, imported)) == UNCHANGED
    assert sorted(parsed) == ["kiem-tra.yaml", "rieng.gift"]
    parsed.clear()
    assert _lines(import_files(runner, imported)) == UNCHANGED and parsed == []


def test_warnings_are_printed_again_on_an_unchanged_reimport(app, runner, quiz_dir, course_id, parsed):
    text = "title: L\ncourse: khoa-hoc-thu\nmax_attempts: 0\nreview: answers_always\nquestions:\n" + "".join(
        f"  - {{id: q{i}, type: truefalse, text: 'Câu {i}?', answer: true}}\n" for i in range(3)
    )
    path = write(quiz_dir, "luyen-tap.yaml", text)
    outputs = [import_files(runner, path).output for _ in range(2)]
    assert f"{path}:4: warning: review: answers_always" in outputs[0]
    assert outputs[1] == outputs[0].replace("created", "unchanged")

"""The YAML quiz format and the quiz loader."""

from __future__ import annotations

import textwrap
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from lms.assessments.aiken import parse_aiken
from lms.assessments.gift import parse_gift
from lms.assessments.questions import QuizFileError, grade
from lms.assessments.quizfile import (
    bank_references,
    load_bank_file,
    load_quiz_dir,
    load_quiz_file,
    load_quiz_path,
)

FULL_QUIZ = """\
title: Kiểm tra cuối khóa            # required
title_en: Final test
course: quan-tri-san-xuat-kinh-doanh
module: 02-chi-phi-gia-ban
pass_mark: 80
max_attempts: 3
time_limit_minutes: 30
opens_at: 2026-01-01T00:00:00+07:00
closes_at: 2026-03-01 17:00
shuffle_questions: false
shuffle_choices: true
draw: {chi-phi: 2, tinh-toan: 1}
review: correctness
review_after_close: true
questions_file: bank.gift
questions:
  - id: gia-thanh-1
    type: single
    category: chi-phi
    points: 2
    text: |
      Giá thành **đơn vị** là gì?
    feedback: Xem lại bài 2.
    choices:
      - {text: "Tổng chi phí chia cho số sản phẩm", correct: true, feedback: "Đúng"}
      - {text: "Giá bán", feedback: "Chưa đúng"}
      - {text: "Gần đúng", weight: 50}
  - id: bien-doi
    type: multiple
    category: chi-phi
    text: Chọn các chi phí biến đổi
    choices:
      - {text: Nguyên liệu, weight: 50}
      - {text: Bao bì, weight: 50}
      - {text: Tiền thuê xưởng, weight: -100, feedback: Chi phí cố định}
  - id: nhan-hieu
    type: multiple
    text: Chọn các yếu tố của nhãn hàng hóa
    choices:
      - {text: Tên hàng hóa, correct: true}
      - {text: Xuất xứ, correct: true}
      - {text: Màu bao bì}
  - id: sao
    type: truefalse
    category: chi-phi
    text: Sản phẩm OCOP được xếp từ 1 đến 5 sao.
    answer: no
    feedback_true: Chưa đúng, từ 3 đến 5 sao.
    feedback_false: Đúng.
  - id: thu-do
    type: short
    text: Thủ đô của Việt Nam?
    answers:
      - Hà Nội
      - {text: Ha Noi, weight: 50, feedback: Nhớ viết dấu}
      - No
  - id: gia-hop
    type: numeric
    category: tinh-toan
    text: Giá thành một hộp (đồng)?
    numeric:
      - {value: 12500, tolerance: 100, feedback: Chính xác}
      - {min: 12000, max: 13000, weight: 50}
      - 12500.5
  - id: ghep
    type: matching
    text: Ghép sản phẩm với nhóm
    pairs:
      - {left: Nước mắm, right: Thực phẩm}
      - {left: Trà, right: Đồ uống}
      - {right: Thảo dược}
  - id: ke-hoach
    type: essay
    points: 5
    text: Trình bày kế hoạch kinh doanh.
  - id: gioi-thieu
    type: description
    text: Phần sau về chi phí.
"""

BANK = """\
$CATEGORY: tinh-toan

::Điểm hòa vốn::Điểm hòa vốn là khi doanh thu bằng {=tổng chi phí =%50%chi phí}.

// [id:lai-gop]
Lãi gộp = doanh thu - giá vốn.{T}
"""

VN = timezone(timedelta(hours=7))


def write(folder: Path, name: str, content: str) -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(content), encoding="utf-8")
    return path


def problems(path: Path) -> list[tuple[int, str]]:
    with pytest.raises(QuizFileError) as info:
        load_quiz_path(path)
    return [(line, message) for _, line, message in info.value.problems]


def quiz(folder: Path, questions: str, settings: str = "") -> Path:
    head = "title: Kiểm tra\ncourse: lam-quen-ocop\n" + settings
    return write(folder, "kiem-tra.yaml", head + "questions:\n" + textwrap.indent(textwrap.dedent(questions), "  "))


# --------------------------------------------------------------------------- a full quiz


def test_full_quiz(tmp_path):
    write(tmp_path, "bank.gift", BANK)
    spec = load_quiz_file(write(tmp_path, "cuoi-khoa.yaml", FULL_QUIZ))
    assert spec.slug == "cuoi-khoa" and not spec.is_bank
    assert (spec.title, spec.title_en, spec.course, spec.module) == (
        "Kiểm tra cuối khóa", "Final test", "quan-tri-san-xuat-kinh-doanh", "02-chi-phi-gia-ban"
    )
    assert (spec.pass_mark, spec.max_attempts, spec.time_limit_minutes) == (80.0, 3, 30)
    assert spec.opens_at == datetime(2026, 1, 1, tzinfo=VN)
    assert spec.closes_at == datetime(2026, 3, 1, 17, 0, tzinfo=VN)  # no offset: Vietnam time
    assert (spec.shuffle_questions, spec.shuffle_choices) == (False, True)
    assert spec.draw == {"chi-phi": 2, "tinh-toan": 1}
    assert (spec.review, spec.review_after_close, spec.questions_file) == ("correctness", True, "bank.gift")
    assert [(q.ident, q.qtype) for q in spec.questions] == [
        ("gia-thanh-1", "single"),
        ("bien-doi", "multiple"),
        ("nhan-hieu", "multiple"),
        ("sao", "truefalse"),
        ("thu-do", "short"),
        ("gia-hop", "numeric"),
        ("ghep", "matching"),
        ("ke-hoach", "essay"),
        ("gioi-thieu", "description"),
        ("diem-hoa-von", "missingword"),
        ("lai-gop", "truefalse"),
    ]
    q = {question.ident: question for question in spec.questions}
    single = q["gia-thanh-1"]
    assert (single.text, single.text_format, single.points, single.category) == (
        "Giá thành **đơn vị** là gì?", "markdown", 2.0, "chi-phi"
    )
    assert single.general_feedback == "Xem lại bài 2."
    assert [(c.text, c.fraction, c.feedback) for c in single.choices] == [
        ("Tổng chi phí chia cho số sản phẩm", 1.0, "Đúng"), ("Giá bán", 0.0, "Chưa đúng"), ("Gần đúng", 0.5, ""),
    ]
    assert [c.fraction for c in q["bien-doi"].choices] == [0.5, 0.5, -1.0]
    # correct: true on a multiple question: equal shares, wrong choices take a share away
    assert [c.fraction for c in q["nhan-hieu"].choices] == [0.5, 0.5, -0.5]
    assert grade(q["nhan-hieu"], [0, 1, 2]).fraction == 0.5
    assert (q["sao"].correct, q["sao"].feedback_true, q["sao"].feedback_false) == (
        False, "Chưa đúng, từ 3 đến 5 sao.", "Đúng."
    )
    # scalars are taken as written: "No" stays "No" (not YAML's false)
    assert [(c.text, c.fraction, c.feedback) for c in q["thu-do"].choices] == [
        ("Hà Nội", 1.0, ""), ("Ha Noi", 0.5, "Nhớ viết dấu"), ("No", 1.0, ""),
    ]
    numeric = q["gia-hop"].numeric_answers
    assert [(a.value, a.tolerance, a.fraction) for a in numeric] == [
        (12500.0, 100.0, 1.0), (12500.0, 500.0, 0.5), (12500.5, 0.0, 1.0),
    ]
    assert (numeric[1].range_min, numeric[1].range_max) == (12000.0, 13000.0)
    assert [(p.left, p.right) for p in q["ghep"].pairs] == [
        ("Nước mắm", "Thực phẩm"), ("Trà", "Đồ uống"), ("", "Thảo dược"),
    ]
    assert (q["ke-hoach"].points, q["gioi-thieu"].points) == (5.0, 0.0)
    assert q["diem-hoa-von"].text_format == "moodle" and q["diem-hoa-von"].category == "tinh-toan"
    assert q["gia-thanh-1"].source_line == 17
    assert len(spec.source_hash) == 64


def test_minimal_quiz_defaults(tmp_path):
    spec = load_quiz_file(quiz(tmp_path, """\
        - id: q1
          type: truefalse
          text: Đúng hay sai?
          answer: true
    """))
    assert (spec.pass_mark, spec.max_attempts, spec.time_limit_minutes) == (70.0, 0, 0)
    assert (spec.opens_at, spec.closes_at, spec.draw, spec.module, spec.title_en) == (None, None, None, "", "")
    assert (spec.shuffle_questions, spec.shuffle_choices, spec.review, spec.review_after_close) == (
        True, True, "answers", False
    )
    assert spec.settings_dict()["opens_at"] is None


def test_source_hash_ignores_comments_and_follows_content(tmp_path):
    questions = """\
        - id: q1
          type: truefalse
          text: Đúng hay sai?
          answer: true
    """
    first = load_quiz_file(quiz(tmp_path, questions)).source_hash
    commented = load_quiz_file(quiz(tmp_path, "# a comment\n" + textwrap.dedent(questions))).source_hash
    changed = load_quiz_file(quiz(tmp_path, questions.replace("answer: true", "answer: false"))).source_hash
    settings = load_quiz_file(quiz(tmp_path, questions, "pass_mark: 60\n")).source_hash
    assert first == commented
    assert len({first, changed, settings}) == 3


# --------------------------------------------------------------------------- errors


def test_every_problem_is_reported_with_its_line(tmp_path):
    path = write(tmp_path, "kiem-tra.yaml", """\
        title: Kiểm tra
        course: Quản trị
        pass_mark: abc
        max_attempts: -1
        shufle_questions: true
        review: everything
        review_after_close: true
        draw: 99
        questions:
          - id: q1
            type: single
            text: Chọn một
            choices:
              - {text: a}
              - {text: b, weight: 50}
          - id: q2
            type: multiple
            text: Chọn nhiều
            choices:
              - {text: a, weight: 50}
              - {text: b, weight: 30}
          - id: q1
            type: truefalse
            text: Trùng id
            answer: yes
          - id: q4
            type: short
            text: Ngắn
            answers: [a]
            choices: []
          - id: q5
            type: numeric
            text: Số
            numeric:
              - {value: 1+1}
              - {value: 3, min: 1, max: 5}
              - {min: 5, max: 1}
          - id: q6
            type: matching
            text: Ghép
            pairs:
              - {left: a, right: b}
          - id: q7
            type: essay
          - id: q8
            type: flag
            text: CTF
          - id: q9
            type: single
            text: Hai đúng
            choices:
              - {text: a, correct: true}
              - {text: b, correct: true, weight: 100}
    """)
    found = problems(path)
    expected = [
        (2, "course 'Quản trị': use the folder name"),
        (3, "pass_mark must be a number"),
        (4, "max_attempts must be a whole number >= 0"),
        (5, "unknown key 'shufle_questions' in the quiz settings (did you mean 'shuffle_questions'?)"),
        (6, "review must be one of score, correctness, answers"),
        (7, "review_after_close: true needs a closes_at date"),
        (8, "draw: 99 questions, but the pool has only 8"),
        (13, "no correct answer: mark one choice with 'correct: true'"),
        (19, "the positive weights add up to 80%: they must add up to 100%"),
        (22, "duplicate question id 'q1' (first used on line 10)"),
        (30, "'choices' is not used by questions of type 'short'"),
        (35, "value must be a number"),
        (36, "give either value: (with optional tolerance:) or min: and max:"),
        (37, "min must not be above max"),
        (38, "question 'q6': a matching question needs at least 2 pairs"),
        (43, "missing key 'text'"),
        (46, "unknown question type 'flag'"),
        (51, "more than one correct answer: use type: multiple"),
        (53, "give a choice either correct: or weight:, not both"),
    ]
    assert len(found) == len(expected), found
    for (line, message), (want_line, prefix) in zip(found, expected, strict=True):
        assert (line, message[: len(prefix)]) == (want_line, prefix)


def test_yaml_syntax_error_has_its_line(tmp_path):
    path = write(tmp_path, "kiem-tra.yaml", "title: Kiểm tra\ncourse: x\nquestions:\n  - id: a\n    text: [unclosed\n")
    ((line, message),) = problems(path)
    assert message.startswith("YAML syntax error") and line >= 5


def test_duplicate_keys_are_reported(tmp_path):
    path = quiz(tmp_path, """\
        - id: q1
          type: truefalse
          text: A
          text: B
          answer: true
    """)
    assert problems(path) == [(7, "duplicate key 'text'")]


def test_bad_file_name_empty_file_and_no_questions(tmp_path):
    assert problems(write(tmp_path, "Kiem_Tra.yaml", "title: a\ncourse: b\nquestions: []\n"))[0] == (
        1, "file name 'Kiem_Tra': use lowercase letters, digits and hyphens (a-z, 0-9, -)"
    )
    assert problems(write(tmp_path, "rong.yaml", "")) == [(1, "the file is empty")]
    assert problems(write(tmp_path, "khong-cau-hoi.yaml", "title: a\ncourse: b\n")) == [
        (1, "the quiz has no questions: add questions: or questions_file:")
    ]
    assert problems(write(tmp_path, "danh-sach.yaml", "- a\n- b\n")) == [
        (1, "a quiz file must be a mapping of 'key: value' lines")
    ]


def test_numbers_and_dates_are_parsed_not_evaluated(tmp_path):
    path = quiz(tmp_path, """\
        - id: q1
          type: numeric
          text: Số?
          points: 0x10
          numeric: [1_000, 190:20:30, .inf]
    """, "time_limit_minutes: 1.5\nopens_at: tomorrow\ncloses_on: 2026\n")
    assert problems(path) == [
        (3, "time_limit_minutes must be a whole number >= 0"),
        (4, "opens_at must be a date and time like 2026-01-01T08:00:00+07:00"),
        (5, "unknown key 'closes_on' in the quiz settings (did you mean 'closes_at'?)"),
        (10, "points must be a number"),
        (11, "a numeric answer must be a number"),
        (11, "a numeric answer must be a number"),
        (11, "a numeric answer must be a number"),
    ]


def test_integers_have_an_upper_bound(tmp_path):
    path = quiz(tmp_path, "- {id: q, type: essay, text: Viết}\n", "max_attempts: 1e400\n")
    assert problems(path) == [(3, "max_attempts must be at most 100000")]


def test_closes_before_opens(tmp_path):
    path = quiz(tmp_path, "- {id: q, type: essay, text: Viết}\n",
                "opens_at: 2026-02-01\ncloses_at: 2026-01-01T00:00:00Z\n")
    assert problems(path) == [(4, "closes_at must be after opens_at")]


def test_draw_by_category_is_checked(tmp_path):
    path = quiz(tmp_path, """\
        - {id: a, type: essay, text: A, category: chi-phi}
        - {id: b, type: essay, text: B, category: chi-phi}
    """, "draw: {chi-phi: 3, gia-ban: 1, khac: 0}\n")
    assert problems(path) == [
        (3, "draw: 3 from 'chi-phi', but it has only 2 questions"),
        (3, "draw: no question has category 'gia-ban' (categories: chi-phi)"),
        (3, "draw: khac must be a whole number >= 1"),
    ]


def test_bank_problems_are_reported_in_the_bank(tmp_path):
    write(tmp_path, "bank.gift", "Một {T}\n\nHai {#abc}\n\n// [id:q1]\nBa {F}\n")
    path = quiz(tmp_path, "- {id: q1, type: essay, text: Viết}\n", "questions_file: bank.gift\n")
    with pytest.raises(QuizFileError) as info:
        load_quiz_file(path)
    assert info.value.problems == [
        (str(tmp_path / "bank.gift"), 3, "not a number: 'abc' (write 3, 3:0.5 for 3 ± 0.5, or 1..5 for a range)"),
    ]
    write(tmp_path, "bank.gift", "Một {T}\n\n// [id:q1]\nBa {F}\n")
    with pytest.raises(QuizFileError) as info:
        load_quiz_file(path)
    assert info.value.problems == [
        (str(tmp_path / "bank.gift"), 4, "question id 'q1' is also used in kiem-tra.yaml line 5"),
    ]


@pytest.mark.parametrize("name", ["../bank.gift", "sub/bank.gift", "bank.xml", ".hidden.gift", "missing.gift"])
def test_questions_file_must_be_a_sibling_gift_or_aiken_file(tmp_path, name):
    path = quiz(tmp_path, "- {id: q, type: essay, text: Viết}\n", f"questions_file: {name}\n")
    ((line, message),) = problems(path)
    assert line == 3 and "questions_file" in message


def test_questions_file_alone_is_enough(tmp_path):
    write(tmp_path, "ngan-hang.txt", "Câu hỏi?\nA. Có\nB. Không\nANSWER: B\n")
    path = write(tmp_path, "kiem-tra.yaml", "title: T\ncourse: c\nquestions_file: ngan-hang.txt\n")
    spec = load_quiz_file(path)
    assert [(q.qtype, q.text_format) for q in spec.questions] == [("single", "plain")]


# --------------------------------------------------------------------------- paths and folders


def test_load_quiz_path_dispatches_on_extension(tmp_path):
    bank = load_quiz_path(write(tmp_path, "ngan-hang-chi-phi.gift", BANK))
    assert bank.is_bank and bank.slug == "ngan-hang-chi-phi" and bank.title == ""
    assert [q.ident for q in bank.questions] == ["diem-hoa-von", "lai-gop"]
    aiken = load_bank_file(write(tmp_path, "aiken.txt", "Câu?\nA. a\nB. b\nANSWER: A\n"))
    assert aiken.is_bank and aiken.questions[0].qtype == "single"
    with pytest.raises(QuizFileError, match="not a quiz file"):
        load_quiz_path(write(tmp_path, "notes.md", "# notes"))


def test_empty_bank_is_an_error(tmp_path):
    assert problems(write(tmp_path, "rong.gift", "// only a comment\n")) == [(1, "the file has no questions")]


def test_bank_references(tmp_path):
    write(tmp_path, "a.yaml", "title: A\ncourse: a\nquestions_file: bank.gift\n")
    write(tmp_path, "b.yaml", "title: B\ncourse: b\nquestions_file: bank.gift\n")
    write(tmp_path, "c.yaml", "title: C\ncourse: c\nquestions_file: c.txt\n")
    write(tmp_path, "d.yaml", "not: [valid")
    assert bank_references(tmp_path) == {"bank.gift": ["a", "b"], "c.txt": ["c"]}


def test_load_quiz_dir_treats_unreferenced_gift_as_banks(tmp_path):
    write(tmp_path, "bank.gift", BANK)
    write(tmp_path, "cuoi-khoa.yaml", FULL_QUIZ)
    write(tmp_path, "ngan-hang-rieng.gift", "Câu hỏi riêng {T}\n")
    write(tmp_path, "README.md", "not a quiz")
    specs = load_quiz_dir(tmp_path)
    assert [(s.slug, s.is_bank, len(s.questions)) for s in specs] == [
        ("cuoi-khoa", False, 11), ("ngan-hang-rieng", True, 1),
    ]


def test_load_quiz_dir_collects_problems_of_all_files(tmp_path):
    write(tmp_path, "a.yaml", "title: A\ncourse: a\nquestions: [{id: x, type: essay}]\n")
    write(tmp_path, "b.gift", "Câu {=a ~b\n")
    write(tmp_path, "a.gift", "Trùng slug {T}\n")
    with pytest.raises(QuizFileError) as info:
        load_quiz_dir(tmp_path)
    assert [(Path(p).name, line) for p, line, _ in info.value.problems] == [
        ("a.yaml", 3), ("a.gift", 1), ("b.gift", 1),
    ]
    assert "already used by a.yaml" in info.value.problems[1][2]


def test_non_utf8_file(tmp_path):
    path = tmp_path / "cu.yaml"
    path.write_bytes("title: Kiểm tra\n".encode("cp1258", errors="replace") + b"course: \xff\n")
    ((line, message),) = problems(path)
    assert (line, message) == (2, "the file is not UTF-8 text (save it as UTF-8)")


# --------------------------------------------------------------------------- the trainers' README

README = Path(__file__).resolve().parents[2] / "quizzes" / "README.md"


def readme_blocks(language: str) -> list[str]:
    blocks, current, inside = [], [], False
    for line in README.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            if inside:
                blocks.append("\n".join(current) + "\n")
                inside = False
            elif line == "```" + language:
                current, inside = [], True
            continue
        if inside:
            current.append(line)
    return blocks


def test_readme_examples_are_valid(tmp_path):
    (gift,) = readme_blocks("gift")
    (aiken,) = readme_blocks("aiken")
    full, *snippets, attached = readme_blocks("yaml")
    assert len(snippets) == 5

    bank = parse_gift(gift, "README.gift")
    assert [q.qtype for q in bank] == [
        "single", "multiple", "truefalse", "missingword", "numeric", "matching", "essay", "description",
    ]
    assert [q.qtype for q in parse_aiken(aiken, "README.txt")] == ["single", "single"]

    write(tmp_path, "ngan-hang-chi-phi.gift", gift)
    spec = load_quiz_file(write(tmp_path, "quan-tri-cuoi-khoa.yaml", full))
    assert len(spec.questions) == 1 + len(bank) and spec.draw == 5

    for number, snippet in enumerate(snippets):
        path = write(tmp_path, f"doan-{number}.yaml", "title: T\ncourse: c\nquestions:\n" + snippet)
        assert len(load_quiz_file(path).questions) == 1

    generated = ["$CATEGORY: tieu-chi", ""]
    generated += [f"Tiêu chí {n} {{T}}\n" for n in range(10)]
    generated += ["$CATEGORY: ho-so", ""] + [f"Hồ sơ {n} {{F}}\n" for n in range(5)]
    write(tmp_path, "tieu-chi-ngan-hang.gift", "\n".join(generated))
    attached_spec = load_quiz_file(write(tmp_path, "tieu-chi-cuoi-khoa.yaml", attached))
    assert attached_spec.draw == {"tieu-chi": 10, "ho-so": 5} and len(attached_spec.questions) == 15


def test_yaml_weights_in_thirds_are_exact(tmp_path):
    path = quiz(tmp_path, """\
  - id: ba
    type: multiple
    text: Chọn ba.
    choices:
      - {text: a, weight: 33.33}
      - {text: b, weight: 33.33}
      - {text: c, weight: 33.34}
      - {text: d, weight: -100}
""")
    [spec] = load_quiz_file(path).questions
    assert [c.fraction for c in spec.choices] == [1 / 3, 1 / 3, 1 / 3, -1.0]
    assert grade(spec, [0, 1, 2]).fraction == 1.0

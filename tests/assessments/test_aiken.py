"""Aiken import / export."""

from __future__ import annotations

import pytest

from lms.assessments.aiken import export_aiken, parse_aiken
from lms.assessments.questions import Choice, QuestionSpec, QuizFileError, grade

BANK = """\
Giá thành sản phẩm gồm những khoản nào?
A. Chỉ chi phí nguyên liệu
B. Nguyên liệu, nhân công và chi phí chung
C) Chỉ tiền công
ANSWER: B
Sản phẩm OCOP 5 sao do cấp nào đánh giá,
công nhận?
A) Cấp huyện
B) Cấp tỉnh
C) Cấp trung ương

D) Cấp xã
ANSWER: c
"""


def problems_of(text: str) -> list[tuple[int, str]]:
    with pytest.raises(QuizFileError) as info:
        parse_aiken(text, "quizzes/ngan-hang.txt")
    assert {path for path, _, _ in info.value.problems} == {"quizzes/ngan-hang.txt"}
    return [(line, message) for _, line, message in info.value.problems]


def test_parse_aiken_questions():
    first, second = parse_aiken(BANK, "quizzes/ngan-hang.txt")
    assert (first.qtype, first.text_format, first.source_line) == ("single", "plain", 1)
    assert first.text == "Giá thành sản phẩm gồm những khoản nào?"
    assert [(c.text, c.fraction) for c in first.choices] == [
        ("Chỉ chi phí nguyên liệu", 0.0),
        ("Nguyên liệu, nhân công và chi phí chung", 1.0),
        ("Chỉ tiền công", 0.0),
    ]
    assert second.text == "Sản phẩm OCOP 5 sao do cấp nào đánh giá,\ncông nhận?"
    assert second.source_line == 6
    assert [c.fraction for c in second.choices] == [0.0, 0.0, 1.0, 0.0]  # lowercase "c" accepted
    assert first.ident.startswith("q-") and first.ident != second.ident
    assert grade(second, 2).fraction == 1.0


def test_aiken_round_trip():
    specs = parse_aiken(BANK)
    text = export_aiken(specs)
    assert text.splitlines()[:5] == [
        "Giá thành sản phẩm gồm những khoản nào?",
        "A. Chỉ chi phí nguyên liệu",
        "B. Nguyên liệu, nhân công và chi phí chung",
        "C. Chỉ tiền công",
        "ANSWER: B",
    ]
    assert parse_aiken(text) == specs


def test_aiken_windows_line_endings_and_bom():
    specs = parse_aiken("\ufeffCâu hỏi?\r\nA. Có\r\nB. Không\r\nANSWER: A\r\n")
    assert specs[0].text == "Câu hỏi?" and specs[0].choices[0].fraction == 1.0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Câu hỏi?\nA. Có\nB. Không\n", [(1, "this question has no ANSWER: line")]),
        ("Câu hỏi?\nA. Có\nB. Không\nANSWER: D\n", [(4, "ANSWER: D is not one of the options A, B")]),
        ("Câu hỏi?\nA. Có\nANSWER: A\n", [(1, "a question needs at least 2 options (A. ..., B. ...)")]),
        ("A. Có\nB. Không\nANSWER: A\n", [(1, "an option must follow the question text")]),
        ("ANSWER: A\n", [(1, "ANSWER: without a question before it")]),
        ("Câu hỏi?\nA. Có\nA. Không\nANSWER: A\n", [(3, "option A appears twice")]),
        ("Câu hỏi?\nA. Có\nB. Không\nANSWER: AB\n", [(4, "ANSWER: AB is not one of the options A, B")]),
    ],
)
def test_aiken_errors_have_lines(text, expected):
    assert problems_of(text) == expected


def test_aiken_collects_every_problem_and_resynchronises():
    text = (
        "Câu 1?\nA. a\nB. b\n"          # 1-3: no ANSWER, then a new question starts
        "Câu 2?\nA. a\nB. b\nANSWER: Z\n"  # 4-7: bad letter
        "Câu 3?\nA. a\nB. b\nANSWER: A\n"  # 8-11: fine
    )
    problems = problems_of(text)
    assert problems[0][0] == 4 and "has no ANSWER: line" in problems[0][1] and "line 1" in problems[0][1]
    assert problems[1] == (7, "ANSWER: Z is not one of the options A, B")
    assert len(problems) == 2


def test_export_aiken_refuses_what_aiken_cannot_say():
    partial = QuestionSpec(qtype="single", text="q", choices=[Choice("a", 1.0), Choice("b", 0.5)])
    with pytest.raises(ValueError, match="partial credit"):
        export_aiken([partial])
    feedback = QuestionSpec(qtype="single", text="q", choices=[Choice("a", 1.0, "good"), Choice("b")])
    with pytest.raises(ValueError, match="no feedback"):
        export_aiken([feedback])
    with pytest.raises(ValueError, match="multiple"):
        export_aiken([QuestionSpec(qtype="multiple", text="q", choices=[Choice("a", 0.5), Choice("b", 0.5)])])
    tricky = QuestionSpec(qtype="single", text="Đọc:\nA. không phải lựa chọn", choices=[Choice("a", 1.0), Choice("b")])
    with pytest.raises(ValueError, match="would not read back"):
        export_aiken([tricky])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Every option without its space: named, each on its line (not "needs 2 options").
        ("Câu hỏi?\nA)Một\nB)Hai\nANSWER: A\n",
         [(2, "option A) needs a space after 'A)': write 'A) Một'"),
          (3, "option B) needs a space after 'B)': write 'B) Hai'")]),
        # One of them, after well-written options: named, and the question still reads on.
        ("Câu hỏi?\nA. Một\nB.Hai\nC. Ba\nANSWER: A\n", [(3, "option B. needs a space after 'B.': write 'B. Hai'")]),
    ],
)
def test_an_option_without_its_space_is_named(text, expected):
    assert problems_of(text) == expected


def test_question_text_that_looks_like_an_unspaced_option_is_fine():
    [spec] = parse_aiken("Câu hỏi về\nA.B. Co (công ty)?\nA. Có\nB. Không\nANSWER: A\n")
    assert spec.text == "Câu hỏi về\nA.B. Co (công ty)?" and len(spec.choices) == 2

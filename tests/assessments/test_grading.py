"""Question model, registry and grading (pure: no database, no Flask)."""

from __future__ import annotations

import json
import unicodedata
from decimal import Decimal

import pytest

from lms.assessments.questions import (
    QUESTION_TYPES,
    Choice,
    Grade,
    MatchPair,
    NumericAnswer,
    QuestionSpec,
    QuizFileError,
    check_spec,
    fraction_to_percent,
    grade,
    parse_number_response,
    percent_to_fraction,
    right_pool,
    validate_response,
    wildcard_match,
)


def single() -> QuestionSpec:
    return QuestionSpec(
        qtype="single",
        ident="gia-thanh-1",
        text="Giá thành đơn vị là gì?",
        general_feedback="Xem lại bài 2.",
        choices=[
            Choice("Giá bán", 0.0, "Chưa đúng"),
            Choice("Tổng chi phí / số sản phẩm", 1.0, "Đúng rồi"),
            Choice("Chỉ chi phí nguyên liệu", 0.5),
            Choice("Sai nặng", -0.5, "Trừ điểm"),
        ],
    )


def multiple() -> QuestionSpec:
    return QuestionSpec(
        qtype="multiple",
        text="Chi phí biến đổi gồm?",
        choices=[
            Choice("Nguyên liệu", 0.5, "Đúng"),
            Choice("Bao bì", 0.5),
            Choice("Tiền thuê xưởng", -1.0, "Đây là chi phí cố định"),
            Choice("Khấu hao", 0.0),
        ],
    )


def short() -> QuestionSpec:
    return QuestionSpec(
        qtype="short",
        text="Thủ đô của Việt Nam?",
        choices=[
            Choice("Hà Nội", 1.0, "Chính xác"),
            Choice("Ha Noi", 0.5, "Nhớ viết dấu"),
            Choice("*", 0.0, "Chưa đúng"),
        ],
    )


def numeric() -> QuestionSpec:
    return QuestionSpec(
        qtype="numeric",
        text="Giá thành một hộp (đồng)?",
        numeric_answers=[
            NumericAnswer(12500, 100, 1.0, "Đúng"),
            NumericAnswer.from_range(12000, 13000, 0.5, "Gần đúng"),
            NumericAnswer(None, 0.0, 0.0, "Xem lại cách tính"),
        ],
    )


def matching() -> QuestionSpec:
    return QuestionSpec(
        qtype="matching",
        text="Ghép sản phẩm với nhóm",
        pairs=[
            MatchPair("Nước mắm", "Thực phẩm"),
            MatchPair("Trà shan tuyết", "Đồ uống"),
            MatchPair("Mật ong", "Thực phẩm"),
            MatchPair("", "Thảo dược"),  # distractor
        ],
    )


# --------------------------------------------------------------------------- registry


def test_registry_has_every_type():
    assert set(QUESTION_TYPES) == {
        "single", "multiple", "truefalse", "short", "numeric", "matching", "missingword", "essay", "description",
    }
    for name, cls in QUESTION_TYPES.items():
        assert cls.name == name


def test_unknown_type_is_an_error():
    with pytest.raises(ValueError, match="unknown question type"):
        grade(QuestionSpec(qtype="ctf-flag", text="x"), None)


# --------------------------------------------------------------------------- single / multiple


def test_single_fraction_and_feedback():
    spec = single()
    assert grade(spec, 1) == Grade(1.0, ["Đúng rồi"], False)
    assert grade(spec, 2) == Grade(0.5, [], False)
    assert grade(spec, 0).fraction == 0.0


def test_single_negative_weight_never_below_zero():
    assert grade(single(), 3) == Grade(0.0, ["Trừ điểm"], False)


def test_single_no_answer_scores_zero():
    spec = single()
    assert validate_response(spec, "") is None
    assert validate_response(spec, []) is None
    assert grade(spec, None) == Grade(0.0)


def test_single_validate_response():
    spec = single()
    assert validate_response(spec, "1") == 1
    assert validate_response(spec, ["2"]) == 2
    for bad in ("4", "-1", "x", "1.0", ["1", "2"], {"a": 1}):
        with pytest.raises(ValueError):
            validate_response(spec, bad)


def test_grade_refuses_responses_that_were_not_validated():
    for spec, response in ((single(), 9), (single(), "1"), (multiple(), [0, 7]), (matching(), {0: 5}), (matching(), {9: 0})):
        with pytest.raises(ValueError, match="validate_response"):
            grade(spec, response)


def test_multiple_sums_chosen_fractions():
    spec = multiple()
    assert grade(spec, [0, 1]).fraction == 1.0
    assert grade(spec, [0]).fraction == 0.5
    assert grade(spec, [0, 3]).fraction == 0.5


def test_multiple_clamps_to_zero_with_negative_weights():
    spec = multiple()
    result = grade(spec, [0, 2])
    assert result.fraction == 0.0  # 0.5 - 1.0 -> clamped
    assert result.feedback == ["Đúng", "Đây là chi phí cố định"]
    assert grade(spec, [0, 1, 2, 3]).fraction == 0.0  # selecting everything does not pay


def test_multiple_validate_response_dedupes_and_sorts():
    spec = multiple()
    assert validate_response(spec, ["3", "0", "3"]) == [0, 3]
    assert validate_response(spec, "2") == [2]
    assert validate_response(spec, None) == []
    assert grade(spec, []).fraction == 0.0
    with pytest.raises(ValueError):
        validate_response(spec, ["0", "9"])


# --------------------------------------------------------------------------- true / false


def test_truefalse():
    spec = QuestionSpec(
        qtype="truefalse", text="OCOP có 5 hạng sao", correct=True, feedback_true="Đúng", feedback_false="Có 5 hạng"
    )
    assert grade(spec, True) == Grade(1.0, ["Đúng"])
    assert grade(spec, False) == Grade(0.0, ["Có 5 hạng"])
    assert validate_response(spec, "true") is True
    assert validate_response(spec, ["false"]) is False
    assert validate_response(spec, "") is None
    with pytest.raises(ValueError):
        validate_response(spec, "maybe")


# --------------------------------------------------------------------------- short answer


def test_short_answer_is_case_and_space_insensitive():
    spec = short()
    assert grade(spec, "  hà   nội ").fraction == 1.0
    assert grade(spec, "HÀ NỘI").feedback == ["Chính xác"]


def test_short_answer_nfc_normalises_vietnamese():
    decomposed = unicodedata.normalize("NFD", "Hà Nội")
    assert decomposed != "Hà Nội"
    assert grade(short(), decomposed).fraction == 1.0


def test_short_answer_best_match_wins_over_wildcard():
    spec = short()
    assert grade(spec, "ha noi") == Grade(0.5, ["Nhớ viết dấu"])
    assert grade(spec, "Huế") == Grade(0.0, ["Chưa đúng"])


def test_short_answer_wildcards():
    assert wildcard_match("nước*", "Nước mắm Phú Quốc")
    assert wildcard_match("*mắm*", "nuoc MẮM")
    assert not wildcard_match("nước*", "mắm nước")
    assert wildcard_match("a\\*b", "A*B")
    assert not wildcard_match("a\\*b", "axxb")
    assert wildcard_match("1.5", "1.5") and not wildcard_match("1.5", "105")  # '.' is literal


def test_short_answer_no_answer_and_limits():
    spec = short()
    assert grade(spec, None) == Grade(0.0)
    assert validate_response(spec, "  Hà Nội ") == "Hà Nội"
    with pytest.raises(ValueError):
        validate_response(spec, "x" * 2000)


# --------------------------------------------------------------------------- numeric


def test_numeric_tolerance_range_and_catch_all():
    spec = numeric()
    assert grade(spec, 12500.0) == Grade(1.0, ["Đúng"])
    assert grade(spec, 12600.0).fraction == 1.0  # edge of the tolerance
    assert grade(spec, 12601.0) == Grade(0.5, ["Gần đúng"])
    assert grade(spec, 13000.0).fraction == 0.5  # edge of the range
    assert grade(spec, 13000.5) == Grade(0.0, ["Xem lại cách tính"])


def test_numeric_range_keeps_its_original_form():
    answer = NumericAnswer.from_range(3.141, 3.142)
    assert (answer.value, answer.tolerance) == (3.1415, 0.0005)
    assert (answer.range_min, answer.range_max) == (3.141, 3.142)
    assert answer.matches(3.142) and answer.matches(3.141) and not answer.matches(3.1421)


def test_numeric_float_noise_is_absorbed():
    spec = QuestionSpec(qtype="numeric", text="0.1 + 0.2?", numeric_answers=[NumericAnswer(0.3)])
    assert grade(spec, 0.1 + 0.2).fraction == 1.0


def test_numeric_responses_are_parsed_not_evaluated():
    spec = numeric()
    assert validate_response(spec, "12 500") == 12500.0
    assert validate_response(spec, "12500,5") == 12500.5  # Vietnamese decimal comma
    assert validate_response(spec, "-3.5e2") == -350.0
    assert validate_response(spec, "") is None
    for bad in ("1+1", "12.500,5", "1,000,000", "inf", "nan", "0x10", "__import__('os')", "1_000"):
        with pytest.raises(ValueError):
            validate_response(spec, bad)


def test_parse_number_response_non_breaking_space():
    assert parse_number_response("12\u00a0500") == 12500.0


# --------------------------------------------------------------------------- matching


def test_matching_share_of_pairs_right():
    spec = matching()
    pool = right_pool(spec)
    assert sorted(pool) == sorted({"Thực phẩm", "Đồ uống", "Thảo dược"})
    food, drink, herbs = pool.index("Thực phẩm"), pool.index("Đồ uống"), pool.index("Thảo dược")
    assert grade(spec, {0: food, 1: drink, 2: food}).fraction == 1.0
    assert grade(spec, {0: food, 1: herbs, 2: food}).fraction == pytest.approx(2 / 3)
    assert grade(spec, {0: food}).fraction == pytest.approx(1 / 3)
    assert grade(spec, {}).fraction == 0.0


def test_matching_validate_response():
    spec = matching()
    assert validate_response(spec, {"0": "1", "2": "", "1": "0"}) == {0: 1, 1: 0}
    assert validate_response(spec, ["2", "", "1"]) == {0: 2, 2: 1}
    with pytest.raises(ValueError):
        validate_response(spec, {"3": "0"})  # the distractor is not an item
    with pytest.raises(ValueError):
        validate_response(spec, {"0": "7"})


# --------------------------------------------------------------------------- missing word, essay, description


def test_missingword_single_and_short():
    choice = QuestionSpec(
        qtype="missingword", blank_type="single", text="Grant is ", text_after=" in Grant's tomb.",
        choices=[Choice("buried"), Choice("entombed", 1.0), Choice("living")],
    )
    assert check_spec(choice) == []
    assert grade(choice, validate_response(choice, "1")).fraction == 1.0
    typed = QuestionSpec(
        qtype="missingword", blank_type="short", text="Hai cộng hai bằng ", text_after=".",
        choices=[Choice("bốn", 1.0), Choice("4", 1.0)],
    )
    assert grade(typed, validate_response(typed, " Bốn ")).fraction == 1.0


def test_essay_needs_review_and_description_is_not_graded():
    essay = QuestionSpec(qtype="essay", text="Trình bày kế hoạch kinh doanh")
    assert grade(essay, "Kế hoạch của tôi...") == Grade(None, [], needs_review=True)
    assert grade(essay, None) == Grade(0.0)
    description = QuestionSpec(qtype="description", text="Đọc đoạn sau", points=0.0)
    assert grade(description, None) == Grade(None, [], needs_review=False)
    assert validate_response(description, "anything") is None


# --------------------------------------------------------------------------- checks


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (QuestionSpec(qtype="single", text="q", choices=[Choice("a", 0.5), Choice("b")]), "no correct answer"),
        (QuestionSpec(qtype="single", text="q", choices=[Choice("a", 1.0)]), "at least 2 answers"),
        (
            QuestionSpec(qtype="multiple", text="q", choices=[Choice("a", 0.5), Choice("b", 0.3)]),
            "add up to 80%",
        ),
        (QuestionSpec(qtype="truefalse", text="q"), "needs its answer"),
        (QuestionSpec(qtype="short", text="q", choices=[Choice("a", 0.5)]), "no correct answer"),
        (QuestionSpec(qtype="numeric", text="q", numeric_answers=[NumericAnswer(None)]), "at least one"),
        (QuestionSpec(qtype="numeric", text="q", numeric_answers=[NumericAnswer(1, -1)]), "tolerance"),
        (QuestionSpec(qtype="matching", text="q", pairs=[MatchPair("a", "b"), MatchPair("", "c")]), "2 pairs"),
        (QuestionSpec(qtype="essay", text="  "), "no text"),
        (QuestionSpec(qtype="essay", text="q", text_format="rtf"), "unknown text format"),
        (QuestionSpec(qtype="description", text="q", points=1.0), "points must be 0"),
        (QuestionSpec(qtype="missingword", text="q", blank_type="single"), "at least 2 answers"),
        (QuestionSpec(qtype="missingword", text="q", blank_type="essay"), "blank_type"),
    ],
)
def test_check_spec_reports_problems(spec, message):
    problems = check_spec(spec)
    assert any(message in p for p in problems), problems


def test_check_spec_accepts_good_specs():
    for spec in (single(), multiple(), short(), numeric(), matching()):
        assert check_spec(spec) == [], spec.qtype


# --------------------------------------------------------------------------- serialisation


def test_to_dict_from_dict_round_trip_through_json():
    for spec in (single(), multiple(), short(), numeric(), matching()):
        data = json.loads(json.dumps(spec.to_dict()))
        assert QuestionSpec.from_dict(data) == spec


def test_from_dict_rejects_unknown_keys_and_types():
    data = single().to_dict()
    with pytest.raises(ValueError, match="unknown question keys"):
        QuestionSpec.from_dict({**data, "secret": 1})
    with pytest.raises(ValueError, match="unknown Choice keys"):
        QuestionSpec.from_dict({**data, "choices": [{"text": "a", "weight": 5}]})
    with pytest.raises(ValueError, match="unknown question type"):
        QuestionSpec.from_dict({**data, "qtype": "flag"})


def test_content_hash_ignores_ident_and_line_but_not_content():
    a, b = single(), single()
    b.ident, b.source_line = "other-id", 99
    assert a.content_hash() == b.content_hash()
    assert a != b  # the ident is part of equality
    c = single()
    c.choices[2].fraction = 0.25
    assert c.content_hash() != a.content_hash()
    d = single()
    d.text += " "
    assert d.content_hash() != a.content_hash()
    assert len(a.content_hash()) == 64


def test_source_line_is_not_part_of_equality():
    a, b = single(), single()
    b.source_line = 42
    assert a == b


def test_percent_conversions_are_exact_inverses():
    for percent in ("50", "33.33333", "-100", "12.5", "0", "100", "83.33333"):
        assert fraction_to_percent(percent_to_fraction(float(percent))) == percent
    # Endless fractions written rounded or cut off are stored exactly, and written as Moodle does.
    for written in (33.33, 33.333, 33.33333, "33.33", "-33.33"):
        assert abs(percent_to_fraction(written)) == 1 / 3
    assert percent_to_fraction(66.66) == percent_to_fraction(66.67) == 2 / 3
    assert percent_to_fraction(14.29) == 1 / 7 and fraction_to_percent(1 / 7) == "14.28571"
    assert percent_to_fraction(33.3) == 0.333  # one decimal: taken as written
    assert percent_to_fraction(Decimal("33.330")) == 0.3333  # 33.330 is not a rounded third
    assert percent_to_fraction(12.5) == 0.125


def test_quiz_file_error_lists_problems():
    error = QuizFileError([("quizzes/a.yaml", 3, "unknown key 'x'"), ("quizzes/b.gift", 10, "bad")])
    assert str(error) == "quizzes/a.yaml:3: unknown key 'x'\nquizzes/b.gift:10: bad"
    assert error.problems[1] == ("quizzes/b.gift", 10, "bad")

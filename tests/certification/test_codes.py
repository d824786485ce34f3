"""Codes: ≥128 random bits, typed in any case with or without separators; guessing finds nothing."""

from __future__ import annotations

import math

from sqlalchemy import func, select

from lms.certification.codes import (
    ALPHABET,
    CODE_BITS,
    CODE_LENGTH,
    format_code,
    new_code,
    normalize_code,
)


def test_codes_carry_at_least_128_random_bits():
    assert CODE_BITS >= 128
    assert CODE_LENGTH * math.log2(len(ALPHABET)) >= 128
    codes = {new_code() for _ in range(2000)}
    assert len(codes) == 2000
    assert all(len(c) == CODE_LENGTH and set(c) <= set(ALPHABET) for c in codes)
    # Every position uses the whole alphabet (no fixed or sequential part).
    for position in range(CODE_LENGTH):
        assert len({c[position] for c in codes}) == len(ALPHABET)


def test_typed_codes_are_accepted_in_any_spelling():
    code = new_code()
    shown = format_code(code)
    assert shown.count("-") == CODE_LENGTH // 4 - 1
    assert normalize_code(shown) == code
    assert normalize_code(shown.lower()) == code
    assert normalize_code("  " + shown.replace("-", " ") + " ") == code
    assert normalize_code(code.replace("0", "o").replace("1", "l")) == code


def test_malformed_codes_are_refused():
    code = new_code()
    for bad in ("", None, code[:-1], code + "A", "U" + code[1:], "<script>" + code[8:], "../" + code[3:]):
        assert normalize_code(bad) is None


def test_ten_thousand_random_codes_find_nothing(app, make_course, make_person, complete):
    from lms.certification.models import Certificate
    from lms.extensions import db

    course = make_course()
    for n in range(30):
        assert complete(make_person(name=f"Học viên {n}"), course)
    with app.app_context():
        real = set(db.session.scalars(select(Certificate.code)))
        assert len(real) == 30
        guesses = [new_code() for _ in range(10_000)]
        found = 0
        for start in range(0, len(guesses), 500):
            chunk = guesses[start : start + 500]
            found += db.session.scalar(
                select(func.count()).select_from(Certificate).where(Certificate.code.in_(chunk))
            )
        assert found == 0


def test_random_codes_get_a_plain_404_over_http(app, client, make_course, make_person, complete):
    app.config["CERTIFICATE_VERIFY_RATE_LIMIT"] = "10000/minute"
    complete(make_person(), make_course())
    for _ in range(200):
        response = client.get("/verify/" + new_code())
        assert response.status_code == 404
    assert "Không có chứng nhận nào mang mã này" in response.get_data(as_text=True)  # not a generic "page not found"

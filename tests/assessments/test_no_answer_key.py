"""While an attempt is open, nothing that reaches the learner's browser tells which
answers are right: every page, JSON response, script and the course panel is searched
for distinctive strings planted in the answer key and the feedback."""

from __future__ import annotations

import re

from lms.catalog.models import Course
from lms.extensions import db
from tests.support.client import login
from tests.support.quizzes import enrol, page_token, save, start

SECRETS = [
    "TITLE-SECRET-7Q",      # GIFT ::title:: (question names are never shown)
    "IDENT-SECRET-7Q",      # question ids
    "CHOICEFB-SECRET-7Q",   # per-answer feedback
    "GENERALFB-SECRET-7Q",  # general feedback
    "SHORTANS-SECRET-7Q",   # the accepted short answer
    "98765.4321",           # the numeric answer
    "NUMFB-SECRET-7Q",
    "TFFB-SECRET-7Q",
]

BANK = r"""
// [id:IDENT-SECRET-7Q-a]
::TITLE-SECRET-7Q::Chọn đáp án.{
=Alpha#CHOICEFB-SECRET-7Q
~Beta#CHOICEFB-SECRET-7Q-wrong
~%-50%Gamma
####GENERALFB-SECRET-7Q
}

// [id:IDENT-SECRET-7Q-b]
::TITLE-SECRET-7Q-b::Gõ mật khẩu.{=SHORTANS-SECRET-7Q#CHOICEFB-SECRET-7Q-short}

// [id:IDENT-SECRET-7Q-c]
::TITLE-SECRET-7Q-c::Một số?{#98765.4321:0#NUMFB-SECRET-7Q}

// [id:IDENT-SECRET-7Q-d]
::TITLE-SECRET-7Q-d::Đúng hay sai?{TRUE#TFFB-SECRET-7Q-wrong#TFFB-SECRET-7Q}

// [id:IDENT-SECRET-7Q-e]
::TITLE-SECRET-7Q-e::Ghép.{
=Left one -> Right one
=Left two -> Right two
=Left three -> Right three
####GENERALFB-SECRET-7Q-match
}

// [id:IDENT-SECRET-7Q-f]
::TITLE-SECRET-7Q-f::Thủ đô là {=Hà Nội#CHOICEFB-SECRET-7Q-mw ~Huế} của Việt Nam.

// [id:IDENT-SECRET-7Q-g]
::TITLE-SECRET-7Q-g::Chọn nhiều.{
~%50%Một#CHOICEFB-SECRET-7Q-m1
~%50%Hai
~%-100%Ba
}
"""

QUIZ = """
title: Bài kiểm tra bí mật
course: khoa-hoc-thu
time_limit_minutes: 20
shuffle_choices: true
questions_file: bi-mat.gift
"""


def _check(body: str, where: str) -> None:
    for secret in SECRETS:
        assert secret not in body, f"{secret} leaked in {where}"
    lowered = body.lower()
    for word in ("fraction", '"correct"', "is_correct", "feedback_true", "general_feedback"):
        assert word not in lowered, f"{word} in {where}"
    assert not re.search(r"(?<!font-)weight", lowered), f"weight in {where}"
    assert "<!--" not in body, f"an HTML comment in {where}"


def test_nothing_reveals_the_answers_during_an_attempt(app, client, users, course_id, make_quiz):
    make_quiz(QUIZ, slug="bi-mat-quiz", **{"bi-mat.gift": BANK})
    enrol(app, users["learner"], course_id)
    login(client, "learner@example.vn")
    bodies: dict[str, str] = {}
    bodies["quiz index"] = client.get("/quizzes").get_data(as_text=True)
    bodies["quiz page"] = client.get("/quizzes/bi-mat-quiz").get_data(as_text=True)
    attempt_id = start(client, "bi-mat-quiz")
    for url in (f"/attempts/{attempt_id}", f"/attempts/{attempt_id}/submit", "/quizzes/bi-mat-quiz", "/quizzes",
                "/static/js/quiz.js", "/static/css/quiz.css"):
        response = client.get(url)
        bodies[url] = response.get_data(as_text=True)
        response.close()
    review = client.get(f"/attempts/{attempt_id}/review")
    assert review.status_code == 302  # no review while open
    token = page_token(client, "/account")
    autosave = client.post(f"/attempts/{attempt_id}/autosave", headers={"X-CSRFToken": token},
                           json={"seq": 3, "fields": [["s1", "0"], ["s2", "wrong"], ["s3", "1"]]})
    bodies["autosave"] = autosave.get_data(as_text=True) + str(dict(autosave.headers))
    saved = save(client, attempt_id, {"s1": "1", "s2": "nope"}, seq=9)
    bodies["save redirect"] = saved.get_data(as_text=True)
    bodies["attempt after save"] = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    for url in ("/quizzes/bi-mat-quiz/gradebook", "/quizzes/bi-mat-quiz/statistics", "/quizzes/bi-mat-quiz/export.gift",
                "/marking", "/quizzes/bi-mat-quiz/gradebook.csv"):
        response = client.get(url)
        assert response.status_code == 403, url
        bodies[url] = response.get_data(as_text=True)
    with app.test_request_context():
        from flask_login import login_user

        from lms.assessments.views import render_course_panel
        from lms.auth.models import User

        user = db.session.get(User, users["learner"].id)
        login_user(user)
        bodies["course panel"] = str(render_course_panel(db.session.get(Course, course_id), user))
    assert "Bài kiểm tra bí mật" in bodies["course panel"]
    for where, body in bodies.items():
        _check(body, where)

    page = bodies[f"/attempts/{attempt_id}"]
    assert "Alpha" in page and "Left one" in page and "Right three" in page  # the questions are there
    # Choices are sent as their position on the page, in page order: 0, 1, 2 …
    for slot in range(1, 8):
        values = re.findall(rf'name="s{slot}" value="(\d+)"', page)
        assert values == [str(i) for i in range(len(values))], (slot, values)


ORDER_BANK = r"""
::m::Ghép sản phẩm với cấp đánh giá.{
=Sản phẩm 3 sao -> Cấp tỉnh
=Sản phẩm 5 sao -> Cấp quốc gia
=Sản phẩm 2 sao -> Cấp huyện
}

::w::Hai cộng hai bằng {=bốn =4}, không phải ba.
"""

ORDER_QUIZ = """
title: Thứ tự
course: khoa-hoc-thu
shuffle_questions: false
shuffle_choices: false
questions_file: thu-tu.gift
"""


def test_the_page_order_of_a_matching_pool_and_a_typed_blank_tell_nothing(app, client, users, course_id,
                                                                          make_quiz):
    make_quiz(ORDER_QUIZ, slug="thu-tu", **{"thu-tu.gift": ORDER_BANK})
    enrol(app, users["learner"], course_id)
    login(client, "learner@example.vn")
    page = client.get(f"/attempts/{start(client, 'thu-tu')}").get_data(as_text=True)

    # Unshuffled, the items keep their order but the pool is sorted: its order never follows the pairs.
    assert page.index("Sản phẩm 3 sao") < page.index("Sản phẩm 5 sao") < page.index("Sản phẩm 2 sao")
    for item in range(3):
        select = re.search(rf'<select id="s1-{item}" name="s1_{item}">(.*?)</select>', page, re.DOTALL)
        assert select, item
        options = re.findall(r'<option value="(\d+)"[^>]*>([^<]*)</option>', select.group(1))
        assert options == [("0", "Cấp huyện"), ("1", "Cấp quốc gia"), ("2", "Cấp tỉnh")], options
    # A typed blank is a text box: no choices that would list the accepted answers.
    assert re.search(r'<input id="s2-blank" class="blank" type="text" name="s2" value=""', page)
    assert not re.search(r'name="s2"[^>]*type="(radio|checkbox)"|<select[^>]*name="s2"', page)
    assert "bốn" not in page

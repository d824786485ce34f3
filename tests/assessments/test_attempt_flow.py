"""Taking a quiz over HTTP: start, save, submit, grading of every type, review rules."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from lms.assessments.models import Attempt
from lms.catalog.models import CourseCompletion
from lms.core.db import utcnow
from lms.extensions import db
from tests.support.client import login
from tests.support.quizzes import answers_by_ident, enrol, get_attempt, page_token, save, start, submit

# Slots follow the file order (shuffle_questions: false):
# 1 single, 2 multiple, 3 truefalse, 4 short, 5 numeric, 6 matching, 7 essay.


@pytest.fixture
def learner(app, users, course_id, client):
    enrol(app, users["learner"], course_id)
    login(client, "learner@example.vn")
    return users["learner"]


def test_partial_and_negative_credit_of_every_type(app, client, learner, make_quiz):
    make_quiz()
    attempt_id = start(client)
    response = save(client, attempt_id, {
        "s1": "1",                 # B: 50 %
        "s2": ["0", "2"],          # M1 + M3: 50 - 100 → 0 (never below 0)
        "s3": "false",             # wrong
        "s4": "  ha   NOI ",       # 50 % (case and spaces ignored)
        "s5": "12 600",            # in the 12000..13000 range: 50 %
        "s6_0": "0", "s6_1": "2",  # L1→R1 right, L2→R3 wrong: 50 %
        "s7": "Bài viết của tôi.",
    })
    assert response.status_code == 302
    response = submit(client, attempt_id)
    assert response.status_code == 302 and response.headers["Location"].endswith("/review")
    answers = answers_by_ident(app, attempt_id)
    fractions = {ident: a.fraction for ident, a in answers.items()}
    assert fractions == {
        "q-single": 0.5, "q-multi": 0.0, "q-tf": 0.0, "q-short": 0.5, "q-num": 0.5,
        "q-match": 0.5, "q-essay": None,
    }
    assert answers["q-essay"].needs_review is True
    attempt = get_attempt(app, attempt_id)
    assert attempt.status == "pending_review" and attempt.passed is None
    assert attempt.points == pytest.approx(2.0) and attempt.max_points == 7


def test_full_marks_and_multiple_choice_partial(app, client, learner, make_quiz):
    make_quiz()
    attempt_id = start(client)
    save(client, attempt_id, {
        "s1": "0", "s2": ["1"], "s3": "true", "s4": "hà nội", "s5": "12500",
        "s6_0": "0", "s6_1": "1",
    })
    submit(client, attempt_id)
    fractions = {i: a.fraction for i, a in answers_by_ident(app, attempt_id).items()}
    assert fractions["q-multi"] == 0.5
    assert all(fractions[i] == 1.0 for i in ("q-single", "q-tf", "q-short", "q-num", "q-match"))
    # The unanswered essay scores 0 and needs no marking.
    assert fractions["q-essay"] == 0.0
    attempt = get_attempt(app, attempt_id)
    assert attempt.status == "graded" and attempt.passed is True
    assert attempt.score == pytest.approx(100 * 5.5 / 7, abs=1e-3)


def test_essay_marking_completes_the_course(app, client, learner, make_quiz, users, make_user):
    make_quiz()
    attempt_id = start(client)
    save(client, attempt_id, {"s1": "0", "s2": ["0", "1"], "s3": "true", "s7": "Bài luận."})
    submit(client, attempt_id)
    assert get_attempt(app, attempt_id).status == "pending_review"

    trainer = app.test_client()
    login(trainer, "trainer@example.vn")
    queue = trainer.get("/marking").get_data(as_text=True)
    answer_id = answers_by_ident(app, attempt_id)["q-essay"].id
    assert f"/marking/{answer_id}" in queue
    url = f"/marking/{answer_id}"
    assert "Bài luận." in trainer.get(url).get_data(as_text=True)
    too_many = trainer.post(url, data={"csrf_token": page_token(trainer, url), "points": "5"})
    assert too_many.status_code == 200 and "0" in too_many.get_data(as_text=True)
    assert get_attempt(app, attempt_id).status == "pending_review"
    done = trainer.post(url, data={"csrf_token": page_token(trainer, url), "points": "1", "comment": "Tốt"})
    assert done.status_code == 302
    attempt = get_attempt(app, attempt_id)
    assert attempt.status == "graded" and attempt.points == pytest.approx(4.0) and attempt.passed
    with app.app_context():
        completions = db.session.scalars(select(CourseCompletion)).all()
        # Lessons: the fixture course has none, so the passed quiz completes it.
        assert [(c.person_id, c.via) for c in completions] == [(learner.person_id, "online")]
    assert "/marking/" not in trainer.get("/marking").get_data(as_text=True).split("<main", 1)[1]
    review = client.get(f"/attempts/{attempt_id}/review").get_data(as_text=True)
    assert "Tốt" in review


def test_a_trainer_cannot_read_an_essay_draft_of_an_open_attempt(app, client, learner, make_quiz):
    make_quiz()
    attempt_id = start(client)
    save(client, attempt_id, {"s7": "Bản nháp bí mật."})
    draft_id = answers_by_ident(app, attempt_id)["q-essay"].id
    trainer = app.test_client()
    login(trainer, "trainer@example.vn")
    url = f"/marking/{draft_id}"
    response = trainer.get(url)
    assert response.status_code == 404 and "Bản nháp bí mật." not in response.get_data(as_text=True)
    token = page_token(trainer, "/marking")
    assert trainer.post(url, data={"csrf_token": token, "points": "1"}).status_code == 404
    # Once submitted, the essay is there to read and mark.
    submit(client, attempt_id)
    assert "Bản nháp bí mật." in trainer.get(url).get_data(as_text=True)


def test_repeated_submit_returns_the_same_result(app, client, learner, make_quiz):
    make_quiz()
    attempt_id = start(client)
    save(client, attempt_id, {"s1": "0"})
    first = submit(client, attempt_id)
    second = submit(client, attempt_id)
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    with app.app_context():
        from lms.core.audit import AuditLog

        submits = db.session.scalars(select(AuditLog).where(AuditLog.action == "attempt.submit")).all()
        assert len(submits) == 1
    # Saving after the submit changes nothing.
    late = save(client, attempt_id, {"s1": "1"}, seq=999)
    assert late.status_code == 302 and late.headers["Location"].endswith("/review")
    assert answers_by_ident(app, attempt_id)["q-single"].response == 0


def test_stale_save_never_overwrites_a_newer_one(app, client, learner, make_quiz):
    make_quiz()
    attempt_id = start(client)
    token = page_token(client, f"/attempts/{attempt_id}")
    url = f"/attempts/{attempt_id}/autosave"
    headers = {"X-CSRFToken": token}
    newer = client.post(url, json={"seq": 7, "fields": [["s1", "2"], ["s4", "mới"]]}, headers=headers)
    assert newer.status_code == 200 and newer.get_json()["saved"] >= 2
    older = client.post(url, json={"seq": 5, "fields": [["s1", "0"], ["s4", "cũ"]]}, headers=headers)
    body = older.get_json()
    assert older.status_code == 200 and 1 in body["stale"] and 4 in body["stale"]
    answers = answers_by_ident(app, attempt_id)
    assert answers["q-single"].response == 2 and answers["q-short"].response == "mới"
    # The same sequence number again is stale too; a higher one wins.
    assert 1 in client.post(url, json={"seq": 7, "fields": [["s1", "0"]]}, headers=headers).get_json()["stale"]
    client.post(url, json={"seq": 8, "fields": [["s1", "0"]]}, headers=headers)
    assert answers_by_ident(app, attempt_id)["q-single"].response == 0
    # The plain form posts a sequence number above every saved one.
    assert save(client, attempt_id, {"s1": "1"}).status_code == 302
    assert answers_by_ident(app, attempt_id)["q-single"].response == 1


def test_autosave_refuses_bad_input_and_missing_csrf(app, client, learner, make_quiz):
    make_quiz()
    attempt_id = start(client)
    url = f"/attempts/{attempt_id}/autosave"
    assert client.post(url, json={"seq": 1, "fields": []}).status_code == 400  # no CSRF header
    headers = {"X-CSRFToken": page_token(client, f"/attempts/{attempt_id}")}
    assert client.post(url, data="nope", headers=headers).status_code == 400
    assert client.post(url, json={"seq": "1", "fields": []}, headers=headers).status_code == 400
    assert client.post(url, json={"seq": 0, "fields": []}, headers=headers).status_code == 400
    bad = client.post(url, json={"seq": 3, "fields": [["s5", "12.500,5"], ["s1", "99"]]}, headers=headers)
    assert bad.status_code == 200 and set(bad.get_json()["errors"]) == {"1", "5"}
    form = save(client, attempt_id, {"s5": "mười hai"}, seq=10)
    assert form.status_code == 302
    page = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    assert "Câu 5" in page or "Question 5" in page


def test_deadline_and_grace(app, client, learner, make_quiz, runner):
    make_quiz("title: Có giờ\ncourse: khoa-hoc-thu\ntime_limit_minutes: 10\nshuffle_questions: false\n"
              "questions:\n  - {id: a, type: truefalse, text: 'Đúng?', answer: true}\n"
              "  - {id: b, type: truefalse, text: 'Sai?', answer: false}\n", slug="co-gio")
    attempt_id = start(client, "co-gio")
    grace = app.config["QUIZ_GRACE_SECONDS"]

    def move_deadline(seconds_ago: int):
        with app.app_context():
            attempt = db.session.get(Attempt, attempt_id)
            attempt.deadline = utcnow() - timedelta(seconds=seconds_ago)
            db.session.commit()

    save(client, attempt_id, {"s1": "true"})
    move_deadline(grace // 2)  # past the deadline, within the grace period: still saved
    assert save(client, attempt_id, {"s1": "true", "s2": "false"}).headers["Location"] == f"/attempts/{attempt_id}"
    move_deadline(grace + 5)  # past the grace period: the save is refused, the attempt closes
    late = save(client, attempt_id, {"s1": "false", "s2": "true"}, seq=500)
    assert late.headers["Location"].endswith("/review")
    attempt = get_attempt(app, attempt_id)
    assert attempt.status == "graded" and attempt.close_reason == "timeout" and attempt.score == 100.0

    # Another attempt left open closes on the next page view.
    second = start(client, "co-gio")
    with app.app_context():
        row = db.session.get(Attempt, second)
        row.deadline = utcnow() - timedelta(seconds=grace + 1)
        db.session.commit()
    response = client.get(f"/attempts/{second}")
    assert response.status_code == 302 and response.headers["Location"].endswith("/review")
    assert get_attempt(app, second).status == "graded"

    # And by the CLI.
    third = start(client, "co-gio")
    with app.app_context():
        row = db.session.get(Attempt, third)
        row.deadline = utcnow() - timedelta(seconds=grace + 1)
        db.session.commit()
    result = runner.invoke(args=["lms", "close-overdue"])
    assert result.exit_code == 0 and "closed 1" in result.output
    assert get_attempt(app, third).close_reason == "timeout"


def test_max_attempts_and_dates(app, client, learner, make_quiz):
    make_quiz("title: Hai lần\ncourse: khoa-hoc-thu\nmax_attempts: 2\n"
              "questions:\n  - {id: a, type: truefalse, text: 'Đúng?', answer: true}\n", slug="hai-lan")
    for _ in range(2):
        attempt_id = start(client, "hai-lan")
        assert start(client, "hai-lan") == attempt_id  # continuing, not a new attempt
        submit(client, attempt_id)
    token = page_token(client, "/quizzes/hai-lan")
    refused = client.post("/quizzes/hai-lan/start", data={"csrf_token": token}, follow_redirects=True)
    assert "hết số lần" in refused.get_data(as_text=True) or "used all" in refused.get_data(as_text=True)

    make_quiz("title: Chưa mở\ncourse: khoa-hoc-thu\nopens_at: 2999-01-01T00:00:00+07:00\n"
              "questions:\n  - {id: a, type: truefalse, text: 'Đúng?', answer: true}\n", slug="chua-mo")
    token = page_token(client, "/quizzes/chua-mo")
    response = client.post("/quizzes/chua-mo/start", data={"csrf_token": token})
    assert response.headers["Location"] == "/quizzes/chua-mo"
    with app.app_context():
        assert db.session.scalar(select(Attempt).join(Attempt.quiz).where(Attempt.quiz.has(slug="chua-mo"))) is None


def test_not_enrolled_learner_cannot_start(app, users, make_quiz, course_id):
    make_quiz()
    client = app.test_client()
    login(client, "learner@example.vn")
    assert client.get("/quizzes/kiem-tra").status_code == 403
    token = page_token(client, "/account")
    assert client.post("/quizzes/kiem-tra/start", data={"csrf_token": token}).status_code == 403


@pytest.mark.parametrize(
    ("mode", "shows_score", "shows_correctness", "shows_feedback"),
    [("score", True, False, False), ("correctness", True, True, False), ("answers", True, True, True),
     ("answers_always", True, True, True)],
)
def test_review_options(app, client, learner, make_quiz, mode, shows_score, shows_correctness, shows_feedback):
    make_quiz(
        "title: Xem lại\ncourse: khoa-hoc-thu\nreview: " + mode + "\nshuffle_choices: false\n"
        "questions:\n  - id: a\n    type: single\n    text: Chọn\n    feedback: GENERAL-FB-XYZ\n"
        "    choices:\n      - {text: Có, correct: true, feedback: CHOICE-FB-XYZ}\n      - {text: Không}\n",
        slug="xem-lai",
    )
    attempt_id = start(client, "xem-lai")
    save(client, attempt_id, {"s1": "0"})
    submit(client, attempt_id)
    html = client.get(f"/attempts/{attempt_id}/review").get_data(as_text=True)
    assert ("100.0 %" in html) is shows_score
    assert ('class="badge ok">' in html and ("Đúng" in html or "Correct" in html)) is shows_correctness
    assert ("CHOICE-FB-XYZ" in html and "GENERAL-FB-XYZ" in html) is shows_feedback


HARVEST_QUIZ = """\
title: Cuối khóa
course: khoa-hoc-thu
pass_mark: 100
max_attempts: {attempts}
review: {review}
shuffle_choices: false
questions:
  - id: a
    type: single
    text: Chọn
    feedback: GENERAL-FB-XYZ
    choices:
      - {{text: Có, correct: true, feedback: CHOICE-FB-XYZ}}
      - {{text: Không, feedback: WRONG-FB-XYZ}}
"""


def _shows_answers(html: str) -> bool:
    keys = ("GENERAL-FB-XYZ" in html, 'class=" right"' in html or 'class="chosen right"' in html)
    assert keys[0] == keys[1], "feedback and right answers are shown together"
    return keys[0]


def _blank_attempt(client) -> int:
    attempt_id = start(client, "cuoi-khoa")
    submit(client, attempt_id)
    return attempt_id


def test_answers_are_not_shown_while_attempts_remain(app, client, learner, make_quiz):
    """A blank first attempt does not reveal the key for the next ones (review: answers)."""
    make_quiz(HARVEST_QUIZ.format(attempts=2, review="answers"), slug="cuoi-khoa")
    first = _blank_attempt(client)
    html = client.get(f"/attempts/{first}/review").get_data(as_text=True)
    assert not _shows_answers(html) and "WRONG-FB-XYZ" not in html
    assert 'class="badge bad"' in html  # which questions were right: yes
    assert "dùng hết số lần làm bài" in html  # and when the answers will be shown
    # The last attempt is used: now both reviews show the answers.
    second = _blank_attempt(client)
    for attempt_id in (second, first):
        assert _shows_answers(client.get(f"/attempts/{attempt_id}/review").get_data(as_text=True))


def test_answers_are_shown_once_the_learner_passes(app, client, learner, make_quiz):
    make_quiz(HARVEST_QUIZ.format(attempts=0, review="answers"), slug="cuoi-khoa")
    first = _blank_attempt(client)
    assert not _shows_answers(client.get(f"/attempts/{first}/review").get_data(as_text=True))
    passed = start(client, "cuoi-khoa")
    save(client, passed, {"s1": "0"})
    # While an attempt is open, even the old review keeps the answers hidden.
    assert not _shows_answers(client.get(f"/attempts/{first}/review").get_data(as_text=True))
    submit(client, passed)
    assert get_attempt(app, passed).passed is True
    assert _shows_answers(client.get(f"/attempts/{first}/review").get_data(as_text=True))


def test_answers_after_every_attempt_only_when_asked(app, client, learner, make_quiz):
    make_quiz(HARVEST_QUIZ.format(attempts=3, review="answers_always"), slug="cuoi-khoa")
    first = _blank_attempt(client)
    assert _shows_answers(client.get(f"/attempts/{first}/review").get_data(as_text=True))


def test_review_only_after_close(app, client, learner, make_quiz):
    closes = (utcnow() + timedelta(days=2)).isoformat()
    make_quiz(
        "title: Sau hạn\ncourse: khoa-hoc-thu\nclose_placeholder: 1\n".replace("close_placeholder: 1", f"closes_at: {closes}")
        + "review_after_close: true\nquestions:\n  - {id: a, type: truefalse, text: 'Đúng?', answer: true, feedback: HIDDEN-FB}\n",
        slug="sau-han",
    )
    attempt_id = start(client, "sau-han")
    save(client, attempt_id, {"s1": "true"})
    submit(client, attempt_id)
    html = client.get(f"/attempts/{attempt_id}/review").get_data(as_text=True)
    assert "HIDDEN-FB" not in html and "100.0 %" not in html
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        attempt.quiz.closes_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    html = client.get(f"/attempts/{attempt_id}/review").get_data(as_text=True)
    assert "HIDDEN-FB" in html and "100.0 %" in html


def test_learners_never_see_another_learners_attempt(app, client, learner, make_quiz, make_user, course_id):
    make_quiz()
    attempt_id = start(client)
    save(client, attempt_id, {"s4": "BÍ-MẬT-CỦA-TÔI"})
    other = make_user(("learner",), email="other@example.vn")
    enrol(app, other, course_id)
    intruder = app.test_client()
    login(intruder, "other@example.vn")
    for url in (f"/attempts/{attempt_id}", f"/attempts/{attempt_id}/review", f"/attempts/{attempt_id}/submit"):
        assert intruder.get(url).status_code == 403
    token = page_token(intruder, "/account")
    assert intruder.post(f"/attempts/{attempt_id}/submit", data={"csrf_token": token}).status_code == 403
    assert intruder.post(f"/attempts/{attempt_id}/autosave", json={"seq": 99, "fields": [["s4", "x"]]},
                         headers={"X-CSRFToken": token}).status_code == 403
    assert intruder.get("/quizzes/kiem-tra/gradebook").status_code == 403
    submit(client, attempt_id)
    assert intruder.get(f"/attempts/{attempt_id}/review").status_code == 403
    assert "BÍ-MẬT-CỦA-TÔI" not in intruder.get("/quizzes/kiem-tra").get_data(as_text=True)
    assert answers_by_ident(app, attempt_id)["q-short"].response == "BÍ-MẬT-CỦA-TÔI"


def test_trainer_preview_is_not_counted(app, users, make_quiz):
    make_quiz()
    trainer = app.test_client()
    login(trainer, "trainer@example.vn")
    attempt_id = start(trainer)
    assert get_attempt(app, attempt_id).preview is True
    submit(trainer, attempt_id)
    html = trainer.get("/quizzes/kiem-tra/gradebook").get_data(as_text=True)
    assert "trainer@example.vn" not in html


def test_a_passed_final_quiz_says_the_course_is_complete_and_links_the_certificate(app, client, learner, make_quiz):
    make_quiz()
    failed = start(client)
    submit(client, failed)
    page = client.get(f"/attempts/{failed}/review").get_data(as_text=True)
    assert "/my/certificates" not in page.split("<main", 1)[1]

    attempt_id = start(client)
    save(client, attempt_id, {
        "s1": "0", "s2": ["0", "2"], "s3": "true", "s4": "hà nội", "s5": "12500",
        "s6_0": "0", "s6_1": "1",
    })
    done = submit(client, attempt_id)
    assert done.status_code == 302
    page = client.get(done.headers["Location"]).get_data(as_text=True)
    main = page.split("<main", 1)[1]
    assert "Khoá học thử" in main and 'href="/my/certificates"' in main
    assert "Chúc mừng! Bạn đã hoàn thành khoá học" in main
    # Said once: the next visit shows the review only.
    again = client.get(f"/attempts/{attempt_id}/review").get_data(as_text=True)
    assert 'href="/my/certificates"' not in again.split("<main", 1)[1]


def test_the_completion_notice_escapes_the_course_title(app, client, learner, make_quiz, course_id):
    from lms.catalog.models import Course

    with app.app_context():
        db.session.get(Course, course_id).title = "<b>Khoá</b>"
        db.session.commit()
    make_quiz()
    attempt_id = start(client)
    save(client, attempt_id, {"s1": "0", "s2": ["0", "2"], "s3": "true", "s4": "hà nội", "s5": "12500",
                              "s6_0": "0", "s6_1": "1"})
    page = client.get(submit(client, attempt_id).headers["Location"]).get_data(as_text=True)
    assert "&lt;b&gt;Khoá&lt;/b&gt;" in page and "<b>Khoá</b>" not in page


SPELLINGS_QUIZ = """
title: Sổ sách
course: khoa-hoc-thu
pass_mark: 50
review: answers
questions:
  - id: q-book
    type: short
    text: Ghi hàng nhập vào sổ nào?
    answers:
      - sổ kho
      - so kho
      - kho
      - SỔ KHO
"""


def test_review_shows_accepted_short_answers_readably(app, client, learner, make_quiz):
    """Issue 17: spellings that differ only in accents or case are one answer, shown with its
    accents; other accepted answers follow as "also accepted" (not "kho; sổ kho; so kho")."""
    make_quiz(SPELLINGS_QUIZ, slug="so-sach")
    attempt_id = start(client, "so-sach")
    save(client, attempt_id, {"s1": "sổ kho"}, action="submit")
    html = client.get(f"/attempts/{attempt_id}/review").get_data(as_text=True)
    right = html.split("Đáp án đúng", 1)[1].split("</p>", 1)[0]
    assert "sổ kho" in right and "cũng chấp nhận" in right and "kho)" in right
    assert "so kho" not in right and "SỔ KHO" not in right and right.count("sổ kho") == 1

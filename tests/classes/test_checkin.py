"""Check-in with a day's code: only in the window, only for people on the roster."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time

import pytest
from sqlalchemy import select

from lms.extensions import db
from tests.support.classes import make_class
from tests.support.client import csrf_token, login, post_form

# 10 March 2026, 07:30–11:30 in Asia/Ho_Chi_Minh (UTC+7) = 00:30–04:30 UTC.
DAY = [(date(2026, 3, 10), time(7, 30), time(11, 30))]


def _setup(app, world, users):
    from lms.classes import services
    from lms.classes.models import TrainingClass

    class_id = make_class(app, world, days=DAY, trainers=[users["trainer"].id])
    with app.app_context():
        training_class = db.session.get(TrainingClass, class_id)
        services.add_people(training_class, [world["learner_person"], world["people"][0]], actor=None)
        db.session.commit()
        return class_id, training_class.days[0].id, training_class.days[0].checkin_code


@pytest.mark.parametrize(("moment", "mark"), [
    (datetime(2026, 3, 9, 23, 59, tzinfo=UTC), None),        # 06:59 local: before the window
    (datetime(2026, 3, 10, 0, 0, tzinfo=UTC), "present"),    # 07:00 local: 30 minutes early
    (datetime(2026, 3, 10, 0, 45, tzinfo=UTC), "present"),   # 07:45 local: 15 minutes after the start
    (datetime(2026, 3, 10, 0, 45, 1, tzinfo=UTC), "late"),   # 07:45:01 local: late
    (datetime(2026, 3, 10, 4, 30, tzinfo=UTC), "late"),      # 11:30 local: the end
    (datetime(2026, 3, 10, 4, 31, tzinfo=UTC), None),        # 11:31 local: closed
    (datetime(2026, 3, 11, 1, 0, tzinfo=UTC), None),         # the next day
])
def test_checkin_window(app, world, users, moment, mark):
    from lms.auth.models import User
    from lms.classes import services
    from lms.classes.models import Attendance
    from lms.core.errors import ServiceError

    _class_id, day_id, code = _setup(app, world, users)
    with app.app_context():
        learner = db.session.get(User, users["learner"].id)
        if mark:
            day, recorded = services.check_in(learner, code.lower(), now=moment)
            assert (day.id, recorded) == (day_id, mark)
        else:
            with pytest.raises(ServiceError):
                services.check_in(learner, code, now=moment)
        db.session.commit()
        marks = db.session.scalars(select(Attendance.status).where(Attendance.day_id == day_id)).all()
    assert marks == ([mark] if mark else [])


def test_checkin_refused_when_not_on_roster_and_never_overrides_trainer(app, world, users, make_user):
    from lms.auth.models import User
    from lms.classes import services
    from lms.classes.models import Attendance, ClassDay
    from lms.core.errors import ServiceError

    _class_id, day_id, code = _setup(app, world, users)
    stranger = make_user(("learner",), email="stranger@example.vn")
    during = datetime(2026, 3, 10, 1, 0, tzinfo=UTC)
    with app.app_context():
        with pytest.raises(ServiceError, match="danh sách lớp"):
            services.check_in(db.session.get(User, stranger.id), code, now=during)
        with pytest.raises(ServiceError):
            services.check_in(db.session.get(User, users["learner"].id), "ZZZZZZ", now=during)
        services.mark(db.session.get(ClassDay, day_id), world["learner_person"], "excused", actor=None, now=during)
        _day, recorded = services.check_in(db.session.get(User, users["learner"].id), code, now=during)
        assert recorded == "excused"  # the trainer's mark stands, and the learner is told so
        services.check_in(db.session.get(User, users["learner"].id), code, now=during)  # twice: harmless
        db.session.commit()
        rows = db.session.execute(select(Attendance.person_id, Attendance.status)).all()
    assert rows == [(world["learner_person"], "excused")]


def test_checkin_page_refuses_outside_window_with_a_message(app, client, world, users):
    _class_id, _day_id, code = _setup(app, world, users)
    login(client, "learner@example.vn")
    page = client.get(f"/checkin/{code}")
    assert page.status_code == 200 and code in page.get_data(as_text=True)
    # The class day (March 2026) is not today: the code is refused with a message beside the field.
    response = post_form(client, "/checkin", {"code": code})
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert 'class="error"' in text


@pytest.mark.parametrize(("moment", "message"), [
    (datetime(2026, 3, 10, 0, 40, tzinfo=UTC), "You are checked in to"),
    (datetime(2026, 3, 10, 1, 0, tzinfo=UTC), "after the start: marked late"),
])
def test_checkin_page_says_present_or_late(app, client, world, users, monkeypatch, moment, message):
    from lms.classes import services

    _class_id, _day_id, code = _setup(app, world, users)
    monkeypatch.setattr(services, "utcnow", lambda: moment)
    login(client, "learner@example.vn")
    client.post("/language", data={"lang": "en", "csrf_token": csrf_token(client, "/account")})
    response = post_form(client, "/checkin", {"code": code}, follow_redirects=True)
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and message in text
    assert ("marked late" in text) == (message != "You are checked in to")


def test_trainer_sees_code_and_qr(app, client, world, users):
    class_id, day_id, code = _setup(app, world, users)
    login(client, "trainer@example.vn")
    page = client.get(f"/classes/{class_id}/days/{day_id}/code").get_data(as_text=True)
    assert code in page and "qr.svg" in page
    qr = client.get(f"/classes/{class_id}/days/{day_id}/qr.svg")
    assert qr.status_code == 200 and qr.mimetype == "image/svg+xml" and b"<svg" in qr.data


def test_trainer_sees_checkins_arrive(app, client, world, users):
    from lms.auth.models import User
    from lms.classes import services

    class_id, day_id, code = _setup(app, world, users)
    login(client, "trainer@example.vn")
    url = f"/classes/{class_id}/days/{day_id}/marks.json"
    assert client.get(url).get_json() == {"marks": {}, "checked_in": []}
    with app.app_context():
        services.check_in(db.session.get(User, users["learner"].id), code,
                          now=datetime(2026, 3, 10, 1, 0, tzinfo=UTC))
        db.session.commit()
    person = str(world["learner_person"])
    # 08:00 local, half an hour after the start: late (which still counts as attended).
    assert client.get(url).get_json() == {"marks": {person: "late"}, "checked_in": [int(person)]}
    page = client.get(f"/classes/{class_id}/days/{day_id}").get_data(as_text=True)
    assert '<small class="checkin">' in page


@pytest.mark.parametrize("app_config", [{"CHECKIN_RATE_LIMIT": "5/minute"}])
def test_checkin_is_throttled_and_gives_one_answer_for_any_unusable_code(app, client, world, users, make_user,
                                                                         monkeypatch):
    """Issue 18, finding 6: unknown, not open yet, closed, or not on the roster: the same answer,
    so that the answers do not reveal valid codes; and codes cannot be tried in bulk."""
    from lms.classes import services

    _class_id, _day_id, code = _setup(app, world, users)
    make_user(("learner",), email="stranger@example.vn")
    stranger = app.test_client()
    login(stranger, "stranger@example.vn")
    login(client, "learner@example.vn")
    answers = {}
    for name, who, moment, tried in [
        ("unknown", client, datetime(2026, 3, 10, 1, 0, tzinfo=UTC), "ZZZZZZ"),
        ("not open", client, datetime(2026, 3, 9, 1, 0, tzinfo=UTC), code),
        ("closed", client, datetime(2026, 3, 11, 1, 0, tzinfo=UTC), code),
        ("not on the roster", stranger, datetime(2026, 3, 10, 1, 0, tzinfo=UTC), code),
    ]:
        monkeypatch.setattr(services, "utcnow", lambda moment=moment: moment)
        response = post_form(who, "/checkin", {"code": tried})
        assert response.status_code == 400, name
        answers[name] = re.findall(r'class="error"[^>]*>([^<]+)<', response.get_data(as_text=True))
    assert all(answers.values()) and len({tuple(a) for a in answers.values()}) == 1, answers
    # 5 a minute per learner: the client has used 3; two more, then refused.
    for _ in range(2):
        assert post_form(client, "/checkin", {"code": "ZZZZZZ"}).status_code == 400
    assert post_form(client, "/checkin", {"code": "ZZZZZZ"}).status_code == 429
    # Another learner is not affected.
    assert post_form(stranger, "/checkin", {"code": "ZZZZZZ"}).status_code == 400

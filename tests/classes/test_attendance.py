"""Attendance: plain forms, the JSON endpoint (idempotent, CSRF), corrections in the audit log."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time

from sqlalchemy import select

from lms.extensions import db
from tests.support.classes import make_class
from tests.support.client import csrf_token, login, post_form


def _class(app, world, users, days=None):
    from lms.classes import services
    from lms.classes.models import TrainingClass

    class_id = make_class(app, world, trainers=[users["trainer"].id], days=days)
    with app.app_context():
        training_class = db.session.get(TrainingClass, class_id)
        services.add_people(training_class, world["people"][:3], actor=None)
        db.session.commit()
        return class_id, [d.id for d in training_class.days]


def _marks(app, day_id):
    from lms.classes.models import Attendance

    with app.app_context():
        return {a.person_id: a.status for a in db.session.scalars(select(Attendance).where(Attendance.day_id == day_id))}


def _audit(app, action="class.attendance_correct"):
    from lms.core.audit import AuditLog

    with app.app_context():
        return [(a.actor_id, a.object_id, a.details) for a in
                db.session.scalars(select(AuditLog).where(AuditLog.action == action).order_by(AuditLog.id))]


def test_plain_form_marks_and_mark_all_present(app, client, world, users):
    class_id, (day_id, _) = _class(app, world, users)
    people = world["people"]
    login(client, "trainer@example.vn")
    url = f"/classes/{class_id}/days/{day_id}"
    page = client.get(url).get_data(as_text=True)
    assert "attendance.js" in page and 'name="status" value="late"' in page
    response = post_form(client, url, {"person_id": people[1], "status": "late"})
    assert response.status_code == 302
    response = post_form(client, f"{url}/all-present", {}, token_from=url)
    assert response.status_code == 302
    # "Mark all present" leaves existing marks alone.
    assert _marks(app, day_id) == {people[0]: "present", people[1]: "late", people[2]: "present"}
    # A person not on the roster is refused, and nothing is written.
    response = post_form(client, url, {"person_id": world["outsider"], "status": "present"}, follow_redirects=True)
    assert "not on the roster" in response.get_data(as_text=True) or "không có trong danh sách" in response.get_data(as_text=True)
    assert world["outsider"] not in _marks(app, day_id)


def test_json_endpoint_is_idempotent_and_needs_csrf(app, client, world, users):
    class_id, (day_id, _) = _class(app, world, users)
    people = world["people"]
    login(client, "trainer@example.vn")
    url = f"/classes/{class_id}/days/{day_id}/marks.json"
    body = json.dumps({"marks": [{"person_id": people[0], "status": "present"},
                                 {"person_id": people[1], "status": "excused"},
                                 {"person_id": world["outsider"], "status": "present"},
                                 {"person_id": people[2], "status": "sleeping"}]})
    assert client.post(url, data=body, content_type="application/json").status_code == 400  # no CSRF token
    token = csrf_token(client, f"/classes/{class_id}/days/{day_id}")
    headers = {"X-CSRFToken": token}
    for _ in range(3):  # the phone repeats the same queue after a dropped connection
        response = client.post(url, data=body, content_type="application/json", headers=headers)
        assert response.status_code == 200
        data = response.get_json()
        assert sorted(data["saved"]) == sorted([people[0], people[1]])
        assert {e["person_id"] for e in data["errors"]} == {world["outsider"], people[2]}
    assert _marks(app, day_id) == {people[0]: "present", people[1]: "excused"}
    assert client.get(url).get_json()["marks"] == {str(people[0]): "present", str(people[1]): "excused"}
    bad = client.post(url, data="not json", content_type="application/json", headers=headers)
    assert bad.status_code == 400


def test_corrections_after_the_day_are_audited_with_old_and_new(app, client, world, users):
    # A day in the past: every change is a correction.
    class_id, (day_id, _) = _class(app, world, users, days=[(date(2025, 1, 6), time(8), time(11)),
                                                            (date(2025, 1, 7), time(8), time(11))])
    people = world["people"]
    login(client, "trainer@example.vn")
    url = f"/classes/{class_id}/days/{day_id}"
    assert "audit log" in client.get(url).get_data(as_text=True) or "nhật ký" in client.get(url).get_data(as_text=True)
    post_form(client, url, {"person_id": people[0], "status": "absent"})
    post_form(client, url, {"person_id": people[0], "status": "present"})
    post_form(client, url, {"person_id": people[0], "status": "present"})  # no change: no entry
    entries = _audit(app)
    assert [(e[1], e[2]["person_id"], e[2]["old"], e[2]["new"]) for e in entries] == [
        (str(day_id), people[0], None, "absent"), (str(day_id), people[0], "absent", "present"),
    ]
    assert all(e[0] == users["trainer"].id for e in entries)


def test_marks_during_the_day_are_not_corrections(app, world, users):
    from lms.classes import services
    from lms.classes.models import ClassDay

    class_id, (day_id, _) = _class(app, world, users)
    with app.app_context():
        day = db.session.get(ClassDay, day_id)
        during = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)  # 09:00 in Hà Nội time
        services.mark(day, world["people"][0], "present", actor=None, now=during)
        services.mark(day, world["people"][0], "late", actor=None, now=during)
        db.session.commit()
    assert _audit(app) == []

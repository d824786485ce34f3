"""Hostile fields in the forms that change objects: the stored state is exactly what the
legitimate fields say, and another area's objects never change.

Every post below carries extra fields — ``user_id``, ``person_id``, ``score``, ``role``,
``roles``, ``unit``, ``unit_id``, ``is_admin``, ``status``, ``passed`` and ids of the other
side's objects — pointing at learner B's side (commune Y) while acting on learner A's
(commune X), in the world of tests/support/world.py. Where a form owns one of these names
(the attendance form's ``person_id`` and ``status``, the class form's ``unit``, the user
form's ``roles``), the legitimate value is the one sent, and hostile *values* of those
fields are tried separately.

The profile form and the quiz attempt posts have their own tests
(tests/auth/test_mass_assignment.py, tests/assessments/test_mass_assignment.py).
"""

from __future__ import annotations

import io

from sqlalchemy import select

from lms.extensions import db
from tests.support import world as W
from tests.support.client import CSRF_RE, post_form
from tests.support.users import PASSWORD


def hostile(w: dict) -> dict[str, str]:
    """Extra fields naming B's side (and a few privileges)."""
    return {
        "user_id": str(w["user_learner_b"]), "person_id": str(w["person_b"]), "score": "100", "role": "admin",
        "roles": "admin", "unit": str(w["unit_b"]), "unit_id": str(w["unit_b"]), "is_admin": "1",
        "status": "finished", "passed": "y", "class_id": str(w["class_b"]), "day_id": str(w["day_b"]),
        "course_id": "1", "id": str(w["user_learner_b"]), "created_by_id": str(w["user_learner_b"]),
        "posttest_score": "100", "source": "checkin", "marked_by_id": str(w["user_learner_b"]),
        "attempt_id": str(w["done_b"]), "answer_id": str(w["essay_b"]), "code": w["cert_b"],
        "revoked_at": "2020-01-01", "version": "99", "person": str(w["person_b"]), "active": "0",
    }


def _token(client) -> str:
    return CSRF_RE.search(client.get("/account").get_data(as_text=True)).group(1)


# --- classes ------------------------------------------------------------------------------------


def _class_state(class_id: int) -> dict:
    from lms.classes.models import Attendance, ClassDay, RosterEntry, TrainingClass

    training_class = db.session.get(TrainingClass, class_id)
    return {
        "fields": (training_class.status, training_class.unit_id, training_class.title, training_class.capacity, training_class.created_by_id, training_class.course_id),
        "trainers": sorted(r.user_id for r in training_class.trainer_rows),
        "roster": dict(db.session.execute(
            select(RosterEntry.person_id, RosterEntry.posttest_score).where(RosterEntry.class_id == class_id)
        ).all()),
        "marks": {(day, pid): (status, source) for day, pid, status, source in db.session.execute(
            select(Attendance.day_id, Attendance.person_id, Attendance.status, Attendance.source)
            .join(ClassDay, ClassDay.id == Attendance.day_id).where(ClassDay.class_id == class_id)
        )},
    }


def test_class_posts_change_only_what_their_fields_say(app):
    w = W.build(app)
    clients = W.clients(app)
    trainer, manager = clients["trainer"], clients["manager_x"]
    extra = hostile(w)
    cx, cy, day = w["class_a"], w["class_b"], w["day_a"]
    a, b = w["person_a"], w["person_b"]
    with app.app_context():
        before_x, before_y = _class_state(cx), _class_state(cy)

    # Attendance, plain form: A's mark changes; B (not on this roster) cannot be marked.
    for person, status in ((a, "late"), (b, "present")):
        response = post_form(trainer, f"/classes/{cx}/days/{day}", {**extra, "person_id": person, "status": status})
        assert response.status_code == 302
    # Attendance, JSON (the phone's queue): extra keys in the document and in each mark.
    response = trainer.post(
        f"/classes/{cx}/days/{day}/marks.json", headers={"X-CSRFToken": _token(trainer)},
        json={**extra, "marks": [{**extra, "person_id": a, "status": "excused"},
                                 {**extra, "person_id": b, "status": "present"}]},
    )
    assert response.status_code == 200
    body = response.get_json()
    assert body["saved"] == [a] and [e["person_id"] for e in body["errors"]] == [b]
    # Paper scores: a field for B (not on this roster) and score-like extras are ignored.
    response = post_form(trainer, f"/classes/{cx}/scores", {**extra, "scale": "100", f"score-{a}": "55", f"score-{b}": "100"})
    assert response.status_code == 302
    # Roster: B is outside the manager's area, whatever the other fields say.
    assert post_form(manager, f"/classes/{cx}/people", {**extra, "person_ids": [str(b)]}).status_code == 302
    # Status: only "running" and "cancelled" may be posted.
    assert post_form(manager, f"/classes/{cx}/status", {**extra, "status": "finished"},
                     token_from="/account").status_code == 400
    assert post_form(manager, f"/classes/{cx}/status", {**extra, "status": "running"},
                     token_from="/account").status_code == 302
    # Class form: the unit must be one of the manager's; extras change nothing else.
    with app.app_context():
        from lms.catalog.models import Course

        course = db.session.scalar(select(Course.id).where(Course.slug == W.CLASS_COURSE))
    fields = {"course": str(course), "title": "Lớp Alpha (sửa)", "unit": str(w["unit_a"]), "venue": "Nhà văn hóa",
              "days": "2026-03-10 07:30-11:30\n2026-03-11 07:30-11:30", "capacity": "40",
              "threshold_percent": "50", "pass_mark": "70", "quiz": "", "certificate_template": "",
              "trainers": [str(w["user_trainer"])]}
    moved = post_form(manager, f"/classes/{cx}/edit", {**extra, **fields, "unit": str(w["unit_b"])})
    assert moved.status_code == 200  # "Not a valid choice" beside the unit
    assert post_form(manager, f"/classes/{cx}/edit", {**extra, **fields}).status_code == 302
    # A trainer who leaves themself out of the trainers stays on (the form's rule).
    assert post_form(trainer, f"/classes/{cx}/edit", {**extra, **fields, "trainers": []}).status_code == 302

    with app.app_context():
        after_x, after_y = _class_state(cx), _class_state(cy)
    assert after_y == before_y  # nothing of class Y changed
    status, unit, title, capacity, created_by, course_id = after_x["fields"]
    assert (status, unit, title, capacity) == ("running", w["unit_a"], "Lớp Alpha (sửa)", 40)
    assert (created_by, course_id) == before_x["fields"][4:]
    assert after_x["trainers"] == [w["user_trainer"]]
    assert after_x["roster"] == {a: 55.0}
    assert after_x["marks"] == {(day, a): ("excused", "trainer")}

    # Removing A from class X with B's class and person in the extras: only that row goes.
    assert post_form(manager, f"/classes/{cx}/people/{a}/remove", extra, token_from="/account").status_code == 302
    with app.app_context():
        assert _class_state(cx)["roster"] == {}
        assert _class_state(cy) == before_y


# --- certificates, registry, tokens ------------------------------------------------------------------


def _certificates() -> dict:
    from lms.certification.models import Certificate

    return {(c.person_id, c.course_id): (c.code, c.holder_name, c.version, c.revoked_at, c.issuer)
            for c in db.session.scalars(select(Certificate))}


def _upload(client, name: str, text: str):
    response = post_form(client, "/registry/import",
                         {"file": (io.BytesIO(text.encode()), name), "kind": "", "scheme": "2025"},
                         content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response.headers["Location"]


def _registry_state() -> dict:
    from lms.catalog.models import CourseCompletion
    from lms.registry.models import Organisation, Person

    return {
        "people": {p.id: (p.full_name, p.unit_id, p.organisation_id, p.phone, p.national_id, p.target_group)
                   for p in db.session.scalars(select(Person))},
        "orgs": {o.id: (o.code, o.name, o.unit_id, o.status) for o in db.session.scalars(select(Organisation))},
        "completions": set(db.session.execute(
            select(CourseCompletion.person_id, CourseCompletion.course_id)
        ).all()),
    }


def _diff(before: dict, after: dict) -> dict:
    out = {}
    for key, now in after.items():
        if isinstance(now, set):
            if now != before[key]:
                out[key] = sorted(now ^ before[key])
            continue
        changed = {i: (before[key].get(i), v) for i, v in now.items() if before[key].get(i) != v}
        if changed:
            out[key] = changed
    return out


def test_certificate_registry_and_token_posts(app):
    from lms.catalog.models import Course
    from lms.certification.models import Certificate

    w = W.build(app)
    clients = W.clients(app)
    manager, other_manager, admin = clients["manager_x"], clients["manager_y"], clients["admin"]
    extra = hostile(w)
    with app.app_context():
        manual = db.session.scalar(select(Course.id).where(Course.slug == W.MANUAL_COURSE))
        before = _certificates()

    # Issuing A's certificate by hand: for A's completion, whatever the extras name.
    response = post_form(manager, f"/certificates/issue/{w['pending_a']}",
                         {**extra, "issuer": "Sở Nông nghiệp", "holder_name": "Kẻ Khác", "course_id": str(manual)})
    assert response.status_code == 302
    # Correcting A's certificate: the form's fields change, the holder and code do not.
    with app.app_context():
        cert = db.session.scalar(select(Certificate).where(Certificate.code == w["cert_a"]))
        legit = {"holder_name": W.NAMES["a"] + " (sửa)", "course_title": cert.course_title, "hours": "4",
                 "completed_on": cert.completed_on.isoformat(), "issued_on": cert.issued_on.isoformat(),
                 "issuer": "Sở Nông nghiệp", "note": "Sửa tên"}
    assert post_form(manager, f"/certificates/{w['cert_a']}/correct", {**extra, **legit}).status_code == 302
    # Revoking A's certificate from the other area: refused, with a valid reason too.
    reason = {"reason": "error", "note": "thử"}
    assert post_form(other_manager, f"/certificates/{w['cert_a']}/revoke", {**extra, **reason},
                     token_from="/account").status_code == 403

    with app.app_context():
        after = _certificates()
        a_person, b_person = w["person_a"], w["person_b"]
        issued = after.pop((a_person, manual))
        assert issued[1:] == (W.NAMES["a"], 1, None, "Sở Nông nghiệp") and issued[0] != w["cert_b"]
        corrected = {k: v for k, v in after.items() if v[0] == w["cert_a"]}
        ((key, value),) = corrected.items()
        assert key[0] == a_person and value[1:4] == (W.NAMES["a"] + " (sửa)", 2, None)
        # B's certificate and B's completion waiting for one are untouched.
        b_rows = {k: v for k, v in after.items() if k[0] == b_person}
        assert b_rows == {k: v for k, v in before.items() if k[0] == b_person}
        assert (b_person, manual) not in after

    # API token: it belongs to whoever creates it.
    response = post_form(manager, "/account/tokens",
                         {**extra, "name": "Của tôi", "user_id": str(w["user_manager_y"])})
    assert response.status_code == 200
    with app.app_context():
        from lms.apitokens.models import ApiToken

        owners = {t.name: t.user_id for t in db.session.scalars(select(ApiToken))}
    assert owners["Của tôi"] == w["user_manager_x"]

    # Unit assignment by the administrator: the named account and unit only.
    response = post_form(admin, "/registry/assignments",
                         {**extra, "login": "trainer@example.vn", "unit_code": w["unit_code_b"], "scheme": "2025"})
    assert response.status_code == 302
    with app.app_context():
        from lms.auth.models import User
        from lms.registry.models import UnitAssignment

        pairs = set(db.session.execute(select(UnitAssignment.user_id, UnitAssignment.unit_id)).all())
        assert pairs == {(w["user_trainer"], w["unit_a"]), (w["user_trainer"], w["unit_b"]),
                         (w["user_manager_x"], w["unit_a"]), (w["user_manager_y"], w["unit_b"])}
        assert db.session.get(User, w["user_trainer"]).roles == ["trainer"]


def test_registry_import_never_changes_another_area(app):
    """A manager's import file names B's organisation, B's national ID and B's phone with
    the manager's own unit: refused, and nothing of commune Y changes (moving B's records
    into commune X would hand them to manager X)."""
    w = W.build(app)
    manager = W.clients(app)["manager_x"]
    x = w["unit_code_a"]
    with app.app_context():
        from lms.registry.models import Person

        b_phone = "0913555002"
        db.session.get(Person, w["person_b"]).phone = b_phone
        db.session.commit()
        before = _registry_state()
    nid_b = "044000000101"
    # Columns that are not the registry's are refused with the whole file.
    response = post_form(manager, "/registry/import", {"file": (io.BytesIO((
        "org_code,org_name,org_type,unit_code,leader_name,user_id,person_id,unit_id,role\n"
        f"3200000103,HTX Lạ,cooperative,{x},Ai Đó,{w['user_learner_b']},{w['person_b']},{w['unit_b']},admin\n"
    ).encode()), "extra.csv"), "kind": "", "scheme": "2025"}, content_type="multipart/form-data")
    assert response.status_code == 200 and "user_id" in response.get_data(as_text=True)
    files = {
        # B's organisation (in Y) "updated" into X, with B as its leader.
        "orgs.csv": "org_code,org_name,org_type,unit_code,leader_name,leader_national_id\n"
                    f"3200000102,HTX Của Tôi,cooperative,{x},Trần Văn Beta,{nid_b}\n",
        # B's organisation moved into X under a new leader.
        "moved.csv": "org_code,org_name,org_type,unit_code,leader_name\n"
                     f"3200000102,HTX Của Tôi,cooperative,{x},Người Khác\n",
        # A new organisation of X whose leader is B (by phone).
        "leaders.csv": "org_code,org_name,org_type,unit_code,leader_name,leader_phone\n"
                       f"3200000199,HTX Mới,cooperative,{x},Trần Văn Beta,{b_phone}\n",
        # B as an official of commune X.
        "officials.csv": "full_name,national_id,level,unit_code\n"
                         f"Trần Văn Beta,{nid_b},commune,{x}\n",
        # A completion for B.
        "completions.csv": "national_id,course,completed_at\n"
                           f"{nid_b},{W.REQUIRED_COURSE},2025-01-02\n",
    }
    problems = []
    for name, text in files.items():
        preview = _upload(manager, name, text)
        response = post_form(manager, preview, {})
        if response.status_code != 200:
            problems.append(f"{name}: the import was accepted ({response.status_code})")
        with app.app_context():
            now = _registry_state()
        if now != before:
            problems.append(f"{name}: changed {_diff(before, now)}")
            before = now
    assert problems == [], "\n".join(problems)
    # The manager's own area imports as before: A's organisation renamed, with A as its leader.
    preview = _upload(manager, "mine.csv",
                      "org_code,org_name,org_type,unit_code,leader_name,leader_national_id\n"
                      f"3200000101,HTX Alpha Mới,cooperative,{x},{W.NAMES['a']},044000000100\n")
    assert post_form(manager, preview, {}).status_code == 302
    with app.app_context():
        now = _registry_state()
    assert _diff(before, now) == {"orgs": {w["org_a"]: (before["orgs"][w["org_a"]],
                                                        ("3200000101", "HTX Alpha Mới", w["unit_a"], "active"))}}


# --- courses, progress, marking, accounts ----------------------------------------------------------


def test_learning_and_account_posts(app):
    from lms.assessments.models import Attempt, AttemptAnswer
    from lms.auth.models import User
    from lms.catalog.models import Course, Enrolment, LessonProgress

    w = W.build(app)
    clients = W.clients(app)
    extra = hostile(w)
    reverse = {**extra, "user_id": str(w["user_learner_a"]), "person_id": str(w["person_a"]),
               "id": str(w["user_learner_a"])}

    # Enrolment by a manager: people outside the area are "not found", by login or by id.
    response = post_form(clients["manager_y"], f"/courses/{W.EXTRA_COURSE}/learners",
                         {**extra, "identifiers": "learner_a@example.vn", "user_ids": [str(w["user_learner_a"])]})
    assert response.status_code == 200
    response = post_form(clients["manager_x"], f"/courses/{W.EXTRA_COURSE}/learners",
                         {**extra, "identifiers": "learner_b@example.vn",
                          "user_ids": [str(w["user_learner_a"]), str(w["user_learner_b"])]})
    assert response.status_code == 200
    # Self-enrolment and progress: always the poster's own, whatever the ids say.
    assert post_form(clients["learner_b"], f"/courses/{W.EXTRA_COURSE}/enrol", reverse,
                     token_from=f"/courses/{W.EXTRA_COURSE}").status_code == 302
    lesson = f"/courses/{W.COURSE}/lessons/{w['lesson']}"
    assert post_form(clients["learner_a"], f"{lesson}/done", extra, token_from=lesson).status_code == 302
    with app.app_context():
        extra_course = db.session.scalar(select(Course.id).where(Course.slug == W.EXTRA_COURSE))
        enrolled = dict(db.session.execute(
            select(Enrolment.user_id, Enrolment.enrolled_by_id).where(Enrolment.course_id == extra_course)
        ).all())
        progress = set(db.session.scalars(select(LessonProgress.user_id)))
    assert enrolled == {w["user_learner_a"]: w["user_manager_x"], w["user_learner_b"]: w["user_learner_b"]}
    assert progress == {w["user_learner_a"]}

    # Marking A's essay: the answer in the path, the points in the form; B's attempt untouched.
    with app.app_context():
        b_attempt = db.session.get(Attempt, w["done_b"])
        b_attempt = (b_attempt.status, b_attempt.score, b_attempt.points)
    response = post_form(clients["trainer"], f"/marking/{w['essay_a']}",
                         {**extra, "points": "0", "comment": "Chưa đạt"})
    assert response.status_code == 302
    with app.app_context():
        attempts = {a.id: (a.status, a.score) for a in db.session.scalars(select(Attempt))}
        points = dict(db.session.execute(select(AttemptAnswer.id, AttemptAnswer.points)).all())
        b_after = db.session.get(Attempt, w["done_b"])
        b_after = (b_after.status, b_after.score, b_after.points)
    assert attempts[w["done_a"]] == ("graded", 50.0)  # one of two points: the grader's score
    assert b_after == b_attempt and b_attempt[0] == "pending_review"
    assert points[w["essay_b"]] is None

    # The administrator edits A's account: only the form's fields change.
    with app.app_context():
        b_before = db.session.get(User, w["user_learner_b"])
        b_before = (b_before.person_id, list(b_before.roles), b_before.email, b_before.active)
    response = post_form(clients["admin"], f"/admin/users/{w['user_learner_a']}", {
        **extra, "name": "Lê Thị Alpha", "email": "learner_a@example.vn", "phone": "", "roles": ["learner"],
        "active": "y", "must_change_password": "", "person_id": str(w["person_b"]),
    })
    assert response.status_code == 302
    with app.app_context():
        a_user = db.session.get(User, w["user_learner_a"])
        b_user = db.session.get(User, w["user_learner_b"])
        assert (a_user.person_id, a_user.roles, a_user.active) == (w["person_a"], ["learner"], True)
        assert (b_user.person_id, list(b_user.roles), b_user.email, b_user.active) == b_before


def test_registry_import_never_takes_over_people_without_a_unit_or_with_a_staff_account(app):
    """Issue 18, finding 1: a person made by ``create-user`` (no unit) and a trainer registered
    in the manager's own commune are outside a manager's import: their phone in an officials
    file is refused, and nothing of them changes. An administrator may still import them."""
    w = W.build(app)
    clients = W.clients(app)
    manager, admin = clients["manager_x"], clients["admin"]
    x = w["unit_code_a"]
    with app.app_context():
        from lms.auth import services as auth_services
        from lms.auth.models import User
        from lms.registry.models import Person

        plain = auth_services.create_user(name="Học Viên Lẻ", email="plain@example.vn", roles=["learner"],
                                          password=PASSWORD).person_id  # as `flask lms create-user`: no unit
        trainer = db.session.get(User, w["user_trainer"]).person_id
        db.session.get(Person, plain).phone = "0913555010"
        db.session.get(Person, plain).unit_id = None
        db.session.get(Person, trainer).phone = "0913555011"
        db.session.get(Person, trainer).unit_id = w["unit_a"]
        db.session.commit()
        before = _registry_state()
    for phone in ("0913555010", "0913555011"):
        preview = _upload(manager, "officials.csv", "full_name,phone,national_id,level,unit_code\n"
                                                    f"Người Bị Đổi,{phone},044000000777,commune,{x}\n")
        response = post_form(manager, preview, {})
        assert response.status_code == 200, phone
        assert "ngoài địa bàn" in response.get_data(as_text=True) or "outside" in response.get_data(as_text=True)
        with app.app_context():
            assert _registry_state() == before, phone
    preview = _upload(admin, "officials.csv", "full_name,phone,level,unit_code\n"
                                              f"Học Viên Lẻ,0913555010,commune,{x}\n")
    assert post_form(admin, preview, {}).status_code == 302
    with app.app_context():
        assert db.session.get(Person, plain).unit_id == w["unit_a"]

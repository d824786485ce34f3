"""What trainers trip over when building and finishing a class (issue 17)."""

from __future__ import annotations

from sqlalchemy import select

from lms.extensions import db
from tests.support.classes import make_class
from tests.support.client import login, post_form


def _require(app, group: str, *slugs: str) -> None:
    from lms.coverage.services import set_requirement

    with app.app_context():
        set_requirement(group, list(slugs))
        db.session.commit()


def test_gap_fill_respects_the_class_course_and_explains_who_is_left_out(app, client, world, users):
    from lms.catalog.models import Course
    from lms.catalog.services import record_completion
    from lms.classes.models import RosterEntry
    from lms.registry.models import Person

    # Cooperative leaders need the class's course; household heads need another course only.
    _require(app, "cooperative_leader", "lop-ocop")
    _require(app, "household_head", "khac")
    with app.app_context():
        db.session.add(Course(slug="khac", title="Khóa khác"))
        unit_a = world["a"]
        db.session.add(Person(full_name="Chủ hộ A", phone="0914000001", target_group="household_head", unit_id=unit_a))
        record_completion(world["people"][0], db.session.get(Course, world["course"]), via="online")
        db.session.commit()
    class_id = make_class(app, world, trainers=[users["trainer"].id])
    login(client, "trainer@example.vn")
    preview = client.get(f"/classes/{class_id}/people/gap")
    text = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert "5 người sẽ được thêm" in text or "5 people will be added" in text
    left_out = text.split('data-testid="gap-left-out"')[1].split("</ul>")[0]
    assert "1" in left_out  # one household head who misses another course
    with app.app_context():
        assert db.session.scalars(select(RosterEntry)).all() == []  # a GET adds nobody
    response = post_form(client, f"/classes/{class_id}/people/gap", {})
    assert response.status_code == 302
    with app.app_context():
        roster = sorted(db.session.scalars(select(RosterEntry.person_id)))
    assert roster == sorted(world["people"][1:])


def test_gap_fill_says_why_nobody_is_added_when_no_requirement_has_the_course(app, client, world, users):
    _require(app, "household_head", "khac")
    class_id = make_class(app, world, trainers=[users["trainer"].id])
    login(client, "trainer@example.vn")
    text = client.get(f"/classes/{class_id}/people/gap").get_data(as_text=True)
    assert 'data-testid="gap-no-requirement"' in text
    assert "Add these" not in text and "Thêm " not in text.split('data-testid="gap-count"')[1].split("</p>")[0]


def test_only_people_who_checked_in_are_labelled_so(app, client, world, users):
    import re

    from lms.auth.models import User
    from lms.classes import services
    from lms.classes.models import TrainingClass

    class_id = make_class(app, world, trainers=[users["trainer"].id])
    with app.app_context():
        training_class = db.session.get(TrainingClass, class_id)
        services.add_people(training_class, [world["learner_person"], *world["people"][:2]], actor=None)
        day = training_class.days[0]
        start = services.day_bounds(day)[0]
        services.check_in(db.session.get(User, users["learner"].id), day.checkin_code, now=start)
        day_id = day.id
        db.session.commit()
    login(client, "trainer@example.vn")
    page = client.get(f"/classes/{class_id}/days/{day_id}").get_data(as_text=True)
    labels = re.findall(r'<small class="checkin"( hidden)?>', page)
    assert sorted(labels) == ["", " hidden", " hidden"]
    # The stylesheet lets the hidden attribute win over its display rules (small{display:block}).
    from pathlib import Path

    css = (Path(app.static_folder) / "css" / "app.css").read_text(encoding="utf-8")
    assert "[hidden]{display:none!important}" in css


def test_finishing_shows_who_completes_refuses_early_and_an_admin_reopens(app, client, world, users):
    from datetime import date, time, timedelta

    from lms.catalog.models import CourseCompletion
    from lms.classes import services
    from lms.classes.models import TrainingClass
    from lms.core.audit import AuditLog

    with app.app_context():
        future = services.local_today() + timedelta(days=30)
    class_id = make_class(app, world, trainers=[users["trainer"].id], posttest=True, pass_mark=50, days=[
        (date(2026, 3, 10), time(7, 30), time(11, 30)), (future, time(7, 30), time(11, 30))])
    p0, p1, p2 = world["people"][:3]
    with app.app_context():
        training_class = db.session.get(TrainingClass, class_id)
        services.add_people(training_class, [p0, p1, p2], actor=None)
        for day in training_class.days:
            services.mark(day, p0, "present", actor=None)
            services.mark(day, p2, "present", actor=None)
        services.set_paper_score(training_class, p0, 80, actor=None)
        services.set_paper_score(training_class, p2, 30, actor=None)
        db.session.commit()
    login(client, "trainer@example.vn")
    detail = client.get(f"/classes/{class_id}").get_data(as_text=True)
    assert 'class="button secondary" data-testid="finish-link"' in detail  # not a primary action yet
    page = client.get(f"/classes/{class_id}/finish").get_data(as_text=True)
    will = page.split('data-testid="will-complete"')[1].split("</ul>")[0]
    wont = page.split('data-testid="wont-complete"')[1].split("</ul>")[0]
    assert "Học viên 0" in will and "Học viên 1" not in will
    assert "Học viên 1" in wont and "Học viên 2" in wont
    assert "no post-test score" in wont or "chưa có điểm" in wont
    assert "30" in wont  # the score below the pass mark
    assert 'data-testid="not-over"' in page
    refused = post_form(client, f"/classes/{class_id}/finish", {})
    assert refused.status_code == 400
    with app.app_context():
        assert db.session.get(TrainingClass, class_id).status != "finished"
    done = post_form(client, f"/classes/{class_id}/finish", {"early": "y"})
    assert done.status_code == 302
    with app.app_context():
        assert db.session.get(TrainingClass, class_id).status == "finished"
        assert list(db.session.scalars(select(CourseCompletion.person_id))) == [p0]
    # Only an administrator reopens; the completion stays, and the reopening is audited.
    assert post_form(client, f"/classes/{class_id}/reopen", {}, token_from=f"/classes/{class_id}").status_code == 403
    admin = app.test_client()
    login(admin, "admin@example.vn")
    assert 'data-testid="reopen"' in admin.get(f"/classes/{class_id}").get_data(as_text=True)
    assert post_form(admin, f"/classes/{class_id}/reopen", {}, token_from=f"/classes/{class_id}").status_code == 302
    with app.app_context():
        assert db.session.get(TrainingClass, class_id).status == "running"
        assert list(db.session.scalars(select(CourseCompletion.person_id))) == [p0]
        assert db.session.scalar(select(AuditLog).where(AuditLog.action == "class.reopen")) is not None


def test_paper_marks_out_of_10_with_a_decimal_comma_and_pass_or_fail(app, client, world, users):
    from lms.classes.models import RosterEntry, TrainingClass

    class_id = make_class(app, world, trainers=[users["trainer"].id], posttest=True, pass_mark=70)
    p0, p1 = world["people"][:2]
    with app.app_context():
        from lms.classes import services

        services.add_people(db.session.get(TrainingClass, class_id), [p0, p1], actor=None)
        db.session.commit()
    login(client, "trainer@example.vn")
    page = client.get(f"/classes/{class_id}/scores").get_data(as_text=True)
    assert 'data-testid="scale"' in page and ("out of 10" in page or "thang 10" in page)
    assert "7 " in page.split('data-testid="pass-mark"')[1].split("</p>")[0]
    assert post_form(client, f"/classes/{class_id}/scores", {f"score-{p0}": "11"}).status_code == 400
    response = post_form(client, f"/classes/{class_id}/scores", {f"score-{p0}": "7,5", f"score-{p1}": "6.5"})
    assert response.status_code == 302
    with app.app_context():
        scores = dict(db.session.execute(select(RosterEntry.person_id, RosterEntry.posttest_score)).all())
    assert scores == {p0: 75.0, p1: 65.0}
    page = client.get(f"/classes/{class_id}/scores").get_data(as_text=True)
    assert "7,5" in page  # shown back out of 10, with the Vietnamese decimal comma
    pass0 = page.split(f'data-testid="result-{p0}">')[1].split("</td>")[0]
    fail1 = page.split(f'data-testid="result-{p1}">')[1].split("</td>")[0]
    assert "✓" in pass0 and "✓" not in fail1 and fail1.strip()
    # Percent remains possible.
    assert post_form(client, f"/classes/{class_id}/scores", {f"score-{p0}": "90", "scale": "100"}).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(RosterEntry.posttest_score).where(RosterEntry.person_id == p0)) == 90.0


def test_adding_people_searches_the_whole_area_and_shows_communes(app, client, world, users):
    from lms.registry.models import AdminUnit, UnitAssignment

    with app.app_context():
        db.session.add(UnitAssignment(user_id=users["trainer"].id, unit_id=world["province"]))
        db.session.commit()
        assert db.session.get(AdminUnit, world["b"]).name == "Xã B"
    class_id = make_class(app, world, trainers=[users["trainer"].id])
    login(client, "trainer@example.vn")
    page = client.get(f"/classes/{class_id}/people").get_data(as_text=True)
    assert "Người Xã B" in page and "Người Tỉnh Khác" not in page  # another province stays out
    communes = page.split("<tbody>")[1]
    assert "Xã B" in communes and "Xã A" in communes
    assert 'data-testid="search-scope"' in page
    only_here = client.get(f"/classes/{class_id}/people?here=1").get_data(as_text=True)
    assert "Người Xã B" not in only_here and "Học viên 0" in only_here
    assert post_form(client, f"/classes/{class_id}/people", {"person_ids": [world["person_b"]]}).status_code == 302


def test_certificate_template_choices_show_titles(app, client, world, users):
    login(client, "trainer@example.vn")
    page = client.get("/classes/new").get_data(as_text=True)
    select = page.split('name="certificate_template"')[1].split("</select>")[0]
    assert ">Giấy chứng nhận (tiếng Việt)<" in select and ">vi<" not in select and ">en<" not in select


def test_class_days_are_typed_and_shown_day_first(app, client, world, users):
    from lms.classes.models import TrainingClass

    login(client, "trainer@example.vn")
    form = {"course": world["course"], "title": "Lớp ngày Việt", "unit": world["a"], "capacity": 30,
            "threshold_percent": 80, "pass_mark": "70",
            "days": "10/03/2026 07:30-11:30\n11/3/2026 13h30 - 16h30\n2026-03-12 07:30-11:30"}
    response = post_form(client, "/classes/new", form)
    assert response.status_code == 302
    with app.app_context():
        training_class = db.session.scalar(select(TrainingClass).where(TrainingClass.title == "Lớp ngày Việt"))
        assert [(d.day.day, d.starts_at.hour) for d in training_class.days] == [(10, 7), (11, 13), (12, 7)]
        class_id = training_class.id
    edit = client.get(f"/classes/{class_id}/edit").get_data(as_text=True)
    assert "10/03/2026 07:30-11:30" in edit and "2026-03-10" not in edit
    listing = client.get("/classes/").get_data(as_text=True)
    assert "10/03/2026" in listing and "10/03/26" not in listing
    report = client.get(f"/classes/{class_id}/report.csv").data.decode("utf-8-sig")
    assert "10/03/2026" in report.splitlines()[0] and "2026-03-10" not in report


def test_signin_template_round_trips_and_the_printed_roster_masks_phones(app, client, world, users):
    import io

    from openpyxl import load_workbook

    from lms.classes.models import RosterEntry

    class_id = make_class(app, world, trainers=[users["trainer"].id])
    login(client, "trainer@example.vn")
    assert 'data-testid="signin-template"' in client.get(f"/classes/{class_id}/signin").get_data(as_text=True)
    data = client.get(f"/classes/{class_id}/signin/template.xlsx").data
    book = load_workbook(io.BytesIO(data))
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[1]]
    assert header[:3] == ["Họ và tên", "Số CCCD", "Điện thoại"]
    sheet.append(["Học viên 0", None, "0912000000"])
    out = io.BytesIO()
    book.save(out)
    response = client.post(f"/classes/{class_id}/signin", data={
        "file": (io.BytesIO(out.getvalue()), "sheet.xlsx"),
        "csrf_token": client.get(f"/classes/{class_id}/signin").get_data(as_text=True).split('name="csrf_token" type="hidden" value="')[1].split('"')[0],
    }, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    with app.app_context():
        assert list(db.session.scalars(select(RosterEntry.person_id))) == [world["people"][0]]
    printed = client.get(f"/classes/{class_id}/print").get_data(as_text=True)
    assert "0912000000" not in printed and "000" in printed.split('data-testid="phone"')[1].split("</td>")[0]
    assert 'id="print-button"' in printed and "js/print.js" in printed


def test_a_learner_finds_check_in_beside_the_open_class_day(app, client, world, users):
    from datetime import time

    from lms.classes import services
    from lms.classes.models import TrainingClass

    with app.app_context():
        today = services.local_today()
    class_id = make_class(app, world, days=[(today, time(0, 0), time(23, 59))])
    with app.app_context():
        services.add_people(db.session.get(TrainingClass, class_id), [world["learner_person"]], actor=None)
        db.session.commit()
    login(client, "learner@example.vn")
    page = client.get("/my/classes").get_data(as_text=True)
    assert 'data-testid="checkin-now"' in page

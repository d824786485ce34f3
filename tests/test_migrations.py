"""Migrations: empty database → head, models and database agree, head → base.

Runs on SQLite, and on PostgreSQL (in a database of its own) when
LMS_TEST_DATABASE_URL points at one.
"""

from __future__ import annotations

import io
import os
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from lms import create_app
from lms.extensions import db


@pytest.fixture
def empty_database_url(tmp_path):
    base = os.environ.get("LMS_TEST_DATABASE_URL")
    if not base or not base.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return
    name = f"lms_migrations_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_upgrade_compare_downgrade(empty_database_url):
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": empty_database_url})
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(context, db.metadata)
        assert diff == [], f"models and migrations differ: {diff}"

        downgrade(revision="base")
        with db.engine.connect() as conn:
            leftover = set(inspect(conn).get_table_names()) - {"alembic_version"}
        assert leftover == set()

        upgrade()  # and back up again, cleanly
        with db.engine.connect() as conn:
            assert "user" in inspect(conn).get_table_names()
        db.engine.dispose()


# --- Round trip with data -------------------------------------------------------------
#
# Seed at head (bundled courses and quizzes imported, `seed-demo`, and what the demo
# leaves out: a course prerequisite, a certificate policy, an API token, an uploaded
# registry file) so that every table of the models has rows (the test fails otherwise), then:
#  1. downgrade one revision and upgrade back: every table that exists at both ends (all
#     tables except those the newest revision creates) has the same rows;
#  2. downgrade one revision at a time down to the first: after each step every table
#     still there has exactly the rows it had at head;
#  3. upgrade back to head: the first revision's tables still have those rows.
# "The same rows" means: the row count, and the value of every column that exists at both
# ends, in every row (all rows, not a sample; ordered by primary key), as read back by
# SQLAlchemy Core. Timestamps, JSON, booleans and text (Vietnamese included) are compared
# as the driver returns them. Columns that a later revision adds to an older table go
# away on the way down (that is the downgrade's job) and are not compared there.


def _snapshot(engine) -> dict[str, list[dict]]:
    from sqlalchemy import MetaData, select

    meta = MetaData()
    meta.reflect(bind=engine)
    out = {}
    with engine.connect() as conn:
        for name, table in meta.tables.items():
            if name == "alembic_version":
                continue
            order = list(table.primary_key.columns) or list(table.columns)
            out[name] = [dict(row._mapping) for row in conn.execute(select(table).order_by(*order))]
    return out


CLASS_TABLES = ("training_class", "class_trainer", "class_day", "class_roster", "class_attendance")
PREREQUISITE_COURSE = """\
---
title: Khóa học nối tiếp (kiểm thử di trú)
summary: Học sau khóa làm quen OCOP.
audience: [household_head]
hours: 1
prerequisites: [lam-quen-ocop]
---
Học sau khóa làm quen.
"""


def _seed(app, tmp_path) -> None:
    """Every table gets rows, through the ordinary ways in (commands, then pages)."""
    from lms.main.demo import DEMO_PASSWORD
    from tests.support.client import login, post_form

    folder = tmp_path / "courses" / "noi-tiep"
    (folder / "01-mot").mkdir(parents=True)
    (folder / "course.md").write_text(PREREQUISITE_COURSE, "utf-8")
    (folder / "01-mot" / "module.md").write_text("---\ntitle: Phần một\n---\n", "utf-8")
    (folder / "01-mot" / "01-bai.md").write_text("---\ntitle: Bài một\nminutes: 5\n---\nNội dung.\n", "utf-8")
    runner = app.test_cli_runner()
    for args in (["lms", "import-courses"], ["lms", "import-quizzes"], ["lms", "seed-demo"],
                 ["lms", "import-courses", str(folder)],
                 ["lms", "certificate-policy", "lam-quen-ocop", "--via", "online"]):
        result = runner.invoke(args=args)
        assert result.exit_code == 0, (args, result.output)
    # An API token and an uploaded registry file waiting for confirmation: only pages make them.
    client = app.test_client()
    assert login(client, "admin@demo.ocop.vn", DEMO_PASSWORD).status_code == 302
    assert post_form(client, "/account/tokens", {"name": "Báo cáo tỉnh"}).status_code == 200
    upload = "Họ và tên,Cấp,Mã đơn vị hành chính\nLê Văn Tám,Cấp xã,44\n".encode()
    response = post_form(client, "/registry/import", {"file": (io.BytesIO(upload), "can-bo.csv"), "scheme": "2025",
                                                      "kind": ""}, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    # The decision printed on a course's certificates (an administrator's page).
    with app.app_context():
        from sqlalchemy import select

        from lms.catalog.models import Course

        course_id = db.session.scalar(select(Course.id).where(Course.slug == "lam-quen-ocop"))
    assert post_form(client, f"/certificates/courses/{course_id}/decision", {"number": "1/QĐ", "decided_on": ""},
                     token_from=f"/certificates/courses/{course_id}").status_code == 302
    _seed_class(app, client)
    _seed_messages(app)
    _seed_jobs(app)
    _seed_onboarding(app)
    _seed_privacy(app)


def _seed_privacy(app) -> None:
    """A data request, sent by the demo learner from "my data"."""
    from lms.main.demo import DEMO_PASSWORD
    from tests.support.client import login, post_form

    learner = app.test_client()
    assert login(learner, "0912345678", DEMO_PASSWORD).status_code == 302
    response = post_form(learner, "/account/data/requests", {"kind": "correct", "message": "Năm sinh là 1971"},
                         token_from="/account/data")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]


def _seed_messages(app) -> None:
    """An outbox row (an in-app notification to the demo learner) and a reminder opt-out."""
    from datetime import date

    from sqlalchemy import select

    from lms.auth.models import User
    from lms.messages import services as messages

    with app.app_context():
        user = db.session.scalar(select(User).where(User.phone == "0912345678"))
        messages.enqueue("activation", "activation", person_id=user.person_id, user_id=user.id,
                         context={"full_name": user.display_name, "code": "ABCD-EFGH", "url": "http://x/y",
                                  "expires_on": date(2026, 3, 31)}, idempotency_key="migration-seed")
        messages.set_reminders(user.id, False)
        db.session.commit()


def _seed_jobs(app) -> None:
    """A finished job with its file (the queue of lms.jobs)."""
    from sqlalchemy import select

    from lms.auth.models import User
    from lms.core.db import utcnow
    from lms.jobs.models import Job

    with app.app_context():
        user = db.session.scalar(select(User).where(User.phone == "0912345678"))
        db.session.add(Job(kind="certificates", params={"course": "1"}, owner_id=user.id, title="Giấy chứng nhận",
                           status="done", done=3, total=3, message="3", result=b"PK\x03\x04", result_name="c.zip",
                           result_type="application/zip", result_size=4, attempts=1, finished_at=utcnow()))
        db.session.commit()


def _seed_onboarding(app) -> None:
    """A printed activation code and a self-registration request."""
    from sqlalchemy import select

    from lms.onboarding import services as onboarding
    from lms.registry.models import AdminUnit, Person

    with app.app_context(), app.test_request_context("/"):
        person = db.session.scalar(select(Person).where(Person.phone.is_not(None)).order_by(Person.id).limit(1))
        onboarding.issue_codes([person], include_active=True)
        commune = db.session.scalar(select(AdminUnit).where(AdminUnit.scheme == "2025", AdminUnit.level == "commune")
                                    .order_by(AdminUnit.id).limit(1))
        onboarding.submit_request(full_name="Trần Thị Mai", phone="0987 111 222", unit_id=commune.id,
                                  org_code="0312345678", is_official=False, agency=None, position=None,
                                  national_id="044099000777")
        db.session.commit()


def _seed_class(app, client) -> None:
    """A class made in the pages, so that every column of the class tables has a value
    (the demo's classes leave some empty): its own certificate template and online
    post-test, who created it and added people, marks, a paper score."""
    from sqlalchemy import select

    from lms.assessments.models import Quiz
    from lms.auth.models import User
    from lms.catalog.models import Course
    from lms.classes.models import ClassDay
    from lms.registry.models import AdminUnit, Person
    from tests.support.client import post_form

    with app.app_context():
        course, quiz = db.session.execute(
            select(Course.id, Quiz.id).join(Quiz, Quiz.course_id == Course.id).where(Quiz.is_bank.is_(False))
            .order_by(Course.id).limit(1)).one()
        unit = db.session.scalar(select(AdminUnit).where(AdminUnit.scheme == "2025", AdminUnit.code == "44"))
        people = db.session.scalars(select(Person.id).where(Person.target_group.is_not(None))
                                    .order_by(Person.id).limit(2)).all()
        trainer = db.session.scalar(select(User.id).where(User.email == "trainer@demo.ocop.vn"))
    response = post_form(client, "/classes/new", {
        "course": str(course), "title": "Lớp kiểm thử di trú", "unit": str(unit.id), "venue": "Hội trường xã",
        "days": "2026-03-10 07:30-11:30", "capacity": "30", "threshold_percent": "80", "posttest_required": "y",
        "pass_mark": "70", "quiz": str(quiz), "certificate_template": "vi", "trainers": [str(trainer)],
        "decision_number": "45/QĐ-SNN", "decision_date": "2026-02-20",
    }, token_from="/classes/new")
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    class_id = int(response.headers["Location"].rstrip("/").rsplit("/", 1)[-1])
    assert post_form(client, f"/classes/{class_id}/people", {"person_ids": [str(p) for p in people]}).status_code == 302
    with app.app_context():
        day = db.session.scalar(select(ClassDay.id).where(ClassDay.class_id == class_id))
    response = post_form(client, f"/classes/{class_id}/days/{day}", {"person_id": str(people[0]), "status": "late"})
    assert response.status_code == 302
    response = post_form(client, f"/classes/{class_id}/scores", {"scale": "100", f"score-{people[0]}": "85", f"score-{people[1]}": ""})
    assert response.status_code == 302


def _same(head: dict, now: dict, tables: set[str], bottom: dict | None = None) -> None:
    """``bottom``: the snapshot at the lowest revision passed; only its columns are compared."""
    for name in sorted(tables):
        assert len(now[name]) == len(head[name]), f"{name}: {len(head[name])} rows at head, {len(now[name])} now"
        if not head[name]:
            continue
        common = set(head[name][0]) & set(now[name][0])
        if bottom is not None:
            common &= set(bottom[name][0])
        assert common, name
        project = [[{c: row[c] for c in sorted(common)} for row in rows] for rows in (head[name], now[name])]
        assert project[1] == project[0], f"{name}: values changed"


def _representable_below_0016(head: dict) -> dict:
    """The rows that the one-set requirement schema (before 0016) can hold: the primary
    set's required courses, and no union of cooperatives. Its downgrade drops other sets,
    recommended courses, milestones and validity rules, and makes unions cooperatives
    (documented there); everything else must survive."""
    primary = {row["id"] for row in head.get("requirement_set", []) if row["is_primary"]}
    kept = dict(head)
    kept["organisation"] = [{**row, "org_type": "cooperative" if row["org_type"] == "cooperative_union"
                             else row["org_type"]} for row in head["organisation"]]
    if "requirement" in head:
        kept["requirement"] = [row for row in head["requirement"] if row["set_id"] in primary]
        kept["requirement_course"] = [row for row in head["requirement_course"]
                                      if row["set_id"] in primary and row["kind"] == "required"]
    return kept


def _representable_below_0019(head: dict) -> dict:
    """Before 0019 a person holds one certificate per course: its downgrade deletes the
    certificates of renewed completions (documented there)."""
    renewed = {row["id"] for row in head["certificate"] if row["renewal"] > 0}
    kept = dict(head)
    kept["certificate"] = [row for row in head["certificate"] if row["id"] not in renewed]
    kept["certificate_version"] = [row for row in head["certificate_version"]
                                   if row["certificate_id"] not in renewed]
    return kept


def test_round_trip_keeps_the_data(empty_database_url, tmp_path):
    from alembic.script import ScriptDirectory

    from lms.extensions import migrate

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": empty_database_url,
                      "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    with app.app_context():
        upgrade()
    _seed(app, tmp_path)  # outside: each command and request has an app context of its own
    with app.app_context():
        head = _snapshot(db.engine)
        filled = {name for name, rows in head.items() if rows}
        # The seed reaches every table of the models (a round trip of empty tables proves
        # little): a new table fails here until the seed above gives it rows.
        empty = sorted(set(db.metadata.tables) - filled)
        assert empty == [], f"the seed leaves these tables empty: {empty}"
        # And every column of the class tables (migrations 0006 and 0007) has a value somewhere.
        for name in CLASS_TABLES:
            unset = [c for c in head[name][0] if all(row[c] is None for row in head[name])]
            assert unset == [], f"{name}: no row has a value in {unset}"

        script = ScriptDirectory.from_config(migrate.get_config())
        revisions = [rev.revision for rev in script.walk_revisions()]  # newest first
        assert len(revisions) >= 2
        full = head
        below_0019 = _representable_below_0019(head)
        lossy = _representable_below_0016(below_0019)

        def expected(now: dict) -> dict:
            """What a schema holds: everything from 0019 on; below it one certificate per
            person and course; below 0016 also the one-set shape."""
            if "requirement_set" not in now:
                return lossy
            renewals = now["certificate"] and "renewal" in now["certificate"][0]
            return full if renewals else below_0019

        # 1. one step down and back up
        downgrade(revision="-1")
        low = _snapshot(db.engine)
        _same(expected(low), low, set(low))
        upgrade()
        _same(expected(low), _snapshot(db.engine), set(low), bottom=low)

        # 2. one step at a time down to the first revision
        for _ in revisions[1:]:
            downgrade(revision="-1")
            now = _snapshot(db.engine)
            _same(expected(now), now, set(now))
        low = _snapshot(db.engine)
        assert "user" in low and "audit_log" in low

        # 3. back to head
        upgrade()
        _same(lossy, _snapshot(db.engine), set(low), bottom=low)
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn)
            assert context.get_current_revision() == revisions[0]
        db.engine.dispose()

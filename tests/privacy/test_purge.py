"""flask lms purge: each kind past its period, the dry run, and idempotence."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from lms.core.db import utcnow
from lms.extensions import db
from lms.jobs.models import Job


def _seed(app, users):
    from lms.auth.models import User
    from lms.core.audit import AuditLog
    from lms.messages.models import Message
    from lms.onboarding.models import ActivationCode, RegistrationRequest
    from lms.registry.models import AdminUnit, ImportBatch, Person

    now = utcnow()
    with app.app_context():
        uid = users["admin"].id
        pid = db.session.get(User, users["learner"].id).person_id
        unit = AdminUnit(scheme="2025", code="99", name="Tỉnh thử", level="province", type="tỉnh")
        db.session.add(unit)
        db.session.flush()
        db.session.add_all([
            ImportBatch(user_id=uid, filename="cu.csv", content=b"Nguyen Van A,0912345678", created_at=now - timedelta(days=45)),
            ImportBatch(user_id=uid, filename="da-nhap.csv", content=b"x", created_at=now - timedelta(days=10),
                        applied_at=now - timedelta(days=10)),
            ImportBatch(user_id=uid, filename="moi.csv", content=b"x", created_at=now - timedelta(hours=2)),
            ActivationCode(person_id=pid, purpose="activate", code_hash="a" * 64, expires_at=now - timedelta(days=40)),
            ActivationCode(person_id=pid, purpose="reset", code_hash="b" * 64, expires_at=now + timedelta(days=5),
                           used_at=now - timedelta(days=1)),
            RegistrationRequest(full_name="Đăng ký cũ", phone="0977000111", unit_id=unit.id, status="rejected",
                                decided_at=now - timedelta(days=100)),
            RegistrationRequest(full_name="Đăng ký mới", phone="0977000222", pending_phone="0977000222",
                                unit_id=unit.id),
            Message(idempotency_key="old", kind="reminder", template="reminder", channel="sms", address="0912345678",
                    subject="Nhắc", body="Chào chị Hoa", status="sent", created_at=now - timedelta(days=120)),
            Message(idempotency_key="queued", kind="reminder", template="reminder", channel="sms", body="Chưa gửi",
                    status="queued", created_at=now - timedelta(days=120)),
            Message(idempotency_key="new", kind="reminder", template="reminder", channel="sms", body="Mới gửi",
                    status="sent", created_at=now - timedelta(days=3)),
            Person(full_name="Đã rời lâu", phone="0933000111", national_id="044000111222", target_group="household_head",
                   active_until=date.today() - timedelta(days=6 * 365)),
            Person(full_name="Mới rời", phone="0933000222", target_group="household_head",
                   active_until=date.today() - timedelta(days=365)),
            AuditLog(action="user.update", object_type="user", object_id="1", details={},
                     at=now - timedelta(days=6 * 365)),
            # A job's file (names of certificate holders) past LMS_JOBS_KEEP_DAYS, one still kept,
            # and one still running (never purged).
            Job(kind="certificates", owner_id=uid, status="done", result=b"PK", result_name="cu.zip",
                finished_at=now - timedelta(days=8)),
            Job(kind="certificates", owner_id=uid, status="done", result=b"PK", result_name="moi.zip",
                finished_at=now - timedelta(days=1)),
            Job(kind="certificates", owner_id=uid, status="running", created_at=now - timedelta(days=30)),
        ])
        db.session.commit()


def _state(app):
    from lms.core.audit import AuditLog
    from lms.messages.models import Message
    from lms.onboarding.models import ActivationCode, RegistrationRequest
    from lms.registry.models import ImportBatch, Person

    with app.app_context():
        return {
            "imports": sorted(db.session.scalars(select(ImportBatch.filename))),
            "codes": sorted(db.session.scalars(select(ActivationCode.purpose))),
            "registrations": sorted(db.session.scalars(select(RegistrationRequest.full_name))),
            "bodies": dict(db.session.execute(select(Message.idempotency_key, Message.body)).all()),
            "people": dict(db.session.execute(select(Person.phone, Person.full_name)
                                              .where(Person.active_until.is_not(None))).all()),
            "jobs": sorted(str(name) for name in db.session.scalars(select(Job.result_name))),
            "old_audit": db.session.scalar(select(func.count()).select_from(AuditLog)
                                           .where(AuditLog.at < utcnow() - timedelta(days=5 * 365 + 10))),
        }


def _lines(output: str) -> dict[str, str]:
    return dict(line.split(": ", 1) for line in output.strip().splitlines())


def test_dry_run_then_purge_then_nothing_left(app, runner, users):
    _seed(app, users)
    before = _state(app)
    dry = runner.invoke(args=["lms", "purge", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert _lines(dry.output) == {"import_files": "would purge 1", "codes": "would purge 1",
                                  "registrations": "would purge 1", "message_texts": "would purge 1",
                                  "people_left": "would purge 1", "audit_entries": "would purge 1",
                                  "jobs": "would purge 1"}
    assert _state(app) == before

    done = runner.invoke(args=["lms", "purge"])
    assert done.exit_code == 0, done.output
    assert _lines(done.output) == {"import_files": "purged 1", "codes": "purged 1", "registrations": "purged 1",
                                   "message_texts": "purged 1", "people_left": "purged 1", "audit_entries": "purged 1",
                                   "jobs": "purged 1"}
    after = _state(app)
    assert after["imports"] == ["da-nhap.csv", "moi.csv"]
    assert after["codes"] == ["reset"] and after["registrations"] == ["Đăng ký mới"]
    assert after["bodies"] == {"old": "", "queued": "Chưa gửi", "new": "Mới gửi"}
    assert after["people"] == {None: "—", "0933000222": "Mới rời"}
    assert after["old_audit"] == 0
    assert after["jobs"] == ["None", "moi.zip"]

    again = runner.invoke(args=["lms", "purge"])
    assert set(_lines(again.output).values()) == {"purged 0"}
    assert _state(app) == after
    assert set(_lines(runner.invoke(args=["lms", "purge", "--dry-run"]).output).values()) == {"would purge 0"}


def test_periods_come_from_the_configuration(app, runner, users):
    _seed(app, users)
    app.config["RETAIN_IMPORT_DAYS"] = 1
    app.config["IMPORT_KEEP_HOURS"] = 1
    app.config["RETAIN_LEFT_YEARS"] = 10
    app.config["JOBS_KEEP_DAYS"] = 0
    lines = _lines(runner.invoke(args=["lms", "purge", "--dry-run"]).output)
    assert lines["import_files"] == "would purge 3" and lines["people_left"] == "would purge 0"
    assert lines["jobs"] == "would purge 2"  # both finished jobs, never the running one


def test_purge_is_audited(app, runner, users):
    from lms.core.audit import AuditLog

    _seed(app, users)
    runner.invoke(args=["lms", "purge"])
    with app.app_context():
        entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "privacy.purge"))
        assert entry.details == {"import_files": 1, "codes": 1, "registrations": 1, "message_texts": 1,
                                 "people_left": 1, "audit_entries": 1, "jobs": 1}
        assert db.session.scalar(select(AuditLog).where(AuditLog.action == "privacy.anonymise")).details["reason"] \
            == "retention period"

"""``flask lms digest``: one digest per manager and ISO week, only of the manager's area."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from lms.auth.models import User
from lms.coverage import services as coverage_services
from lms.extensions import db
from lms.messages.models import Message
from tests.support import registry as r

MONDAY = date(2026, 3, 2)


@pytest.fixture
def app_config():
    return {"SMTP_URL": "smtp://127.0.0.1:9", "MAIL_FROM": "daotao@ocop.example.vn",
            "SMS_GATEWAY_URL": "http://127.0.0.1:9/send"}


@pytest.fixture
def managers(app, make_user):
    home = make_user(("manager",), email="home@example.vn", phone="0987000001", name="Quản lý Quảng Trị")
    other = make_user(("manager",), phone="0987000002", name="Quản lý Điện Biên")
    make_user(("manager",), email="nobody@example.vn", name="Chưa phân công")
    with app.app_context():
        from lms.registry import services as registry_services

        r.load_test_units()
        coverage_services.set_requirement("household_head", ["a"])
        r.course("a")
        trained = r.person("Đã học", "household_head")
        r.complete(trained, "a", date(2026, 2, 27))
        r.person("Chưa học một", "household_head")
        r.person("Người Điện Biên", "household_head", r.OTHER_COMMUNE)
        registry_services.assign_unit(db.session.get(User, home.id), r.unit(r.HOME))
        registry_services.assign_unit(db.session.get(User, other.id), r.unit(r.OTHER))
        db.session.commit()
    return {"home": home.id, "other": other.id}


def digest(runner, day=MONDAY):
    result = runner.invoke(args=["lms", "digest", "--as-of", day.isoformat()])
    assert result.exit_code == 0, result.output
    return result.output


def digests(app):
    with app.app_context():
        return list(db.session.scalars(select(Message).where(Message.kind == "digest").order_by(Message.id)))


def test_one_digest_per_manager_and_week_of_their_area_only(app, runner, managers):
    digest(runner)
    digest(runner, date(2026, 3, 8))  # Sunday of the same ISO week
    sent = digests(app)
    assert [m.user_id for m in sent] == [managers["home"], managers["other"]]
    home, other = sent
    assert home.channel == "email" and home.address == "home@example.vn"
    assert other.channel == "inapp"  # no e-mail: the platform, never an SMS
    assert "2026-W10" in home.subject
    assert "Phường Đồng Hới" in home.body and "Điện Biên" not in home.body
    assert "1/2" in home.body and "50,0 %" in home.body and "(tuần trước 0,0 %)" in home.body
    assert "/coverage/?unit=44" in home.body or "unit=44" in home.body
    assert "Đồng Hới" not in other.body and "0/1" in other.body
    digest(runner, date(2026, 3, 9))
    assert len(digests(app)) == 4


def test_classes_of_the_coming_week_are_listed(app, runner, managers):
    from datetime import time

    from lms.classes import services as class_services

    with app.app_context():
        data = class_services.ClassData(
            course=r.course("a"), title="Lớp tuần tới", venue="Nhà văn hóa", unit_id=r.unit(r.HOME_COMMUNE).id,
            capacity=40, threshold_percent=80, posttest_required=False, pass_mark=70, quiz_id=None,
            days=[(date(2026, 3, 5), time(7, 30), time(11, 30))])
        class_services.save_class(None, data, actor=None)
        data.title, data.days = "Lớp tháng sau", [(date(2026, 4, 5), time(7, 30), time(11, 30))]
        class_services.save_class(None, data, actor=None)
        db.session.commit()
    digest(runner)
    home = digests(app)[0]
    assert "Lớp tuần tới" in home.body and "05/03/2026" in home.body and "Lớp tháng sau" not in home.body
    assert "Lớp tuần tới" not in digests(app)[1].body


def test_dry_run_queues_nothing(app, runner, managers):
    out = runner.invoke(args=["lms", "digest", "--as-of", MONDAY.isoformat(), "--dry-run"]).output
    assert "digest: 2 would be queued" in out
    assert digests(app) == []

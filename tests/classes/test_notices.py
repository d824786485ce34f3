"""Class notices of ``flask lms remind``: new class, change of time or venue, the day before."""

from __future__ import annotations

from datetime import date, time

import pytest
from sqlalchemy import select

from lms.extensions import db
from lms.messages.models import Message
from tests.support.classes import make_class

AS_OF = date(2026, 3, 1)


@pytest.fixture
def app_config():
    return {"SMS_GATEWAY_URL": "http://127.0.0.1:9/send", "SMS_GATEWAY_TOKEN": "t"}


@pytest.fixture
def klass(app, world, users):
    from lms.classes import services
    from lms.classes.models import TrainingClass

    class_id = make_class(app, world)
    with app.app_context():
        services.add_people(db.session.get(TrainingClass, class_id), world["people"][:2], actor=None)
        db.session.commit()
    return class_id


def remind(runner, day=AS_OF):
    result = runner.invoke(args=["lms", "remind", "--as-of", day.isoformat(), "--rule", "class-notices"])
    assert result.exit_code == 0, result.output
    return result.output


def notices(app):
    with app.app_context():
        return [(m.template, m.person_id, m.channel, m.body) for m in
                db.session.scalars(select(Message).where(Message.kind == "class_notice").order_by(Message.id))]


def test_new_class_is_announced_once_by_sms(app, runner, world, klass):
    out = remind(runner)
    remind(runner)
    sent = notices(app)
    assert [(t, p) for t, p, _c, _b in sent] == [("class_new", world["people"][0]), ("class_new", world["people"][1])]
    assert all(c == "sms" and b.isascii() and "10/03/2026" in b for _t, _p, c, b in sent)
    assert "Xã A: sms 2" in out


def test_change_of_venue_or_time_is_announced_and_a_repeat_is_not(app, runner, world, klass):
    from lms.classes.models import TrainingClass

    remind(runner)
    with app.app_context():
        training_class = db.session.get(TrainingClass, klass)
        training_class.venue = "Nhà văn hóa thôn 3"
        training_class.days[0].starts_at = time(8, 0)
        db.session.commit()
    remind(runner)
    remind(runner)
    templates = [t for t, *_ in notices(app)]
    assert templates == ["class_new", "class_new", "class_changed", "class_changed"]
    assert "Nha van hoa thon 3" in notices(app)[-1][3] and "08:00" in notices(app)[-1][3]


def test_cancellation_is_announced_to_those_who_were_told(app, runner, world, klass):
    from lms.classes.models import TrainingClass

    remind(runner)
    with app.app_context():
        db.session.get(TrainingClass, klass).status = "cancelled"
        db.session.commit()
    remind(runner)
    assert [t for t, *_ in notices(app)][-2:] == ["class_changed", "class_changed"]
    assert "HUY" in notices(app)[-1][3]


def test_the_day_before_each_class_day(app, runner, world, klass):
    remind(runner)
    remind(runner, date(2026, 3, 8))
    assert [t for t, *_ in notices(app)] == ["class_new", "class_new"]
    remind(runner, date(2026, 3, 9))
    remind(runner, date(2026, 3, 9))
    remind(runner, date(2026, 3, 10))
    assert [t for t, *_ in notices(app)].count("class_tomorrow") == 4


def test_withdrawn_people_and_past_classes_get_nothing(app, runner, world, klass):
    from lms.registry.models import Person

    with app.app_context():
        db.session.get(Person, world["people"][0]).active_until = date(2026, 2, 1)
        db.session.commit()
    remind(runner)
    assert [p for _t, p, *_ in notices(app)] == [world["people"][1]]
    remind(runner, date(2026, 4, 1))
    assert len(notices(app)) == 1


def test_opted_out_learner_gets_no_notice_and_an_account_without_phone_gets_it_in_app(app, runner, world, users):
    from lms.classes import services
    from lms.classes.models import TrainingClass
    from lms.messages import services as messages
    from lms.registry.models import Person

    class_id = make_class(app, world)
    with app.app_context():
        learner_person = db.session.get(Person, world["learner_person"])
        learner_person.phone = None
        services.add_people(db.session.get(TrainingClass, class_id), [world["learner_person"], world["people"][0]],
                            actor=None)
        db.session.commit()
    remind(runner)
    sent = notices(app)
    assert {(p, c) for _t, p, c, _b in sent} == {(world["learner_person"], "inapp"), (world["people"][0], "sms")}
    with app.app_context():
        messages.set_reminders(users["learner"].id, False)
        training_class = db.session.get(TrainingClass, class_id)
        training_class.venue = "Nơi khác"
        db.session.commit()
    out = remind(runner)
    assert [p for _t, p, *_ in notices(app)][2:] == [world["people"][0]] and "reminders off 1" in out

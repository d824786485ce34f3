""""Remind these people" on the gap list: scoped, a preview first, throttled, audited."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from lms.auth.models import User
from lms.core.audit import AuditLog
from lms.coverage import services as coverage_services
from lms.extensions import db
from lms.messages.models import Message
from tests.support import registry as r
from tests.support.client import login, post_form

AREA = "unit=44&as_of=2026-03-02"


@pytest.fixture
def app_config():
    return {"SMS_GATEWAY_URL": "http://127.0.0.1:9/send", "SMS_GATEWAY_TOKEN": "t"}


@pytest.fixture
def gaps(app, make_user):
    manager = make_user(("manager",), email="ql@example.vn")
    with app.app_context():
        from lms.registry import services as registry_services

        r.load_test_units()
        r.course("a")
        coverage_services.set_requirement("household_head", ["a"])
        sms = r.person("Có điện thoại", "household_head")
        paper = r.person("Không điện thoại", "household_head")
        paper.phone = None
        other = r.person("Tỉnh khác", "household_head", r.OTHER_COMMUNE)
        registry_services.assign_unit(db.session.get(User, manager.id), r.unit(r.HOME))
        db.session.commit()
        return {"sms": sms.id, "paper": paper.id, "other": other.id}


def _count(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Message))


def _figure(html, name):
    return int(re.search(rf'data-testid="remind-{name}">(\d+)<', html).group(1))


def test_preview_first_then_queue_within_the_area(app, client, gaps):
    login(client, "ql@example.vn")
    gap_page = client.get(f"/coverage/gaps?{AREA}").get_data(as_text=True)
    assert 'data-testid="remind-people"' in gap_page and f'name="ids" value="{gaps["sms"]}"' in gap_page
    html = client.get(f"/coverage/gaps/remind?{AREA}").get_data(as_text=True)
    assert _figure(html, "total") == 2 and _figure(html, "sms") == 1 and _figure(html, "none") == 1
    assert "Không điện thoại" in html and "Tỉnh khác" not in html
    # Activation slips are offered for the person no message reaches (and only for them).
    assert f'value="{gaps["paper"]}"' in html and f'value="{gaps["sms"]}"' not in html.split('data-testid="remind-slips"')[1]
    assert _count(app) == 0  # the preview queues nothing
    response = post_form(client, f"/coverage/gaps/remind?{AREA}", {}, token_from=f"/coverage/gaps/remind?{AREA}")
    assert response.status_code == 302
    with app.app_context():
        (m,) = db.session.scalars(select(Message)).all()
        assert (m.kind, m.channel, m.person_id) == ("manual", "sms", gaps["sms"])
        assert db.session.scalar(select(AuditLog).where(AuditLog.action == "coverage.remind")).details["queued"] == 1
    # Throttled: the same person is not reminded again within the week.
    html = client.get(f"/coverage/gaps/remind?{AREA}").get_data(as_text=True)
    assert _figure(html, "recent") == 1 and 'data-testid="remind-confirm"' not in html


def test_ticked_rows_only_and_never_outside_the_area(app, client, gaps):
    login(client, "ql@example.vn")
    url = f"/coverage/gaps/remind?{AREA}&ids={gaps['sms']}&ids={gaps['other']}"
    html = client.get(url).get_data(as_text=True)
    assert _figure(html, "total") == 1
    post_form(client, f"/coverage/gaps/remind?{AREA}", {"ids": [str(gaps["sms"]), str(gaps["other"])]},
              token_from=url)
    with app.app_context():
        assert [m.person_id for m in db.session.scalars(select(Message))] == [gaps["sms"]]


def test_another_area_is_forbidden(app, client, gaps):
    login(client, "ql@example.vn")
    assert client.get("/coverage/gaps/remind?unit=11").status_code == 403

"""Password recovery without e-mail, and self-registration checked against the registry."""

from __future__ import annotations

import re
import time

import pytest
from sqlalchemy import func, select

from lms.auth.models import User
from lms.core.audit import AuditLog
from lms.extensions import db
from lms.messages.models import Message
from lms.onboarding.models import ActivationCode, RegistrationRequest
from tests.support import registry as reg
from tests.support.client import login, post_form
from tests.support.registry import staff

SMS = {"SMS_GATEWAY_URL": "http://127.0.0.1:9/sms", "SMS_GATEWAY_TOKEN": "t"}


def _page_text(response) -> str:
    """The visible answer, without the per-session CSRF tokens."""
    return re.sub(r'value="[^"]*"', "", response.get_data(as_text=True))


@pytest.fixture
def account(app, make_person, issue):
    from tests.onboarding.test_codes import _activate

    pid = make_person(phone="0912345678")
    assert _activate(app.test_client(), issue(pid), "0912345678").status_code == 302
    return pid


def _forgot(app, phone):
    client = app.test_client()
    return post_form(client, "/forgot-password", {"phone": phone})


def test_the_login_page_links_to_recovery(client):
    page = client.get("/login").get_data(as_text=True)
    assert "Quên mật khẩu?" in page and 'href="/forgot-password"' in page


def test_without_a_channel_the_answer_is_the_same_and_nothing_changes(app, account):
    known, unknown = _forgot(app, "0912345678"), _forgot(app, "0987000000")
    assert known.status_code == unknown.status_code == 200
    assert _page_text(known) == _page_text(unknown)
    assert "cán bộ OCOP xã" in known.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Message)) == 0


def _timed(fn, *args, **kwargs):
    started = time.monotonic()
    response = fn(*args, **kwargs)
    return response, time.monotonic() - started


@pytest.mark.parametrize("app_config", [{**SMS, "NEUTRAL_RESPONSE_MS": 300}])
def test_with_sms_a_reset_code_is_sent_and_the_answer_is_the_same(app, account, app_config):
    (known, known_s), (unknown, unknown_s) = _timed(_forgot, app, "0912 345 678"), _timed(_forgot, app, "0987000000")
    assert _page_text(known) == _page_text(unknown)
    # Both answers wait for the same floor, which hides the work a known phone costs.
    assert known_s >= 0.3 and unknown_s >= 0.3
    with app.app_context():
        message = db.session.scalar(select(Message))
        assert message.kind == "reset" and message.channel == "sms" and message.address == "0912345678"
        code = re.search(r"\b[0-9A-Z]{5}-[0-9A-Z]{5}\b", message.body).group(0)
        assert db.session.scalar(select(ActivationCode.purpose).where(ActivationCode.revoked_at.is_(None),
                                                                      ActivationCode.used_at.is_(None))) == "reset"
    client = app.test_client()
    response = post_form(client, "/reset", {"code": code, "phone": "0912345678", "password": "mật khẩu mới tinh",
                                             "confirm": "mật khẩu mới tinh"})
    assert response.status_code == 302


@pytest.mark.parametrize("app_config", [{**SMS, "RESET_PHONE_RATE_LIMIT": "2/hour"}])
def test_recovery_is_rate_limited_per_phone(app, account, app_config):
    assert _forgot(app, "0912345678").status_code == 200
    assert _forgot(app, "0912345678").status_code == 200
    assert _forgot(app, "+84912345678").status_code == 429


# --- self-registration ----------------------------------------------------------------


def _register(app, client=None, **fields):
    client = client or app.test_client()
    data = {"full_name": "Phạm Thị Lan", "phone": "0912000111", "commune": reg.HOME_COMMUNE, "org_code": "",
            "agency": "", "position": ""}
    data.update(fields)
    url = f"/register?province={reg.HOME}"
    return post_form(client, url, data)


def test_the_form_lists_the_communes_of_a_province(client, units):
    page = client.get("/register").get_data(as_text=True)
    assert 'value="44"' in page
    page = client.get(f"/register?province={reg.HOME}").get_data(as_text=True)
    assert f'value="{reg.HOME_COMMUNE}"' in page and reg.OTHER_COMMUNE not in page


@pytest.mark.parametrize("app_config", [{"NEUTRAL_RESPONSE_MS": 300}])
def test_a_commune_is_found_by_name_without_accents(client, units):
    page = client.get("/register?q=dong hoi").get_data(as_text=True)
    assert f"/register?province={reg.HOME}&amp;commune={reg.HOME_COMMUNE}" in page
    page = client.get(f"/register?province={reg.HOME}&commune={reg.HOME_COMMUNE}").get_data(as_text=True)
    assert f'<option selected value="{reg.HOME_COMMUNE}">' in page


@pytest.mark.parametrize("app_config", [{"NEUTRAL_RESPONSE_MS": 300}])
def test_the_answer_never_says_whether_the_phone_is_known(app, make_person, app_config):
    make_person("Phạm Thị Lan", phone="0912000111")
    known, known_s = _timed(_register, app, None, phone="0912000111", org_code="0312345678")
    unknown, unknown_s = _timed(_register, app, None, phone="0912000999", org_code="0312345678")
    assert known.status_code == unknown.status_code == 200
    assert known_s >= 0.3 and unknown_s >= 0.3
    assert _page_text(known) == _page_text(unknown)
    assert "Đã nhận yêu cầu" in known.get_data(as_text=True)


def test_an_organisation_or_the_official_box_is_required(app, units):
    assert "Đã nhận" not in _register(app).get_data(as_text=True)
    assert "Đã nhận" not in _register(app, is_official="y").get_data(as_text=True)
    assert "Đã nhận" in _register(app, is_official="y", agency="UBND xã", position="Công chức").get_data(as_text=True)


@pytest.mark.parametrize("app_config", [{"SELF_REGISTRATION": False}])
def test_self_registration_can_be_switched_off(client, app_config):
    assert client.get("/register").status_code == 404


def test_duplicates_collapse_into_one(app, units):
    _register(app, org_code="0312345678")
    _register(app, phone="+84 912 000 111", org_code="0312345678", full_name="Phạm Thị Lan ")
    with app.app_context():
        (row,) = db.session.scalars(select(RegistrationRequest)).all()
        assert row.times == 2 and row.status == "pending"
        assert db.session.scalar(select(func.count()).select_from(AuditLog)
                                 .where(AuditLog.action == "onboarding.request_received")) == 2


def _manager(app, make_user, unit_code=reg.HOME, email="qt@example.vn"):
    user = staff(app, make_user, "manager", unit_code, email)
    client = app.test_client()
    assert login(client, email).status_code == 302
    return user, client


def _request_id(app):
    with app.app_context():
        return db.session.scalar(select(RegistrationRequest.id))


def test_a_matched_request_is_accepted_as_that_person(app, make_person, make_user):
    with app.app_context():
        org = reg.org("0312345678", name="HTX Chè Xanh")
        db.session.commit()
        org_id = org.id
    pid = make_person("Phạm Thị Lan", phone="0912000111", group="cooperative_leader")
    with app.app_context():
        from lms.registry.models import Person

        db.session.get(Person, pid).organisation_id = org_id
        db.session.commit()
    _register(app, phone="0987000555", full_name="pham thi lan", org_code="0312345678")  # other phone, same leader
    _, client = _manager(app, make_user)
    rid = _request_id(app)
    assert "có người khớp" in client.get("/registry/requests").get_data(as_text=True)
    page = client.get(f"/registry/requests/{rid}").get_data(as_text=True)
    assert f'name="person_id" value="{pid}"' in page
    response = post_form(client, f"/registry/requests/{rid}/accept", {"person_id": str(pid)},
                         token_from=f"/registry/requests/{rid}")
    assert response.status_code == 200  # no channel: the slip to print
    body = response.get_data(as_text=True)
    assert re.search(r"\b[0-9A-Z]{5}-[0-9A-Z]{5}\b", body) and "data:image/svg+xml" in body
    with app.app_context():
        row = db.session.get(RegistrationRequest, rid)
        assert row.status == "accepted" and row.person_id == pid
        user = db.session.scalar(select(User).where(User.person_id == pid))
        assert user is not None and not user.has_usable_password
        actions = set(db.session.scalars(select(AuditLog.action)))
        assert {"onboarding.request_accepted", "onboarding.code_issued"} <= actions


@pytest.mark.parametrize("app_config", [SMS])
def test_an_unmatched_request_creates_the_person_and_sends_the_code(app, units, make_user, app_config):
    _register(app, org_code="0399999999")
    _, client = _manager(app, make_user)
    rid = _request_id(app)
    assert "không khớp" in client.get("/registry/requests").get_data(as_text=True)
    response = post_form(client, f"/registry/requests/{rid}/accept", {}, token_from=f"/registry/requests/{rid}")
    assert response.status_code == 302
    with app.app_context():
        from lms.registry.models import Person

        person = db.session.scalar(select(Person).where(Person.phone == "0912000111"))
        assert person is not None and person.unit.code == reg.HOME_COMMUNE
        message = db.session.scalar(select(Message))
        assert message.kind == "activation" and message.channel == "sms" and message.person_id == person.id
        assert db.session.scalar(select(ActivationCode.channel)) == "sms"


def test_a_rejected_request_keeps_its_reason(app, units, make_user):
    _register(app, org_code="0399999999")
    _, client = _manager(app, make_user)
    rid = _request_id(app)
    url = f"/registry/requests/{rid}/reject"
    assert post_form(client, url, {"reason": ""}, token_from=f"/registry/requests/{rid}").status_code == 302
    with app.app_context():
        assert db.session.get(RegistrationRequest, rid).status == "pending"
    assert post_form(client, url, {"reason": "Không có tên trong danh sách OCOP"},
                     token_from=f"/registry/requests/{rid}").status_code == 302
    with app.app_context():
        row = db.session.get(RegistrationRequest, rid)
        assert row.status == "rejected" and row.reason.startswith("Không có tên")
        assert db.session.scalar(select(AuditLog).where(AuditLog.action == "onboarding.request_rejected"))
    # A new request from the same phone is a new one (the earlier was decided).
    _register(app, org_code="0399999999")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(RegistrationRequest)) == 2


def test_managers_see_only_their_units_requests(app, units, make_user):
    _register(app, org_code="0399999999")
    _, client = _manager(app, make_user, unit_code=reg.OTHER, email="other@example.vn")
    rid = _request_id(app)
    assert "Phạm Thị Lan" not in client.get("/registry/requests").get_data(as_text=True)
    assert client.get(f"/registry/requests/{rid}").status_code == 403
    response = post_form(client, f"/registry/requests/{rid}/accept", {}, token_from="/registry/requests")
    assert response.status_code == 403


def test_a_national_id_finds_the_person(app, make_person, make_user):
    pid = make_person("Đinh Văn Tùng", phone="0912000222", national_id="044099000123")
    _register(app, phone="0987000333", full_name="Tùng", national_id="044099000123", org_code="0300000000")
    _, client = _manager(app, make_user)
    page = client.get(f"/registry/requests/{_request_id(app)}").get_data(as_text=True)
    assert f'name="person_id" value="{pid}"' in page


def test_a_requests_national_id_is_stored_encrypted(app, make_person, make_user):
    from sqlalchemy import text

    from lms.extensions import db

    pid = make_person("Đinh Văn Tùng", phone="0912000222", national_id="044099000123")
    _register(app, phone="0987000333", full_name="Tùng", national_id="044099000123", org_code="0300000000")
    with app.app_context():
        rows = db.session.execute(text("SELECT * FROM registration_request")).mappings().all()
        assert rows and "national_id" not in rows[0]
        assert "044099000123" not in repr([dict(r) for r in rows])
        assert rows[0]["national_id_enc"].startswith("v1.") and rows[0]["national_id_hash"]
    # Accepting as a new person is refused on the phone rule only; linking keeps the match.
    _, client = _manager(app, make_user)
    rid = _request_id(app)
    response = post_form(client, f"/registry/requests/{rid}/accept", {"person_id": pid},
                         token_from=f"/registry/requests/{rid}")
    assert response.status_code in (200, 302)
    with app.app_context():
        from lms.onboarding.models import RegistrationRequest

        request = db.session.get(RegistrationRequest, rid)
        assert request.person_id == pid and request.national_id == "044099000123"


def test_key_rotation_re_encrypts_requests_and_keeps_the_match(app, runner, make_person, make_user):
    from sqlalchemy import select

    from lms.core.crypto import token_kid
    from lms.extensions import db
    from lms.onboarding.models import RegistrationRequest

    pid = make_person("Đinh Văn Tùng", phone="0912000222", national_id="044099000123")
    _register(app, phone="0987000333", full_name="Tùng", national_id="044099000123", org_code="0300000000")
    with app.app_context():
        before = db.session.scalar(select(RegistrationRequest.national_id_enc))
    app.config["DATA_KEY_OLD"] = app.config.get("DATA_KEY") or "dev:" + app.config["SECRET_KEY"]
    app.config["DATA_KEY"] = "the-new-province-key-with-enough-characters"
    result = runner.invoke(args=["lms", "rotate-data-key"])
    assert result.exit_code == 0 and "re-encrypted: 2" in result.output, result.output
    with app.app_context():
        request = db.session.scalar(select(RegistrationRequest))
        assert token_kid(request.national_id_enc) != token_kid(before)
        assert request.national_id == "044099000123"
    _, client = _manager(app, make_user)
    page = client.get(f"/registry/requests/{_request_id(app)}").get_data(as_text=True)
    assert f'name="person_id" value="{pid}"' in page

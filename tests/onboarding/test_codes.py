"""Activation and reset codes: format, every refusal, tries, rate limits, concurrency."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from lms.auth.models import User
from lms.core.audit import AuditLog
from lms.core.db import utcnow
from lms.extensions import db
from lms.onboarding import codes
from lms.onboarding.models import ActivationCode
from tests.support.client import login, post_form

PASSWORD = "hoa sen nở rộ"
NEUTRAL = "Không dùng được mã này"


def _activate(client, code, phone, password=PASSWORD, path=None):
    return post_form(client, path or "/activate", {"code": code, "phone": phone, "password": password,
                                                   "confirm": password})


def test_codes_have_50_bits_in_two_groups_of_five():
    code = codes.new_code()
    assert len(code) == 11 and code[5] == "-"
    assert set(code.replace("-", "")) <= set(codes.ALPHABET)
    assert len({codes.new_code() for _ in range(1000)}) == 1000


def test_typing_is_forgiving():
    assert codes.normalize("abcde-fghjk") == "ABCDEFGHJK"
    assert codes.normalize(" abcde fghjk ") == "ABCDEFGHJK"
    assert codes.normalize("ABCDEFGHJK") == "ABCDEFGHJK"
    assert codes.normalize("oilo0-11111") == "0110011111"  # O→0, I and L→1
    assert codes.normalize("ABCDE-FGHJU") is None  # U is not in the alphabet
    assert codes.normalize("ABCD-FGHJK") is None


def test_the_code_is_stored_hashed(app, make_person, issue):
    code = issue(make_person(phone="0912345678"))
    with app.app_context():
        row = db.session.scalar(select(ActivationCode))
        assert code.replace("-", "") not in row.code_hash
        assert row.code_hash == codes.code_hash(code)


@pytest.mark.parametrize("spelling", ["lower", "nodash", "spaces"])
def test_activation_logs_in_and_lands_on_my_learning(app, client, make_person, issue, spelling):
    pid = make_person(phone="0912345678")
    code = issue(pid)
    typed = {"lower": code.lower(), "nodash": code.replace("-", ""), "spaces": code.replace("-", " ")}[spelling]
    response = _activate(client, typed, "+84 912 345 678")
    assert response.status_code == 302 and response.headers["Location"] == "/my-learning"
    assert client.get("/my-learning").status_code == 200
    with app.app_context():
        user = db.session.scalar(select(User).where(User.person_id == pid))
        assert user.phone == "0912345678" and user.roles == ["learner"]
        assert db.session.scalar(select(ActivationCode.used_at)) is not None
        entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "onboarding.activated"))
        assert entry is not None and code.replace("-", "") not in str(entry.details)
    # The code is spent.
    other = app.test_client()
    assert NEUTRAL in _activate(other, code, "0912345678").get_data(as_text=True)
    # And the new password works with the phone in another spelling.
    fresh = app.test_client()
    assert login(fresh, "0912.345.678", PASSWORD).status_code == 302


def test_the_link_in_the_qr_code_fills_the_code(client, make_person, issue):
    code = issue(make_person(phone="0912345678"))
    page = client.get(f"/activate/{code}").get_data(as_text=True)
    assert f'value="{code}"' in page
    response = _activate(client, code, "0912345678", path=f"/activate/{code}")
    assert response.status_code == 302


def _refused(client, code, phone, path=None):
    response = _activate(client, code, phone, path=path)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert NEUTRAL in body
    return body


def test_every_refusal_reads_the_same(app, client, make_person, issue):
    mine = make_person(phone="0912345678")
    other = make_person("Lê Văn Nam", phone="0987654321")
    code = issue(mine)
    other_code = issue(other)
    bodies = [
        _refused(client, code, "0987654321"),  # wrong phone
        _refused(client, other_code, "0912345678"),  # another person's code
        _refused(client, "ZZZZZ-ZZZZZ", "0912345678"),  # unknown
        _refused(client, "not a code", "0912345678"),  # malformed
        _refused(client, code, "0912345678", path="/reset"),  # wrong purpose
    ]
    # Superseded: a new code makes the earlier one invalid.
    newer = issue(mine)
    bodies.append(_refused(client, code, "0912345678"))
    # Expired.
    with app.app_context():
        db.session.execute(ActivationCode.__table__.update()
                           .where(ActivationCode.code_hash == codes.code_hash(newer))
                           .values(expires_at=utcnow() - timedelta(minutes=1)))
        db.session.commit()
    bodies.append(_refused(client, newer, "0912345678"))
    # Used.
    last = issue(other)
    assert _activate(app.test_client(), last, "0987654321").status_code == 302
    bodies.append(_refused(client, last, "0987654321"))
    errors = {b.split('class="error" role="alert">', 1)[1].split("<", 1)[0] for b in bodies}
    assert len(errors) == 1
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User).where(User.person_id == mine)) == 0


def test_too_many_wrong_phones_kill_the_code(app, client, make_person, issue):
    code = issue(make_person(phone="0912345678"))
    for _ in range(app.config["ACTIVATION_MAX_TRIES"]):
        _refused(client, code, "0987654321")
    _refused(client, code, "0912345678")  # the right phone, too late


@pytest.mark.parametrize("app_config", [{"ACTIVATION_RATE_LIMIT": "3/minute"}])
def test_tries_are_rate_limited_per_address(client, make_person, issue, app_config):
    code = issue(make_person(phone="0912345678"))
    for _ in range(3):
        _refused(client, "ZZZZZ-ZZZZZ", "0912345678")
    response = _activate(client, code, "0912345678")
    assert response.status_code == 429


def test_password_rules_are_checked_before_the_code(client, make_person, issue):
    code = issue(make_person(phone="0912345678"))
    body = _activate(client, code, "0912345678", password="12345").get_data(as_text=True)
    assert NEUTRAL not in body and "10" in body
    assert _activate(client, code, "0912345678").status_code == 302  # the code was not spent


def test_reset_code_ends_other_sessions(app, make_person, issue, make_user):
    pid = make_person(phone="0912345678")
    assert _activate(app.test_client(), issue(pid), "0912345678").status_code == 302
    laptop = app.test_client()
    assert login(laptop, "0912345678", PASSWORD).status_code == 302
    assert laptop.get("/account").status_code == 200
    code = issue(pid, purpose="reset")
    phone = app.test_client()
    response = post_form(phone, f"/reset/{code}", {"code": code, "phone": "0912345678",
                                                   "password": "mật khẩu mới tinh", "confirm": "mật khẩu mới tinh"})
    assert response.status_code == 302
    assert laptop.get("/account").status_code == 302  # logged out
    assert login(app.test_client(), "0912345678", "mật khẩu mới tinh").status_code == 302


def test_two_concurrent_activations_give_one_account(app, make_person, issue):
    pid = make_person(phone="0912345678")
    code = issue(pid)
    barrier = threading.Barrier(2)
    statuses = []

    def run():
        client = app.test_client()
        token_page = client.get("/activate")
        assert token_page.status_code == 200
        barrier.wait()
        try:
            statuses.append(_activate_with_page(client, token_page, code))
        except Exception as exc:  # noqa: BLE001 - a database refusal also counts as "not twice"
            statuses.append(repr(exc))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses.count(302) == 1, statuses
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User).where(User.person_id == pid)) == 1


def _activate_with_page(client, page, code):
    from tests.support.client import CSRF_RE

    token = CSRF_RE.search(page.get_data(as_text=True)).group(1)
    return client.post("/activate", data={"csrf_token": token, "code": code, "phone": "0912345678",
                                          "password": PASSWORD, "confirm": PASSWORD}).status_code

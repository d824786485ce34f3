"""Issue 18, finding 2: sessions end on the server (logout, idle time, lifetime, password
reset, deactivation), and API tokens end with an administrator's reset or deactivation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from lms.extensions import db
from tests.support.client import csrf_token, login, post_form
from tests.support.users import PASSWORD


def _copy(source, app):
    """Another browser (another address) with a copy of ``source``'s session cookie."""
    thief = app.test_client()
    cookie = source.get_cookie("lms_session")
    thief.set_cookie("lms_session", cookie.value)
    return thief


def _in(client) -> bool:
    return client.get("/account", environ_base={"REMOTE_ADDR": "10.6.6.6"}).status_code == 200


def test_a_cookie_copied_before_logout_stops_working_after_it(app, client, make_user):
    make_user(email="copy@example.vn")
    login(client, "copy@example.vn")
    thief = _copy(client, app)
    assert _in(thief)
    assert post_form(client, "/logout", {}, token_from="/account").status_code == 302
    assert not _in(thief)
    assert not _in(client)


def _age(app, **delta):
    from lms.auth.models import UserSession

    with app.app_context():
        for row in db.session.scalars(select(UserSession)):
            if "idle" in delta:
                row.last_seen_at -= delta["idle"]
            if "age" in delta:
                row.created_at -= delta["age"]
        db.session.commit()


@pytest.mark.parametrize("app_config", [{"SESSION_IDLE_MINUTES": 30, "SESSION_MAX_HOURS": 8}])
def test_idle_timeout_and_absolute_lifetime_are_configurable(app, make_user):
    make_user(email="idle@example.vn")
    a = app.test_client()
    login(a, "idle@example.vn")
    _age(app, idle=timedelta(minutes=29))
    assert _in(a)
    _age(app, idle=timedelta(minutes=2))  # 31 minutes without a request
    assert not _in(a)

    b = app.test_client()
    login(b, "idle@example.vn")
    _age(app, age=timedelta(hours=8, minutes=1))  # active, but logged in more than 8 hours ago
    assert not _in(b)


def test_activity_keeps_the_session_alive(app, make_user):
    from lms.auth.models import UserSession

    make_user(email="busy@example.vn")
    a = app.test_client()
    login(a, "busy@example.vn")
    _age(app, idle=timedelta(minutes=10))
    response = a.get("/account")
    response.close()  # the activity is recorded after the response
    with app.app_context():
        row = db.session.scalar(select(UserSession))
        from lms.core.db import utcnow

        assert utcnow() - row.last_seen_at < timedelta(minutes=1)


def test_admin_password_reset_and_deactivation_end_sessions_and_api_tokens(app, users, make_user):
    from lms.apitokens import services as token_services
    from lms.apitokens.services import user_from_bearer
    from lms.auth.models import User

    manager = app.test_client()
    login(manager, "manager@example.vn")
    with app.app_context():
        _token, secret = token_services.create_token(db.session.get(User, users["manager"].id), "báo cáo")
        db.session.commit()
    admin = app.test_client()
    login(admin, "admin@example.vn")
    response = post_form(admin, f"/admin/users/{users['manager'].id}", {
        "name": "Quản lý", "email": "manager@example.vn", "roles": ["manager"], "active": "y",
        "temporary_password": "reset-pass-2026",
    })
    assert response.status_code == 302
    assert not _in(manager)
    with app.app_context():
        assert user_from_bearer(f"Bearer {secret}") is None
    # Deactivation does the same for a learner's sessions.
    learner = app.test_client()
    login(learner, "learner@example.vn")
    response = post_form(admin, f"/admin/users/{users['learner'].id}", {
        "name": "Học viên", "email": "learner@example.vn", "roles": ["learner"]})
    assert response.status_code == 302 and not _in(learner)


def test_end_other_sessions_keeps_the_named_one(app, make_user):
    from lms.auth import services
    from lms.auth.models import User

    user = make_user(email="many@example.vn")
    phone, laptop = app.test_client(), app.test_client()
    login(phone, "many@example.vn")
    login(laptop, "many@example.vn")
    with app.app_context():
        u = db.session.get(User, user.id)
        keep = services.start_session(u)
        assert services.end_other_sessions(u, keep=keep) == 2
        assert len(services.active_sessions(u)) == 1
        assert services.end_all_sessions(u) == 1
        db.session.commit()
    assert not _in(phone) and not _in(laptop)
    assert login(phone, "many@example.vn", PASSWORD).status_code == 302 and _in(phone)
    assert csrf_token(phone, "/account")

"""Administrators see and revoke the API tokens of any account on its user page."""

from __future__ import annotations

import re

from sqlalchemy import select

from lms.apitokens import services
from lms.apitokens.models import ApiToken
from lms.auth.models import User
from lms.core.audit import AuditLog
from lms.extensions import db
from tests.support.client import csrf_token, login


def _token_for(app, user_id: int, name: str) -> tuple[int, str]:
    with app.app_context():
        token, secret = services.create_token(db.session.get(User, user_id), name)
        db.session.commit()
        return token.id, token.prefix


def test_admin_sees_a_managers_tokens_and_revokes_one(app, client, users):
    manager_id = users["manager"].id
    token_id, prefix = _token_for(app, manager_id, "Báo cáo <tỉnh>")
    login(client, "admin@example.vn")
    page = client.get(f"/admin/users/{manager_id}")
    html = page.get_data(as_text=True)
    assert 'data-testid="user-tokens"' in html
    assert "Báo cáo &lt;tỉnh&gt;" in html and prefix in html
    action = f"/admin/users/{manager_id}/tokens/{token_id}/revoke"
    assert action in html

    response = client.post(action, data={"csrf_token": csrf_token(client, f"/admin/users/{manager_id}")})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/admin/users/{manager_id}#tokens")
    with app.app_context():
        assert db.session.get(ApiToken, token_id).revoked_at is not None
        entry = db.session.scalar(select(AuditLog).filter_by(action="api_token.revoke", object_id=str(token_id)))
        assert entry is not None and entry.actor_id == users["admin"].id
    assert action not in client.get(f"/admin/users/{manager_id}").get_data(as_text=True)


def test_revoked_token_no_longer_opens_the_api(app, client, users):
    manager_id = users["manager"].id
    with app.app_context():
        token, secret = services.create_token(db.session.get(User, manager_id), "script")
        db.session.commit()
        token_id = token.id
    api = app.test_client()
    assert api.get("/api/v1/coverage", headers={"Authorization": f"Bearer {secret}"}).status_code != 401
    login(client, "admin@example.vn")
    client.post(f"/admin/users/{manager_id}/tokens/{token_id}/revoke",
                data={"csrf_token": csrf_token(client, f"/admin/users/{manager_id}")})
    assert api.get("/api/v1/coverage", headers={"Authorization": f"Bearer {secret}"}).status_code == 401


def test_a_manager_cannot_revoke_through_the_admin_route(app, client, users):
    admin_id = users["admin"].id
    token_id, _prefix = _token_for(app, admin_id, "admin script")
    login(client, "manager@example.vn")
    response = client.post(f"/admin/users/{admin_id}/tokens/{token_id}/revoke",
                           data={"csrf_token": csrf_token(client, "/account/tokens")})
    assert response.status_code == 403
    with app.app_context():
        assert db.session.get(ApiToken, token_id).revoked_at is None


def test_learner_page_without_tokens_shows_no_panel(client, users):
    login(client, "admin@example.vn")
    html = client.get(f"/admin/users/{users['learner'].id}").get_data(as_text=True)
    assert not re.search(r'data-testid="user-tokens"', html)

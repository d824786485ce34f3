"""A manager's own token page: create a token (shown once), see it listed, revoke it."""

from __future__ import annotations

import re

from tests.support.client import csrf_token, login, post_form


def test_manager_creates_lists_and_revokes_a_token(client, users):
    login(client, "manager@example.vn")
    created = post_form(client, "/account/tokens", {"name": "Bảng <tính>"})
    html = created.get_data(as_text=True)
    assert re.search(r'data-testid="token">lms_', html)
    assert "Bảng &lt;tính&gt;" in html
    action = re.search(r'action="(/account/tokens/\d+/revoke)"', html).group(1)

    response = client.post(action, data={"csrf_token": csrf_token(client, "/account/tokens")})
    assert response.status_code == 302
    page = client.get("/account/tokens").get_data(as_text=True)
    assert action not in page
    assert "Đã thu hồi" in page  # "Revoked", in the default language

"""The profile form takes a display name and a language, nothing else (mass assignment)."""

from __future__ import annotations

from lms.auth.models import User
from lms.extensions import db
from tests.support.client import login, post_form

EXTRA = {"roles": "admin", "role": "admin", "active": "0", "email": "evil@example.vn", "phone": "0900000000",
         "user_id": "{other}", "id": "{other}", "person_id": "{other_person}", "unit": "1", "score": "100",
         "password_hash": "x", "must_change_password": "y"}


def _state(app, user_id):
    with app.app_context():
        user = db.session.get(User, user_id)
        return (list(user.roles), user.active, user.email, user.phone, user.person_id, user.password_hash,
                user.display_name)


def test_profile_form_ignores_every_extra_field(app, client, users, make_user):
    other = make_user(("learner",), email="other@example.vn")
    me = users["learner"]
    mine_before, other_before = _state(app, me.id), _state(app, other.id)
    login(client, "learner@example.vn")
    extra = {k: v.format(other=other.id, other_person=other.person_id) for k, v in EXTRA.items()}
    response = post_form(client, "/account", {"display_name": "Tên mới", "locale": "vi", **extra})
    assert response.status_code in (200, 302)
    after = _state(app, me.id)
    assert after[-1] == "Tên mới"  # the one field the form owns changed …
    assert after[:-1] == mine_before[:-1]  # … and nothing else did
    assert _state(app, other.id) == other_before
    assert client.get("/admin/users").status_code == 403


def test_manager_cannot_grant_themselves_roles_or_units(app, client, users):
    login(client, "manager@example.vn")
    before = _state(app, users["manager"].id)
    post_form(client, "/account", {"display_name": before[-1], "roles": "admin", "unit": "1"})
    assert _state(app, users["manager"].id) == before
    # The admin-only pages that could do it refuse a manager.
    for path in ("/registry/assignments", f"/admin/users/{users['manager'].id}"):
        assert client.get(path).status_code == 403

"""Administrators create, edit and deactivate users; users edit their own profile."""

from __future__ import annotations

from sqlalchemy import select

from lms.auth.models import User
from lms.core.audit import AuditLog
from lms.extensions import db
from tests.support.client import login, post_form


def test_admin_creates_a_user_with_a_temporary_password(app, client, users):
    login(client, "admin@example.vn")
    response = post_form(client, "/admin/users/new", {
        "name": "  Phạm   Thị Lan ", "phone": "0987 654 321", "roles": ["learner", "trainer"],
        "active": "y", "temporary_password": "temp-pass-2026",
    })
    assert response.status_code == 302
    with app.app_context():
        user = db.session.scalar(select(User).filter_by(phone="0987654321"))
        assert user.display_name == "Phạm Thị Lan"
        assert user.roles == ["learner", "trainer"]
        assert user.must_change_password
        assert db.session.scalar(select(AuditLog).filter_by(action="user.create", object_id=str(user.id)))
    other = app.test_client()
    assert login(other, "0987654321", "temp-pass-2026").headers["Location"].startswith("/account/password")


def test_admin_form_shows_errors_beside_fields(client, users):
    login(client, "admin@example.vn")
    response = post_form(client, "/admin/users/new", {
        "name": "Dup", "email": "learner@example.vn", "roles": ["learner"],
        "temporary_password": "temp-pass-2026",
    })
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "đã được một tài khoản khác sử dụng" in html
    assert 'aria-invalid="true"' in html


def test_admin_edits_roles_and_resets_password(app, client, users):
    login(client, "admin@example.vn")
    learner = users["learner"]
    response = post_form(client, f"/admin/users/{learner.id}", {
        "name": "Học viên", "email": "learner@example.vn", "roles": ["learner", "manager"],
        "active": "y", "temporary_password": "reset-pass-2026",
    })
    assert response.status_code == 302
    with app.app_context():
        user = db.session.get(User, learner.id)
        assert user.roles == ["learner", "manager"]
        assert user.must_change_password
        entry = db.session.scalar(select(AuditLog).filter_by(action="user.update"))
        assert entry.details["roles"] == {"old": ["learner"], "new": ["learner", "manager"]}
        assert entry.actor_id == users["admin"].id


def test_admin_cannot_lock_themselves_out(app, client, users):
    admin = users["admin"]
    login(client, "admin@example.vn")
    response = post_form(client, f"/admin/users/{admin.id}", {
        "name": "Admin", "email": "admin@example.vn", "roles": ["learner"], "active": "y",
    })
    assert response.status_code == 200
    with app.app_context():
        assert db.session.get(User, admin.id).roles == ["admin"]


def test_user_list_search(client, users, make_user):
    make_user(name="Hoàng Văn Thụ", phone="0355123456")
    login(client, "admin@example.vn")
    html = client.get("/admin/users?q=0355 123 456").get_data(as_text=True)
    assert "Hoàng Văn Thụ" in html and "learner@example.vn" not in html
    html = client.get("/admin/users?q=hoàng").get_data(as_text=True)
    assert "Hoàng Văn Thụ" in html


def test_user_changes_own_display_name_and_language(app, client, users):
    login(client, "learner@example.vn")
    response = post_form(client, "/account", {"display_name": "Tên Mới", "locale": "en"})
    assert response.status_code == 302
    html = client.get("/").get_data(as_text=True)
    assert "Hello, Tên Mới" in html


def test_user_cannot_change_own_roles_through_the_profile_form(app, client, users):
    login(client, "learner@example.vn")
    post_form(client, "/account", {"display_name": "X", "roles": ["admin"], "active": "y"})
    with app.app_context():
        assert db.session.get(User, users["learner"].id).roles == ["learner"]

"""Users for tests: the common password, a user factory and one user per role."""

from __future__ import annotations

from lms.extensions import db

PASSWORD = "correct-horse-battery"


def user_factory(app):
    """``factory(roles=("trainer",), email=..., phone=...)`` → a committed, detached User."""
    from lms.auth import services

    counter = {"n": 0}

    def factory(roles=("learner",), email=None, phone=None, name=None, password=PASSWORD,
                temporary=False, active=True):
        counter["n"] += 1
        n = counter["n"]
        if email is None and phone is None:
            email = f"user{n}@example.vn"
        with app.app_context():
            user = services.create_user(
                name=name or f"Người dùng {n}", email=email, phone=phone, roles=list(roles),
                password=password, temporary=temporary,
            )
            user.active = active
            db.session.commit()
            db.session.refresh(user)
            db.session.expunge(user)
            return user

    return factory


def role_users(make_user) -> dict:
    """One user per role, with predictable logins (``<role>@example.vn``)."""
    return {
        "learner": make_user(("learner",), email="learner@example.vn"),
        "trainer": make_user(("trainer",), email="trainer@example.vn"),
        "manager": make_user(("manager",), email="manager@example.vn"),
        "admin": make_user(("admin",), email="admin@example.vn"),
    }

"""flask lms create-user and seed-demo."""

from __future__ import annotations

from sqlalchemy import func, select

from lms.auth.models import User
from lms.extensions import db
from tests.support.client import login


def test_create_user_prints_the_new_id_and_the_user_can_log_in(app, runner):
    result = runner.invoke(args=[
        "lms", "create-user", "--name", "Nguyễn Văn An", "--phone", "0912.345.678",
        "--role", "learner", "--role", "trainer", "--password", "a-good-long-password",
    ])
    assert result.exit_code == 0, result.output
    user_id = int(result.output.strip())
    with app.app_context():
        user = db.session.get(User, user_id)
        assert user.phone == "0912345678"
        assert user.roles == ["learner", "trainer"]
        assert user.person.full_name == "Nguyễn Văn An"
    assert login(app.test_client(), "+84912345678", "a-good-long-password").status_code == 302


def _invoke(runner, *extra):
    return runner.invoke(args=["lms", "create-user", "--name", "X Y", *extra])


def test_duplicate_and_invalid_values_exit_non_zero_with_one_line(app, runner):
    ok = _invoke(runner, "--email", "a@example.vn", "--role", "learner", "--password", "long-enough-pw")
    assert ok.exit_code == 0
    cases = [
        ("--email", "A@example.vn", "--role", "learner", "--password", "long-enough-pw"),
        ("--email", "not-an-email", "--role", "learner", "--password", "long-enough-pw"),
        ("--phone", "12345", "--role", "learner", "--password", "long-enough-pw"),
        ("--email", "b@example.vn", "--role", "learner", "--password", "short"),
        ("--email", "c@example.vn", "--role", "king", "--password", "long-enough-pw"),
        ("--role", "learner", "--password", "long-enough-pw"),
    ]
    for args in cases:
        result = _invoke(runner, *args)
        assert result.exit_code != 0, args
        lines = [line for line in result.output.strip().splitlines() if line.strip()]
        assert lines and lines[-1].startswith("Error:"), result.output
        assert "Traceback" not in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 1


def test_seed_demo_is_idempotent_and_prints_logins(app, runner):
    first = runner.invoke(args=["lms", "seed-demo"])
    assert first.exit_code == 0, first.output
    assert "admin@demo.ocop.vn" in first.output and "0912345678" in first.output
    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(User))
        roles = {r for u in db.session.scalars(select(User)) for r in u.roles}
    assert roles == {"learner", "trainer", "manager", "admin"}
    second = runner.invoke(args=["lms", "seed-demo"])
    assert second.exit_code == 0
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == count
    assert login(app.test_client(), "0912 345 678", "ocop-demo-2026").status_code == 302
    with app.app_context():  # the demo learner is a household head of the demo province
        from lms.registry.models import Person

        learner = db.session.scalar(select(User).filter_by(phone="0912345678"))
        person = db.session.get(Person, learner.person_id)
        assert person.target_group == "household_head"
        assert (person.unit.scheme, person.unit.level) == ("2025", "commune")


def test_seed_demo_refuses_production(app, runner):
    app.config["LMS_ENV"] = "production"
    result = runner.invoke(args=["lms", "seed-demo"])
    assert result.exit_code != 0
    assert "production" in result.output

"""Issue 18 ("as a new user would"): every ``flask lms`` command on a database that was never
migrated says to run ``flask db upgrade`` instead of ending in a traceback, and
``import-courses --check`` validates the files without any database."""

from __future__ import annotations

import pytest

from lms import create_app

REQUIRED_ARGS = {
    "import-registry": ["missing.csv"],
    "export-course": ["mini", "out.zip"],
}


@pytest.fixture
def bare(tmp_path):
    return create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'never-migrated.db'}",
                       "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})


def test_import_courses_check_needs_no_database(bare):
    result = bare.test_cli_runner().invoke(args=["lms", "import-courses", "--check"])
    assert result.exit_code == 0, result.output
    assert "course(s) valid" in result.output


def test_every_command_says_to_run_db_upgrade(bare):
    group = bare.cli.get_command(bare.cli.make_context("flask", ["lms"], resilient_parsing=True), "lms")
    runner = bare.test_cli_runner()
    tracebacks, told = [], 0
    for name in sorted(group.commands):
        result = runner.invoke(args=["lms", name, *REQUIRED_ARGS.get(name, [])])
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            tracebacks.append(f"{name}: {type(result.exception).__name__}: {result.exception}")
        if "flask db upgrade" in result.output:
            told += 1
    assert tracebacks == [], "\n".join(tracebacks)
    assert told >= 5 and len(group.commands) > 15, (told, len(group.commands))
    result = runner.invoke(args=["lms", "import-courses"])
    assert result.exit_code == 1 and "flask db upgrade" in result.output

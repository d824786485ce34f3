"""Configuration from the environment."""

from __future__ import annotations

import pytest

from lms import create_app
from lms.config import ConfigError, load_config


def test_production_refuses_to_start_without_a_secret_key(monkeypatch, tmp_path):
    monkeypatch.setenv("LMS_ENV", "production")
    monkeypatch.delenv("LMS_SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="LMS_SECRET_KEY"):
        load_config(str(tmp_path))
    with pytest.raises(ConfigError):
        create_app()


def test_local_secret_key_is_generated_once(monkeypatch, tmp_path):
    monkeypatch.delenv("LMS_ENV", raising=False)
    monkeypatch.delenv("LMS_SECRET_KEY", raising=False)
    first = load_config(str(tmp_path))["SECRET_KEY"]
    second = load_config(str(tmp_path))["SECRET_KEY"]
    assert first == second and len(first) >= 32
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_environment_variables_are_read(monkeypatch, tmp_path):
    monkeypatch.setenv("LMS_SECRET_KEY", "k" * 40)
    monkeypatch.setenv("LMS_DATABASE_URL", "postgresql+psycopg://u@db/lms")
    monkeypatch.setenv("LMS_HTTPS", "true")
    monkeypatch.setenv("LMS_LOGIN_RATE_LIMIT", "5/minute")
    config = load_config(str(tmp_path))
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db/lms"
    assert config["SESSION_COOKIE_SECURE"] is True
    assert config["LOGIN_RATE_LIMIT"] == "5/minute"


def test_default_database_is_sqlite_in_the_instance_folder(monkeypatch, tmp_path):
    monkeypatch.delenv("LMS_DATABASE_URL", raising=False)
    assert load_config(str(tmp_path))["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'lms.db'}"

"""Unbound extension objects; ``create_app`` binds them to an app.

Flask-Migrate is imported only when a migration runs (``LazyMigrate`` below): importing it
imports Alembic, Mako and Pygments, about 11 MiB in every web worker, which never migrates
(``flask db upgrade`` is a deployment step). ``LazyMigrate.init_app`` records the settings and
registers a ``flask db`` command that loads the real one when it runs; the first read of
``app.extensions["migrate"]`` (Flask-Migrate's ``upgrade()``, ``migrations/env.py``) or of an
attribute of ``migrate`` (``migrate.get_config()``) binds the real ``flask_migrate.Migrate``
to the app, with the same settings.
"""

from __future__ import annotations

from typing import Any

import click
from flask import Flask, current_app
from flask_babel import Babel
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from lms.core.db import Base


class LazyMigrate:
    """Stands for ``flask_migrate.Migrate`` (one object for every app, like an extension)."""

    def __init__(self) -> None:
        self._real: Any = None

    def init_app(self, app: Flask, db: Any, **options: Any) -> None:
        app.extensions["migrate"] = _PendingMigrate(self, app, db, options)
        app.cli.add_command(LazyCommand("db", "flask_migrate.cli:db", "Perform database migrations."))

    def real(self) -> Any:
        if self._real is None:
            from flask_migrate import Migrate

            self._real = Migrate()
        return self._real

    def __getattr__(self, name: str) -> Any:
        # Only reached for names this class does not define: the real Migrate's API,
        # bound to the current app first (as Migrate.init_app would have done).
        if name.startswith("__"):
            raise AttributeError(name)
        pending = current_app.extensions.get("migrate")
        if isinstance(pending, _PendingMigrate):
            pending.resolve()
        return getattr(self.real(), name)


class _PendingMigrate:
    """``app.extensions["migrate"]`` until something reads it; then Flask-Migrate's own."""

    def __init__(self, owner: LazyMigrate, app: Flask, db: Any, options: dict) -> None:
        self.owner, self.app, self.db_, self.options = owner, app, db, options

    def resolve(self) -> Any:
        if self.app.extensions.get("migrate") is self:
            # Replaces this object and the lazy ``db`` command with Flask-Migrate's.
            self.owner.real().init_app(self.app, self.db_, **self.options)
        return self.app.extensions["migrate"]

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(self.resolve(), name)


class LazyCommand(click.Command):
    """A click command (or group) imported from ``module:attribute`` when it runs; every
    argument, ``--help`` included, goes to the real one."""

    def __init__(self, name: str, import_path: str, short_help: str) -> None:
        super().__init__(
            name, help=short_help, short_help=short_help, add_help_option=False,
            context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
        )
        self.import_path = import_path

    def load(self) -> click.Command:
        module, _, attribute = self.import_path.partition(":")
        return getattr(__import__(module, fromlist=[attribute]), attribute)

    def invoke(self, ctx: click.Context) -> Any:
        real = self.load()
        with real.make_context(ctx.info_name or self.name, list(ctx.args), parent=ctx.parent) as sub:
            return real.invoke(sub)


db = SQLAlchemy(model_class=Base)
migrate = LazyMigrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()

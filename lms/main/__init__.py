"""The home page, the language switch, the health check and the demo data."""

from __future__ import annotations

from flask import Flask

from lms.core.cli import register_commands


def init_app(app: Flask) -> None:
    from lms.main import cli, views

    app.register_blueprint(views.bp)
    register_commands(app, cli.commands)

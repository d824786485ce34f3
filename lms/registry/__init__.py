"""The registry of people who must be trained: units, organisations, people, imports."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from lms.core.cli import register_commands
from lms.core.security import ADMIN, MANAGER, TRAINER
from lms.core.templating import add_nav_item


def init_app(app: Flask) -> None:
    from lms.messages import views as message_views
    from lms.registry import cli, hooks, views

    app.register_blueprint(views.bp)
    register_commands(app, cli.commands)
    add_nav_item(app, "registry.people", _l("Registry"), roles=(TRAINER, MANAGER, ADMIN), order=40)
    hooks.person_panels.register(app, message_views.person_messages_panel)

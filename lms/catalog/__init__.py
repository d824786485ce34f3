"""Courses, modules, lessons, enrolment, lesson progress, completion and authoring."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from lms.core.cli import register_commands
from lms.core.security import ADMIN, TRAINER
from lms.core.templating import add_nav_item
from lms.registry import hooks as registry_hooks


def init_app(app: Flask) -> None:
    from lms.catalog import author_views, cli, completions_import, views

    app.register_blueprint(views.bp)
    app.register_blueprint(author_views.bp)
    register_commands(app, cli.commands)
    add_nav_item(app, "catalog.my_learning", _l("My learning"), order=10)
    add_nav_item(app, "catalog.index", _l("Courses"), order=20)
    add_nav_item(app, "author.courses", _l("Authoring"), roles=(TRAINER, ADMIN), order=60)
    registry_hooks.import_handlers.register(app, completions_import.CompletionsImport())
    registry_hooks.person_panels.register(app, views.person_completions_panel)

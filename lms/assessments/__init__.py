"""Quizzes: question types, attempts, grading, gradebook, GIFT/Aiken/YAML files."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from lms.catalog import hooks as catalog_hooks
from lms.core.cli import register_commands
from lms.core.security import ADMIN, TRAINER
from lms.core.templating import add_nav_item


def init_app(app: Flask) -> None:
    from lms.assessments import cli, reminders, services, views
    from lms.messages import hooks as message_hooks

    app.register_blueprint(views.bp)
    register_commands(app, cli.commands)
    add_nav_item(app, "assessments.index", _l("Quizzes"), order=30)
    add_nav_item(app, "assessments.grading_queue", _l("Marking"), roles=(TRAINER, ADMIN), order=35)
    catalog_hooks.requirement_checkers.register(app, services.quizzes_passed)
    catalog_hooks.quiz_slug_providers.register(app, services.quiz_slugs)
    catalog_hooks.course_panels.register(app, views.render_course_panel)
    message_hooks.reminder_rules.register(app, reminders.RULE)

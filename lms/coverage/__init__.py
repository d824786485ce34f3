"""Coverage toward 100 %: requirements, figures, gap lists, exports and the JSON API."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from lms.core.cli import register_commands
from lms.core.security import ADMIN, MANAGER
from lms.core.templating import add_nav_item


def init_app(app: Flask) -> None:
    from lms.coverage import cli, reminders, views
    from lms.jobs import hooks as job_hooks
    from lms.messages import hooks as message_hooks

    app.register_blueprint(views.bp)
    register_commands(app, cli.commands)
    add_nav_item(app, "coverage.dashboard", _l("Coverage"), roles=(MANAGER, ADMIN), order=30)
    message_hooks.reminder_rules.register(app, reminders.RULE)
    job_hooks.handlers.register(app, views.GAPS_JOB_HANDLER)

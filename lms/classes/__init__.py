"""Face-to-face classes: rosters, attendance, check-in and completion by class."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from lms.certification import hooks as certification_hooks
from lms.core.cli import register_commands
from lms.core.security import ADMIN, LEARNER, MANAGER, TRAINER
from lms.core.templating import add_nav_item
from lms.coverage import hooks as coverage_hooks


def init_app(app: Flask) -> None:
    from lms.classes import cli, reminders, services, views
    from lms.jobs import hooks as job_hooks
    from lms.messages import hooks as message_hooks

    app.register_blueprint(views.bp)
    register_commands(app, cli.commands)
    add_nav_item(app, "classes.index", _l("Classes"), roles=(TRAINER, MANAGER, ADMIN), order=35)
    add_nav_item(app, "classes.mine", _l("My classes"), roles=(LEARNER,), order=36)
    certification_hooks.template_choosers.register(app, services.certificate_template_for)
    certification_hooks.hours_providers.register(app, services.certificate_hours_for)
    certification_hooks.decision_providers.register(app, services.certificate_decision_for)
    message_hooks.reminder_rules.register(app, reminders.RULE)
    job_hooks.handlers.register(app, views.JOB_HANDLER)
    coverage_hooks.digest_classes.register(app, reminders.digest_classes)

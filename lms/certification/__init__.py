"""Certificates: issuing on completion, PDF rendering, verification, revocation."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from lms.core.cli import register_commands
from lms.core.security import ADMIN, MANAGER, TRAINER
from lms.core.signals import course_completed
from lms.core.templating import add_nav_item


def init_app(app: Flask) -> None:
    from lms.certification import cli, services, views
    from lms.jobs import hooks as job_hooks

    app.register_blueprint(views.bp)
    register_commands(app, cli.commands)
    add_nav_item(app, "certification.mine", _l("My certificates"), order=40)
    add_nav_item(app, "certification.manage", _l("Certificates"), roles=(TRAINER, MANAGER, ADMIN), order=60)
    course_completed.connect(services.on_course_completed)
    job_hooks.handlers.register(app, views.JOB_HANDLER)
    job_hooks.handlers.register(app, views.LIST_JOB_HANDLER)

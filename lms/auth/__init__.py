"""Accounts, roles, login by e-mail or phone, sessions and the administrators' user pages."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from lms.core.cli import register_commands
from lms.core.security import ADMIN
from lms.core.signals import people_imported
from lms.core.templating import add_nav_item
from lms.jobs import hooks as job_hooks
from lms.registry import hooks as registry_hooks
from lms.registry.hooks import protected_people


def init_app(app: Flask) -> None:
    from lms.auth import audit, cli, services, views

    app.register_blueprint(views.bp)
    register_commands(app, cli.commands)
    add_nav_item(app, "auth.users", _l("Users"), roles=(ADMIN,), order=90)
    people_imported.connect(services.on_people_imported)
    registry_hooks.person_panels.register(app, audit.person_history_panel)
    protected_people.register(app, services.staff_person_ids)
    job_hooks.owner_loaders.register(app, services.active_user)

"""Personal data (Law 91/2025/QH15, Decree 356/2025/NĐ-CP): the privacy notice, each
person's own data and their requests, full-identifier exports and the retention purge.

This package sits just below ``main``: it reads the models of every domain below it
(registry, auth, catalog, assessments, certification, classes, messages) to gather a
person's data and to anonymise it, so that no lower domain needs to know about it.
See docs/privacy.md.
"""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from lms.core.cli import register_commands
from lms.core.security import ADMIN, MANAGER
from lms.core.templating import add_nav_item


def init_app(app: Flask) -> None:
    from lms.privacy import cli, retention, views
    from lms.registry import hooks as registry_hooks

    app.register_blueprint(views.bp)
    register_commands(app, cli.commands)
    registry_hooks.person_panels.register(app, views.person_identifiers_panel)
    retention.register(app)
    add_nav_item(app, "privacy.requests", _l("Data requests"), roles=(MANAGER, ADMIN), order=85)

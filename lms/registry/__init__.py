"""The registry of people who must be trained: units, organisations, people, imports."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from lms.core.cli import register_commands
from lms.core.security import ADMIN, MANAGER, TRAINER
from lms.core.templating import add_nav_item


def init_app(app: Flask) -> None:
    from lms.jobs import hooks as job_hooks
    from lms.messages import views as message_views
    from lms.registry import cli, hooks, import_jobs, views

    check_data_key(app)
    app.register_blueprint(views.bp)
    register_commands(app, cli.commands)
    add_nav_item(app, "registry.people", _l("Registry"), roles=(TRAINER, MANAGER, ADMIN), order=40)
    hooks.person_panels.register(app, message_views.person_messages_panel)
    job_hooks.handlers.register(app, import_jobs.CHECK_HANDLER)
    job_hooks.handlers.register(app, import_jobs.HANDLER)


def check_data_key(app: Flask) -> None:
    """Production refuses to start when national IDs are stored and no LMS_DATA_KEY is set
    (they would be unreadable, or encrypted under a development key); see lms.core.crypto."""
    from sqlalchemy import func, select
    from sqlalchemy.exc import SQLAlchemyError

    from lms.config import ConfigError
    from lms.core.crypto import MIN_KEY_LENGTH
    from lms.extensions import db
    from lms.registry.models import Person

    if app.config.get("LMS_ENV") != "production":
        return
    key = app.config.get("DATA_KEY") or ""
    if key and len(key) < MIN_KEY_LENGTH:
        raise ConfigError(f"LMS_DATA_KEY must be at least {MIN_KEY_LENGTH} characters.")
    if key:
        return
    with app.app_context():
        try:
            stored = db.session.scalar(select(func.count()).select_from(Person)
                                       .where(Person.national_id_enc.is_not(None)))
        except SQLAlchemyError:  # no schema yet (before `flask db upgrade`)
            stored = 0
        finally:
            db.session.remove()
    if stored:
        raise ConfigError(
            "LMS_DATA_KEY must be set when LMS_ENV=production and national ID numbers are stored "
            "(e.g. python -c 'import secrets; print(secrets.token_urlsafe(48))'); see docs/privacy.md."
        )

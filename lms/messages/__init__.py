"""Messages: the outbox and its channels (e-mail, SMS, in-app), the sender, notifications.

Layer 1: it imports only lms.core. Other domains queue messages through
``lms.messages.services`` and add reminder rules through ``lms.messages.hooks``.
"""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from lms.core.cli import register_commands
from lms.core.conditional import layout_states
from lms.core.security import ADMIN
from lms.core.templating import add_nav_item


def init_app(app: Flask) -> None:
    from flask_login import current_user

    from lms.messages import cli, services, views

    app.register_blueprint(views.bp)
    register_commands(app, cli.commands)
    add_nav_item(app, "messages.outbox", _l("Outbox"), roles=(ADMIN,), order=90)

    # The bell's count is part of every personal page's ETag.
    layout_states.register(app, _unread_state)

    @app.context_processor
    def _notifications():
        def unread_notifications() -> int:
            return _unread_state(current_user) if current_user.is_authenticated else 0

        def reminders_enabled() -> bool:
            return current_user.is_authenticated and not services.reminders_off(current_user.id)

        return {"unread_notifications": unread_notifications, "reminders_enabled": reminders_enabled}


def _unread_state(user) -> int:
    """The bell's count (once per request): shown by the layout, part of every ETag."""
    from lms.messages import queries

    return queries.unread_count_for_page(user.id)

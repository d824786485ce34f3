"""Messages: the outbox and its channels (e-mail, SMS, in-app), the sender, notifications.

Layer 1: it imports only lms.core. Other domains queue messages through
``lms.messages.services`` and add reminder rules through ``lms.messages.hooks``.
"""

from __future__ import annotations

from flask import Flask

from lms.core.cli import register_commands


def init_app(app: Flask) -> None:
    from lms.messages import cli

    register_commands(app, cli.commands)

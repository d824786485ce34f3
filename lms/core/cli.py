"""The ``flask lms`` command group. Each domain keeps its commands in a local group
(``commands = command_group()`` in its ``cli.py``) and adds them to the app's group in its
``init_app`` with ``register_commands``; importing a cli module registers nothing.
"""

from __future__ import annotations

from flask import Flask
from flask.cli import AppGroup


def command_group() -> AppGroup:
    """A domain's own collection of commands (each runs inside the app context)."""
    return AppGroup("commands")


def lms_group(app: Flask) -> AppGroup:
    group = app.extensions.get("lms.cli")
    if group is None:
        group = app.extensions["lms.cli"] = AppGroup("lms", help="OCOP LMS administration commands.")
        app.cli.add_command(group)
    return group


def register_commands(app: Flask, commands: AppGroup) -> None:
    group = lms_group(app)
    for command in commands.commands.values():
        group.add_command(command)

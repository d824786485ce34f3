"""The ``flask lms`` command group. Each domain keeps its commands in a local group
(``commands = command_group()`` in its ``cli.py``) and adds them to the app's group in its
``init_app`` with ``register_commands``; importing a cli module registers nothing.
"""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy.exc import DBAPIError

from lms.core.db import is_schema_missing

SCHEMA_MISSING = (
    "The database is not set up, or not up to date: run `flask db upgrade` first "
    "(it creates and updates the tables; see README.md)."
)


class LmsGroup(AppGroup):
    """``flask lms``: a command run on a database that was never migrated (or is behind)
    ends with a clear sentence instead of a traceback."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except DBAPIError as exc:
            if is_schema_missing(exc):
                raise click.ClickException(SCHEMA_MISSING) from None
            raise


def command_group() -> AppGroup:
    """A domain's own collection of commands (each runs inside the app context)."""
    return AppGroup("commands")


def lms_group(app: Flask) -> AppGroup:
    group = app.extensions.get("lms.cli")
    if group is None:
        group = app.extensions["lms.cli"] = LmsGroup("lms", help="OCOP LMS administration commands.")
        app.cli.add_command(group)
    return group


def register_commands(app: Flask, commands: AppGroup) -> None:
    group = lms_group(app)
    for command in commands.commands.values():
        group.add_command(command)

"""``flask lms seed-demo``, ``backup`` and ``restore``."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app

from lms.core import backup
from lms.core.cli import command_group
from lms.extensions import db
from lms.main import demo

commands = command_group()


@commands.command("seed-demo")
@click.option("--force", is_flag=True, help="Allow demo data when LMS_ENV=production.")
def seed_demo_command(force: bool):
    """Load the demo accounts (and demo data); safe to run again."""
    if current_app.config["LMS_ENV"] == "production" and not force:
        raise click.ClickException("refusing to load demo data in production (use --force)")
    rows = demo.seed_demo()
    db.session.commit()
    click.echo(f"Demo logins (password for all: {demo.DEMO_PASSWORD}):")
    for account, created in rows:
        state = "created" if created else "exists"
        click.echo(f"  {'/'.join(account.roles):<8} {account.login:<24} ({state})")


@commands.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--overwrite", is_flag=True, help="Replace PATH if it exists.")
def backup_command(path: Path, overwrite: bool):
    """Copy the SQLite database to PATH while the app runs, then check the copy.

    On PostgreSQL use pg_dump (see docs/deploy.md).
    """
    try:
        info = backup.backup(db.engine, path, overwrite=overwrite)
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"backup written to {info.path} ({info.size} bytes, {info.tables} tables, "
               f"revision {info.revision}); integrity check ok")


@commands.command("restore")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Allow a restore when LMS_ENV=production.")
def restore_command(path: Path, force: bool):
    """Replace the SQLite database by the backup PATH (checked first).

    Stop the app servers first; run `flask db upgrade` afterwards if the backup is older.
    """
    if current_app.config["LMS_ENV"] == "production" and not force:
        raise click.ClickException("refusing to restore in production without --force (stop the app servers first)")
    db.session.remove()
    try:
        info = backup.restore(db.engine, path)
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"restored {info.path} (revision {info.revision}) into {backup.sqlite_path(db.engine)}; "
               "run `flask db upgrade` if the backup is older than this version")

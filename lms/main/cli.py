"""``flask lms seed-demo``."""

from __future__ import annotations

import click
from flask import current_app

from lms.core.cli import lms_cli
from lms.extensions import db
from lms.main import demo


@lms_cli.command("seed-demo")
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

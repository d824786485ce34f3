"""``flask lms purge``: the retention periods of docs/privacy.md, applied."""

from __future__ import annotations

import click

from lms.core.cli import command_group
from lms.extensions import db

commands = command_group()


@commands.command("purge")
@click.option("--dry-run", is_flag=True, help="Only print what would be purged, by kind.")
def purge_command(dry_run: bool):
    """Remove or anonymise what is past its retention period (idempotent)."""
    from lms.privacy.retention import purge

    result = purge(dry_run=dry_run)
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    verb = "would purge" if dry_run else "purged"
    for kind, count in result.items():
        click.echo(f"{kind}: {verb} {count}")

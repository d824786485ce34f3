"""``flask lms activation-slips`` and ``flask lms sync-enrolments``."""

from __future__ import annotations

from pathlib import Path

import click

from lms.core.cli import command_group
from lms.core.groups import TARGET_GROUPS
from lms.extensions import db
from lms.onboarding import queries, services, slips
from lms.registry.models import SCHEMES
from lms.registry.queries import find_unit

commands = command_group()


@commands.command("activation-slips")
@click.option("--unit", "code", required=True, help="Unit code: the slips are for the people of its area.")
@click.option("--scheme", type=click.Choice(SCHEMES), default="2025", show_default=True)
@click.option("--group", type=click.Choice(TARGET_GROUPS), default=None, help="Only this target group.")
@click.option("--only-untrained", is_flag=True, help="Only people who have not completed their required courses.")
@click.option("--include-active", is_flag=True,
              help="Also people who can already log in (they get a password reset code).")
@click.option("--format", "fmt", type=click.Choice(("pdf", "csv")), required=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="File to write.")
def activation_slips_command(code, scheme, group, only_untrained, include_active, fmt, out):
    """Issue activation codes for the people of an area without a usable account; write slips or CSV.

    Each new code replaces the person's earlier unused one. People without a phone number
    on record are skipped (activation asks for it).
    """
    unit = find_unit(code, scheme)
    if unit is None:
        raise click.ClickException(f"unknown unit {scheme}:{code} (run flask lms load-units)")
    everyone = queries.Everyone()
    people = list(db.session.scalars(queries.people_in_area(everyone, unit, group=group,
                                                            only_untrained=only_untrained)))
    issued = services.issue_codes(people, actor=None, include_active=include_active)
    data = slips.csv_bytes(issued) if fmt == "csv" else slips.pdf_bytes(issued) if issued else b""
    if fmt == "pdf" and not issued:
        raise click.ClickException("nobody to print a slip for (everyone has an account, or no phone on record)")
    out.write_bytes(data)
    db.session.commit()
    click.echo(f"{len(issued)} codes issued for {unit.name} ({scheme}:{unit.code}); written to {out}")


@commands.command("sync-enrolments")
def sync_enrolments_command():
    """Enrol every account holder in the courses their target group must complete (idempotent)."""
    added = services.sync_enrolments()
    db.session.commit()
    click.echo(f"{added} enrolments added")

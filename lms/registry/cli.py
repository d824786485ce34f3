"""``flask lms load-units``, ``assign-unit``, ``import-registry``."""

from __future__ import annotations

from pathlib import Path

import click

from lms.core.cli import command_group
from lms.core.errors import ServiceError
from lms.extensions import db
from lms.registry import imports, services
from lms.registry.imports import KINDS
from lms.registry.models import SCHEMES

commands = command_group()


@commands.command("load-units")
@click.option("--scheme", type=click.Choice(SCHEMES), default=None, help="Only this scheme.")
@click.option("--province", default=None, help="Only this province (a code in the scheme; 2025 by default).")
def load_units_command(scheme, province):
    """Load administrative units and their mapping from the shipped CSV files (idempotent)."""
    try:
        report = services.load_units(scheme=scheme, province=province)
        db.session.commit()
    except ServiceError as exc:
        db.session.rollback()
        raise click.ClickException(exc.message) from None
    click.echo(
        f"units: {report.created} created, {report.updated} updated, {report.unchanged} unchanged; "
        f"{report.mappings} mapping rows added"
    )


@commands.command("purge-imports")
def purge_imports_command():
    """Delete uploaded registry files never imported after LMS_IMPORT_KEEP_HOURS (run it from a timer)."""
    count = services.purge_stale_imports()
    db.session.commit()
    click.echo(f"registry files deleted: {count}")


@commands.command("import-registry")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--kind", type=click.Choice(KINDS), default=None,
              help="Kind of rows (default: from the sheet names or the header).")
@click.option("--scheme", type=click.Choice(SCHEMES), default="2025", show_default=True,
              help="Scheme of the unit codes in the file.")
@click.option("--dry-run", is_flag=True, help="Validate and report; change nothing.")
@click.option("--create-accounts", is_flag=True,
              help="Create learner accounts (phone login, no password yet) for new people; each "
                   "person sets a password with an activation code (flask lms activation-slips).")
@click.option("--account-password", default=None, hidden=True)
def import_registry_command(path, kind, scheme, dry_run, create_accounts, account_password):
    """Import organisations, officials, products or past training records (CSV or XLSX)."""
    if account_password is not None:
        # A shared password would be known to everyone the file names: refused on purpose.
        raise click.UsageError("--account-password is no longer accepted: accounts are created without a "
                               "password and activated with personal codes (flask lms activation-slips).")
    try:
        plan = imports.import_file(path.name, path.read_bytes(), kind=kind, scheme=scheme, dry_run=dry_run,
                                   create_accounts=create_accounts)
    except (imports.ImportFileError, ServiceError) as exc:
        db.session.rollback()
        raise click.ClickException(f"{path.name}: {exc}") from None
    if not plan.ok:
        db.session.rollback()
        for error in plan.errors[:200]:
            click.echo(str(error), err=True)
        if len(plan.errors) > 200:
            click.echo(f"... and {len(plan.errors) - 200} more errors", err=True)
        raise click.ClickException(f"{len(plan.errors)} errors: nothing was imported")
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    for kind_name, counts in plan.counts.items():
        click.echo(f"{kind_name}: {counts.create} to create, {counts.update} to update, "
                   f"{counts.unchanged} unchanged" if dry_run else
                   f"{kind_name}: {counts.create} created, {counts.update} updated, {counts.unchanged} unchanged")
    if dry_run:
        click.echo("dry run: nothing was changed")


@commands.command("rotate-data-key")
def rotate_data_key_command():
    """Re-encrypt every national ID under LMS_DATA_KEY (the old key in LMS_DATA_KEY_OLD)."""
    from sqlalchemy import select

    from lms.core.crypto import DataKeyError, current_key, token_kid
    from lms.registry.models import Person

    kid = current_key().kid
    done = 0
    try:
        for person in list(db.session.scalars(select(Person).where(Person.national_id_enc.is_not(None)))):
            if token_kid(person.national_id_enc) != kid:
                person.national_id = person.national_id  # decrypt with the old key, store under the new
                done += 1
        db.session.commit()
    except DataKeyError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    click.echo(f"national IDs re-encrypted: {done}")

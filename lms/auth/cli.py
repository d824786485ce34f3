"""``flask lms create-user``."""

from __future__ import annotations

import click

from lms.auth import services
from lms.core.cli import command_group
from lms.core.errors import ServiceError
from lms.core.security import ROLES
from lms.extensions import db
from lms.registry import queries as registry_queries
from lms.registry import services as registry_services
from lms.registry.models import SCHEMES

commands = command_group()


@commands.command("create-user")
@click.option("--name", required=True, help="Full name.")
@click.option("--email", default=None, help="E-mail address (login).")
@click.option("--phone", default=None, help="Vietnamese mobile number (login).")
@click.option("--role", "roles", multiple=True, required=True, type=click.Choice(ROLES))
@click.option("--password", required=True, help="Initial password.")
@click.option("--temporary", is_flag=True, help="The user must change the password at first login.")
def create_user_command(name, email, phone, roles, password, temporary):
    """Create an account and print its id."""
    if not email and not phone:
        raise click.ClickException("give --email or --phone")
    try:
        user = services.create_user(
            name=name, email=email, phone=phone, roles=list(roles), password=password,
            temporary=temporary,
        )
        db.session.commit()
    except ServiceError as exc:
        db.session.rollback()
        raise click.ClickException(exc.message) from None
    click.echo(user.id)


@commands.command("assign-unit")
@click.option("--user", "login", required=True, help="E-mail or phone of a manager or trainer.")
@click.option("--unit", "code", required=True, help="Unit code.")
@click.option("--scheme", type=click.Choice(SCHEMES), default="2025", show_default=True)
@click.option("--remove", is_flag=True, help="Remove the assignment instead.")
def assign_unit_command(login, code, scheme, remove):
    """Let a manager or trainer see the people of a unit's subtree."""
    user = services.find_user_by_login(login)
    if user is None:
        raise click.ClickException(f"no account with login {login}")
    unit = registry_queries.find_unit(code, scheme)
    if unit is None:
        raise click.ClickException(f"unknown unit {scheme}:{code} (run flask lms load-units)")
    try:
        changed = (registry_services.unassign_unit if remove else registry_services.assign_unit)(user, unit)
        db.session.commit()
    except ServiceError as exc:
        db.session.rollback()
        raise click.ClickException(exc.message) from None
    verb = "removed" if remove else "assigned"
    click.echo(f"{unit.name} ({scheme}:{unit.code}) {verb if changed else 'unchanged'} for {login}")

"""``flask lms create-user``."""

from __future__ import annotations

import click

from lms.auth import services
from lms.core.cli import lms_cli
from lms.core.errors import ServiceError
from lms.core.security import ROLES
from lms.extensions import db


@lms_cli.command("create-user")
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

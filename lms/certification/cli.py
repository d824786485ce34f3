"""``flask lms certificates-issue-missing`` and ``flask lms certificate-policy``."""

from __future__ import annotations

import click
from sqlalchemy import select

from lms.catalog.models import COMPLETION_VIAS, Course
from lms.certification import services
from lms.core.cli import command_group
from lms.core.errors import ServiceError
from lms.extensions import db

commands = command_group()


@commands.command("certificates-issue-missing")
def issue_missing_command():
    """Issue the certificates that completions are owed (where the course's policy allows)."""
    count = services.issue_missing()
    db.session.commit()
    click.echo(f"{count} certificate(s) issued")


@commands.command("certificate-policy")
@click.argument("course_slug")
@click.option("--via", "vias", multiple=True, type=click.Choice(COMPLETION_VIAS),
              help="A completion route that issues automatically (repeat; none: manual only).")
@click.option("--show", is_flag=True, help="Print the current setting only.")
def certificate_policy_command(course_slug, vias, show):
    """Choose which completion routes issue a course's certificate automatically."""
    course = db.session.scalar(select(Course).where(Course.slug == course_slug))
    if course is None:
        raise click.ClickException(f"no course with the slug {course_slug!r}")
    if not show:
        try:
            services.set_auto_issue_vias(course, vias)
            db.session.commit()
        except ServiceError as exc:
            db.session.rollback()
            raise click.ClickException(exc.message) from None
    current = services.auto_issue_vias(course)
    click.echo(f"{course.slug}: automatic for {', '.join(current) or 'none (manual only)'}")

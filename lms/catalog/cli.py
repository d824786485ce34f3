"""``flask lms import-courses`` and ``flask lms export-course``."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from sqlalchemy import select

from lms.catalog import exporter, services
from lms.catalog.models import Course
from lms.core.cli import command_group
from lms.core.frontmatter import ContentError
from lms.extensions import db

commands = command_group()


@commands.command("import-courses")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--check", is_flag=True, help="Validate only; change nothing.")
@click.option("--replace", is_flag=True, help="Overwrite courses changed in the browser since their import.")
@click.option("--keep-browser-edits", is_flag=True,
              help="Leave courses changed in the browser as they are instead of failing (used by make run).")
def import_courses_command(paths: tuple[Path, ...], check: bool, replace: bool, keep_browser_edits: bool):
    """Import course folders, folders of courses, or zips of one course."""
    targets = list(paths) or [Path(current_app.config["COURSES_DIR"])]
    try:
        report = services.import_courses(targets, check=check, replace=replace,
                                         keep_browser_edits=keep_browser_edits)
    except ContentError as exc:
        db.session.rollback()
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        raise click.ClickException(f"{len(exc.problems)} problem(s) found; nothing was imported") from None
    for warning in report.warnings:
        click.echo(str(warning), err=True)
    if check:
        db.session.rollback()
        click.echo(f"OK: {len(report.unchanged)} course(s) valid"
                   + (f", {len(report.warnings)} warning(s)" if report.warnings else ""))
        return
    db.session.commit()
    for line in report.lines():
        click.echo(line)


@commands.command("export-course")
@click.argument("slug")
@click.argument("output", type=click.Path(path_type=Path))
def export_course_command(slug: str, output: Path):
    """Write a course as a zip in the folder format."""
    course = db.session.scalar(select(Course).where(Course.slug == slug))
    if course is None:
        raise click.ClickException(f"no course '{slug}'")
    output.write_bytes(exporter.export_zip(course))
    click.echo(str(output))

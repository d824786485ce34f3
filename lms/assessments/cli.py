"""``flask lms import-quizzes``, ``export-quiz`` and ``close-overdue``."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from sqlalchemy import select

from lms.assessments import services
from lms.assessments.models import Quiz
from lms.assessments.questions import count_problems
from lms.core.cli import command_group
from lms.core.errors import ServiceError
from lms.extensions import db

commands = command_group()


@commands.command("import-quizzes")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--check", is_flag=True, help="Only check the files; write nothing.")
def import_quizzes_command(paths, check):
    """Import quiz files (default: the QUIZZES_DIR folder). All or nothing."""
    targets = list(paths) or [current_app.config["QUIZZES_DIR"]]
    try:
        results = services.import_quizzes(targets, check=check)
    except services.ImportProblems as exc:
        db.session.rollback()
        for path, line, message in exc.problems:
            click.echo(f"{path}:{line}: {message}", err=True)
        count = count_problems(exc.problems)
        raise click.ClickException(f"{count} problem(s): nothing was imported") from None
    if check:
        db.session.rollback()
    else:
        db.session.commit()
    for result in results:
        for path, line, message in result.warnings:
            click.echo(f"{path}:{line}: warning: {message}", err=True)
        extra = f", {result.retired} retired" if result.retired else ""
        click.echo(f"{result.slug}: {result.action} ({result.questions} questions{extra})")
    if check:
        click.echo("check only: nothing was written")


@commands.command("export-quiz")
@click.argument("slug")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to this file instead of the screen.")
def export_quiz_command(slug, output):
    """Write a quiz's questions in GIFT (Moodle) format."""
    quiz = db.session.scalar(select(Quiz).where(Quiz.slug == slug))
    if quiz is None:
        raise click.ClickException(f"no quiz {slug!r}")
    try:
        text = services.export_quiz_gift(quiz)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    if output:
        Path(output).write_text(text, encoding="utf-8")
        click.echo(f"wrote {output}")
    else:
        click.echo(text, nl=False)


@commands.command("close-overdue")
def close_overdue_command():
    """Submit every open attempt past its time limit and grace period."""
    try:
        count = services.close_overdue()
    except ServiceError as exc:
        db.session.rollback()
        raise click.ClickException(exc.message) from None
    db.session.commit()
    click.echo(f"closed {count} overdue attempt(s)")

"""``flask lms class-finish``: finish a class from the command line (awards completions once)."""

from __future__ import annotations

import click

from lms.classes import services
from lms.classes.models import TrainingClass
from lms.core.cli import command_group
from lms.core.errors import ServiceError
from lms.extensions import db

commands = command_group()


@commands.command("class-finish")
@click.argument("class_id", type=int)
@click.option("--early", is_flag=True, help="Finish even though the last class day has not ended.")
def class_finish_command(class_id, early):
    """Finish class CLASS_ID and record the completions of those who met its rules."""
    training_class = db.session.get(TrainingClass, class_id)
    if training_class is None:
        raise click.ClickException(f"no class with id {class_id}")
    try:
        result = services.finish_class(training_class, actor=None, early=early)
    except ServiceError as exc:
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    if result.finished_now:
        click.echo(f"class {class_id} finished: {result.awarded} completion(s) recorded")
    else:
        click.echo(f"class {class_id} was already finished: nothing changed")

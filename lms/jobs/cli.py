"""``flask lms worker``: run queued jobs and send messages (one process per installation)."""

from __future__ import annotations

import click
from flask import current_app

from lms.core.cli import command_group
from lms.jobs.worker import run_worker

commands = command_group()


@commands.command("worker")
@click.option("--once", is_flag=True, help="Run every queued job and send due messages, then exit.")
def worker_command(once):
    """Run queued jobs (imports, certificate files, exports) and send messages, until SIGTERM."""
    app = current_app._get_current_object()

    def ready():
        if not once:
            click.echo("worker: running jobs and sending messages (SIGTERM or Ctrl+C to stop)")

    stats = run_worker(app, once=once, on_ready=ready)
    click.echo(f"worker: {len(stats.jobs)} job(s) run, {stats.messages_sent} message(s) sent")

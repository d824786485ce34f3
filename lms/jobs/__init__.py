"""Jobs: long work off the request (a large registry import, many certificates, large
exports), queued in the database and run by ``flask lms worker``, which also sends the
messages of lms.messages. The owner follows a job on its page, with a progress bar.

Layer 2 (between messages and registry): it imports lms.core and lms.messages (the worker
runs the message sender); the domains above register the handler of each kind of job
through ``lms.jobs.hooks.handlers`` and queue jobs with ``lms.jobs.services.enqueue``.
"""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from lms.core.cli import register_commands
from lms.core.security import ADMIN, MANAGER, TRAINER
from lms.core.templating import add_nav_item


def init_app(app: Flask) -> None:
    from lms.core.retention import Purger, purgers
    from lms.jobs import cli, services, views

    app.register_blueprint(views.bp)
    register_commands(app, cli.commands)
    # The staff queue the long work (imports, certificate files, exports).
    add_nav_item(app, "jobs.mine", _l("My jobs"), roles=(TRAINER, MANAGER, ADMIN), order=85)
    purgers.register(app, Purger("jobs", services.count_finished, services.purge_finished))

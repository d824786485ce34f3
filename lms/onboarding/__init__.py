"""From a name on the list to a learner at work: activation and reset codes with printed slips,
self-registration checked against the registry, password recovery without e-mail, and
enrolment in the courses a person's target group must complete."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from lms.core.cli import register_commands
from lms.core.security import ADMIN, MANAGER
from lms.core.signals import people_imported, requirement_changed
from lms.core.templating import add_nav_item


def init_app(app: Flask) -> None:
    from lms.catalog.hooks import learning_plans
    from lms.coverage.hooks import gap_list_actions, slip_actions
    from lms.jobs import hooks as job_hooks
    from lms.onboarding import cli, queries, services, views
    from lms.registry.hooks import people_list_actions, person_panels

    app.register_blueprint(views.bp)
    register_commands(app, cli.commands)
    job_hooks.handlers.register(app, views.SLIPS_JOB_HANDLER)
    add_nav_item(app, "onboarding.requests", _l("Requests"), roles=(MANAGER, ADMIN), order=45)
    person_panels.register(app, views.person_panel)
    people_list_actions.register(app, views.people_list_action)
    gap_list_actions.register(app, views.gap_list_action)
    slip_actions.register(app, views.roster_action)
    learning_plans.register(app, queries.learning_plan)
    people_imported.connect(services.on_people_imported)
    requirement_changed.connect(services.on_requirement_changed)

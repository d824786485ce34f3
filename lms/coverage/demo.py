"""Demo requirements: seeded from courses/requirements.yaml when it exists (idempotent)."""

from __future__ import annotations

import logging

from lms.core.errors import ServiceError
from lms.coverage import services

log = logging.getLogger("lms.coverage")


def seed_demo() -> None:
    try:
        services.seed_requirements()
    except ServiceError as exc:
        # Without requirements.yaml the dashboard says that no requirement is set.
        log.warning("demo requirements not seeded: %s", exc.message)

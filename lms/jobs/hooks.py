"""The hooks of the job queue.

- ``handlers``: ``Handler(kind, label, run)``, one per kind of job, registered by the
  domain that owns the work (registry: ``registry-import``; certification: ``certificates``;
  classes: ``class-certificates``; coverage: ``coverage-export``, …).
- ``owner_loaders``: ``fn(user_id) -> user | None``: the active user a job runs as
  (registered by lms.auth, which owns users; jobs sits below it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lms.core.hooks import Hook


@dataclass(frozen=True)
class Handler:
    kind: str
    # What the owner's list calls this kind of job (a lazy string).
    label: Any
    # run(ctx: lms.jobs.services.JobContext) -> lms.jobs.services.JobResult | None
    run: Callable[..., Any]
    # The roles the owner must still hold when the job runs and when its file is downloaded
    # (those of the route that queued it); empty: any logged-in owner.
    roles: tuple[str, ...] = ()

    def allows(self, user) -> bool:
        return not self.roles or bool(user is not None and user.has_role(*self.roles))


handlers: Hook[Handler] = Hook("jobs.handlers", "Handler objects: how to run each kind of job.")
owner_loaders: Hook[Callable[[int], Any]] = Hook(
    "jobs.owner_loaders", "fn(user_id) -> the active user a job runs as, or None.")

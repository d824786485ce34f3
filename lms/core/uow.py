"""One unit of work per request: the helper every view uses around a service call.

Services validate, change and ``flush()``; they never commit. A view runs the call in
``unit_of_work``: the transaction commits when the block succeeds, rolls back on any
error, and a refusal (``ServiceError``) is shown on the form field it names or as a
flashed message, so that views are parse → call → render::

    with unit_of_work(form) as work:
        cls = services.save_class(None, data, actor=current_user)
    if work.ok:
        flash(_("The class was created."), "success")
        return redirect(url_for("classes.detail", class_id=cls.id))
    return render_template("classes/form.html", form=form)

Other exceptions roll back and propagate (the error handler answers them);
``work.cancel()`` rolls back a block that found nothing should be kept. Views do not call
``commit()`` or ``rollback()`` themselves.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from flask import flash

from lms.core.db import want_write
from lms.core.errors import ServiceError
from lms.extensions import db


@dataclass
class Work:
    """What happened in a ``unit_of_work`` block: ``ok`` after a commit, else ``error``."""

    ok: bool = False
    error: ServiceError | None = None
    cancelled: bool = False

    def cancel(self) -> None:
        """Roll back at the end of the block instead of committing (e.g. a file with errors)."""
        self.cancelled = True


def show_error(form, exc: ServiceError) -> None:
    """Put a service's refusal on the form field it names, or flash it."""
    field = getattr(form, exc.field, None) if (form is not None and exc.field) else None
    if field is not None and hasattr(field, "errors"):
        field.errors = [*field.errors, exc.message]
    else:
        flash(exc.message, "error")


@contextmanager
def unit_of_work(form=None, *, show: bool = True) -> Iterator[Work]:
    """Commit on success; on ``ServiceError`` roll back and report it (``show``); re-raise others."""
    work = Work()
    try:
        yield work
    except ServiceError as exc:
        db.session.rollback()
        work.error = exc
        if show:
            show_error(form, exc)
        return
    except BaseException:
        db.session.rollback()
        raise
    if work.cancelled:
        db.session.rollback()
        return
    db.session.commit()
    work.ok = True


def restart_for_write() -> None:
    """End a GET's read-only transaction so that the next one is a write transaction.

    For the rare GET that finds it must write (an attempt past its deadline is closed when
    it is opened): nothing was written yet, so ending the transaction loses nothing, and on
    SQLite the next one starts with BEGIN IMMEDIATE. Follow it with ``unit_of_work``.
    """
    db.session.rollback()
    want_write()

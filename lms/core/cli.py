"""The ``flask lms`` command group; domains add their commands to it."""

from __future__ import annotations

from flask.cli import AppGroup

lms_cli = AppGroup("lms", help="OCOP LMS administration commands.")

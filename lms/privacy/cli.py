"""``flask lms purge``: the retention periods of docs/privacy.md, applied."""

from __future__ import annotations

from lms.core.cli import command_group

commands = command_group()

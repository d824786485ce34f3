"""Local time: the installation's time zone (``LMS_TIMEZONE``) for "today" and day bounds.

Timestamps are stored in UTC; people think in local days. Every domain asks here.
"""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app


def zone() -> ZoneInfo:
    return ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Asia/Ho_Chi_Minh"))


def local_date(moment: datetime) -> date:
    """The local calendar day of an aware instant."""
    return moment.astimezone(zone()).date()


def local_today() -> date:
    return datetime.now(zone()).date()


def local_instant(day: date, at: time) -> datetime:
    """A local wall-clock time on a day, as a UTC instant."""
    return datetime.combine(day, at, tzinfo=zone()).astimezone(UTC)


def local_midnight_utc(day: date) -> datetime:
    """The first instant of a local day, in UTC."""
    return local_instant(day, time(0))


def end_of_day_utc(day: date) -> datetime:
    """The first instant after a local day (the cut-off for "as of ``day``"), in UTC."""
    return local_midnight_utc(day + timedelta(days=1))


def add_months(day: date, months: int) -> date:
    """``day`` moved by ``months`` months (the end of a shorter month when the day is past it)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))

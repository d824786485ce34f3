"""The weekly digest of ``flask lms digest``: each manager's area, once per ISO week.

For every active manager with assigned units, one message (template ``digest``, e-mail when
they have an address and SMTP is on, else in the platform) with, per assigned unit:
coverage now and a week before per target group, the projected date of reaching the target
against the deadline, the 10 communes with the most untrained people, the classes of the
coming week (``lms.coverage.hooks.digest_classes``, answered by lms.classes) and a link to
the dashboard. Key ``digest:<user>:<ISO year>-W<week>``: a re-run in the same week adds
nothing. Figures are computed with the manager's own scope, so a digest never shows
another area's people.
"""

from __future__ import annotations

from datetime import date, timedelta

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import select

from lms.auth.models import User, UserRole
from lms.core.groups import TARGET_GROUP_LABELS
from lms.coverage import hooks, queries
from lms.extensions import db
from lms.messages import services as messages
from lms.registry.queries import assigned_units


def week_key(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def _percent(value) -> str:
    return "—" if value is None else f"{value:.1f}".replace(".", ",") + " %"


def unit_section(manager, unit, as_of: date) -> dict:
    area = queries.Area(unit, unit.scheme)
    now = queries.figures(manager, area, as_of)
    before = {g["group"]: g for g in queries.figures(manager, area, as_of - timedelta(days=7))["groups"]}
    rset = queries.requirement_set()  # the primary set
    deadline = rset.deadline if rset is not None else None
    target = rset.target_percent if rset is not None else 100
    projection = queries.projection(queries.trend(manager, area, as_of), target)
    groups = [
        {"label": str(TARGET_GROUP_LABELS.get(g["group"], g["group"])), "required": g["required"],
         "trained": g["trained"], "percent": _percent(g["percent"]),
         "before": _percent(before.get(g["group"], {}).get("percent"))}
        for g in now["groups"]
    ]
    classes = []
    for provider in hooks.digest_classes.functions():
        classes.extend(provider(unit, as_of + timedelta(days=1), as_of + timedelta(days=7)))
    return {
        "unit": unit.name,
        "total": {"required": now["total"]["required"], "trained": now["total"]["trained"],
                  "percent": _percent(now["total"]["percent"])},
        "groups": groups,
        "target": target,
        "deadline": deadline,
        "projected": projection.get("date"),
        "reached": bool(projection.get("reached")),
        "late": bool(deadline and projection.get("date") and projection["date"] > deadline)
        or bool(deadline and not projection.get("date") and not projection.get("reached")),
        "communes": queries.untrained_by_commune(manager, area, as_of),
        "classes": sorted(classes, key=lambda c: (c["first_day"], c["title"])),
        "url": messages.public_url("coverage.dashboard", unit=unit.code, scheme=unit.scheme),
    }


def _context(manager, units, as_of: date) -> dict:
    with force_locale(manager.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        return {"full_name": manager.display_name, "as_of": as_of, "week": week_key(as_of),
                "sections": [unit_section(manager, unit, as_of) for unit in units]}


def managers() -> list[User]:
    return list(db.session.scalars(
        select(User).join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == "manager", User.active.is_(True)).order_by(User.id)
    ))


def queue_digests(batch) -> None:
    as_of, week = batch.as_of, week_key(batch.as_of)
    for manager in managers():
        units = assigned_units(manager)
        if not units:
            continue
        email = manager.email or (manager.person.email if manager.person else None)
        channels = messages.reachable_channels(email=email, user_id=manager.id)
        batch.add(
            "digest", "digest", key=f"digest:{manager.id}:{week}", unit=", ".join(u.name for u in units),
            context=lambda manager=manager, units=units: _context(manager, units, as_of),
            person_id=manager.person_id, user_id=manager.id, email=email, locale=manager.locale,
            channel="email" if "email" in channels else "inapp", topic=f"digest:{week}",
        )

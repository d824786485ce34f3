"""The coverage document shared by the JSON API and ``flask lms coverage --format json``."""

from __future__ import annotations

from datetime import date

from lms.coverage import queries


def coverage_document(user, area: queries.Area, as_of: date, group: str | None = None, *,
                      requirement=None) -> dict:
    """Coverage against a requirement set (a name or the set; default: the primary)."""
    rset = queries.requirement_set(requirement)
    figures = queries.figures(user, area, as_of, group, requirement=rset)
    unit = area.unit
    return {
        "unit": {"code": unit.code, "name": unit.name, "scheme": unit.scheme} if unit is not None
        else {"code": None, "name": None, "scheme": area.scheme},
        "as_of": as_of.isoformat(),
        "requirement": queries.requirement_summary(rset, as_of),
        "total": _counts(figures["total"]),
        "groups": [{"group": g["group"], **_counts(g)} for g in figures["groups"]],
        "children": [
            {"unit": c["unit"], "required": c["required"], "trained": c["trained"], "percent": c["percent"]}
            for c in figures["children"]
        ],
    }


def _counts(bucket: dict) -> dict:
    return {k: bucket[k] for k in ("required", "trained", "in_progress", "needs_refresher", "not_started",
                                   "percent")}

"""Server-side SVG charts: the numbers are laid out here, the templates draw them.

No JavaScript: the charts render as they are, also with scripts off.
"""

from __future__ import annotations

from datetime import date

BAR_WIDTH = 300  # SVG units for 100 %
ROW = 50  # SVG units per target group: its name, then its bar


def bars(groups: list[dict], target_percent: int = 100) -> dict:
    """One horizontal bar per target group, against the target line."""
    rows = []
    for index, g in enumerate(groups):
        pct = g["percent"] or 0.0
        # Each group's name above its bar: the chart reads without the table below it.
        rows.append({**g, "label_y": index * ROW + 14, "y": index * ROW + 20,
                     "width": round(BAR_WIDTH * pct / 100, 1)})
    return {"rows": rows, "height": len(groups) * ROW + 8, "width": BAR_WIDTH,
            "target_x": round(BAR_WIDTH * target_percent / 100, 1)}


def trend_chart(points: list[dict], projection: dict, deadline: date | None, target_percent: int = 100,
                milestone: dict | None = None) -> dict:
    """A line of the percent trained at each month end, a dashed projection, and the next
    milestone (``{"date", "percent"}``) as a step up to its level at its date."""
    width, height, left, top, bottom = 320, 160, 30, 10, 24
    plot_w, plot_h = width - left - 10, height - top - bottom
    dates = [p["date"] for p in points]
    end = dates[-1] if dates else date.today()
    if projection.get("date") and projection["date"] > end:
        end = projection["date"]
    if deadline and dates and deadline > end and (deadline - dates[0]).days < 366 * 15:
        end = deadline
    if milestone and dates and milestone["date"] > end and (milestone["date"] - dates[0]).days < 366 * 15:
        end = milestone["date"]
    start = dates[0] if dates else end
    span = max((end - start).days, 1)

    def x(d: date) -> float:
        return round(left + plot_w * (d - start).days / span, 1)

    def y(pct: float) -> float:
        return round(top + plot_h * (1 - pct / 100), 1)

    line = " ".join(f"{x(p['date'])},{y(p['percent'] or 0)}" for p in points)
    proj = None
    if points and projection.get("date") and not projection.get("reached"):
        last = points[-1]
        proj = {"x1": x(last["date"]), "y1": y(last["percent"] or 0), "x2": x(projection["date"]),
                "y2": y(target_percent)}
    ticks = [{"y": y(v), "label": f"{v}%"} for v in (0, 50, 100)]
    return {
        "width": width, "height": height, "line": line, "projection": proj, "ticks": ticks,
        "left": left, "right": width - 10, "target_y": y(target_percent),
        "deadline_x": x(deadline) if deadline and start <= deadline <= end else None,
        "milestone": {"x": x(milestone["date"]), "y": y(milestone["percent"]), **milestone}
        if milestone and start <= milestone["date"] <= end else None,
        "start": start, "end": end, "bottom": height - 6,
        "points": [{"x": x(p["date"]), "y": y(p["percent"] or 0), **p} for p in points],
    }

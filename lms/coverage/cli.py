"""``flask lms coverage``, ``flask lms requirements`` and ``flask lms seed-requirements``."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

import click

from lms.core.cli import command_group
from lms.core.errors import ServiceError
from lms.core.groups import TARGET_GROUPS
from lms.coverage import queries
from lms.coverage import services as coverage_services
from lms.extensions import db
from lms.registry.models import SCHEMES

commands = command_group()


@commands.command("digest")
@click.option("--as-of", "as_of", default=None, metavar="YYYY-MM-DD", help="As on this day (default: today).")
@click.option("--dry-run", is_flag=True, help="Print who would get a digest; queue nothing.")
def digest_command(as_of, dry_run):
    """Queue each manager's weekly digest of their area (once per ISO week)."""
    from lms.core.localtime import local_today
    from lms.coverage.digest import queue_digests, week_key
    from lms.messages.cli import parse_as_of
    from lms.messages.rules import Batch

    day = parse_as_of(as_of) or local_today()
    batch = Batch(as_of=day, dry_run=dry_run, rule="digest")
    queue_digests(batch)
    batch.flush()
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    click.echo(f"digests for week {week_key(day)}{' (dry run: nothing queued)' if dry_run else ''}")
    for line in batch.report() or ["no manager with an assigned area"]:
        click.echo(line)


class _Everyone:
    """The CLI runs as the operator of the server: it sees everything."""

    is_authenticated = True
    id = None

    def has_role(self, *roles):
        return "admin" in roles


@commands.command("coverage")
@click.option("--unit", "code", default=None, help="Unit code (default: the whole country).")
@click.option("--scheme", type=click.Choice(SCHEMES), default="2025", show_default=True)
@click.option("--as-of", "as_of", default=None, help="Date YYYY-MM-DD (default: today).")
@click.option("--group", type=click.Choice(TARGET_GROUPS), default=None)
@click.option("--format", "fmt", type=click.Choice(("json", "csv", "table")), default="table", show_default=True)
@click.option("--requirement", "requirement", default=None, help="Requirement set name (default: the primary).")
def coverage_command(code, scheme, as_of, group, fmt, requirement):
    """Print coverage figures: the same document as GET /api/v1/coverage."""
    from lms.coverage.api import coverage_document
    from lms.registry.queries import find_unit

    try:
        day = date.fromisoformat(as_of) if as_of else queries.local_today()
    except ValueError:
        raise click.ClickException(f"--as-of: not a date: {as_of}") from None
    unit = None
    if code:
        unit = find_unit(code, scheme)
        if unit is None:
            raise click.ClickException(f"unknown unit {scheme}:{code}")
    if requirement and queries.requirement_set(requirement) is None:
        raise click.ClickException(f"unknown requirement set {requirement}")
    doc = coverage_document(_Everyone(), queries.Area(unit, scheme), day, group, requirement=requirement)
    if fmt == "json":
        click.echo(json.dumps(doc, ensure_ascii=False, indent=2))
        return
    total = doc["total"]
    rows = [("total", "", total["required"], total["trained"], total["in_progress"], total["not_started"],
             total["percent"], total["needs_refresher"])]
    rows += [("group", g["group"], g["required"], g["trained"], g["in_progress"], g["not_started"], g["percent"],
              g["needs_refresher"]) for g in doc["groups"]]
    rows += [("child", f'{c["unit"]["code"]} {c["unit"]["name"]}', c["required"], c["trained"], "", "",
              c["percent"], "") for c in doc["children"]]
    # needs_refresher last: older readers of the CSV find the first columns where they were.
    header = ("row", "name", "required", "trained", "in_progress", "not_started", "percent", "needs_refresher")
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(["" if v is None else v for v in r] for r in rows)
        click.echo(out.getvalue(), nl=False)
        return
    title = doc["unit"]["name"] if doc["unit"] else "Việt Nam"
    click.echo(f"{title} ({scheme}) as of {doc['as_of']}")
    req = doc["requirement"]
    if req:
        line = f"requirement {req['name']}: {req['target']}% by {req['deadline'] or '-'}"
        if req["milestone"]:
            line += f"; next milestone {req['milestone']['percent']}% by {req['milestone']['date']}"
        click.echo(line)
    click.echo(f"{'row':<6} {'name':<40} {'required':>8} {'trained':>8} {'progress':>8} {'none':>8} "
               f"{'percent':>7} {'refresh':>8}")
    for r in rows:
        pct = "-" if r[6] is None else f"{r[6]:.1f}%"
        click.echo(f"{r[0]:<6} {str(r[1])[:40]:<40} {r[2]:>8} {r[3]:>8} {str(r[4]):>8} {str(r[5]):>8} {pct:>7} "
                   f"{str(r[7]):>8}")


@commands.command("requirements")
@click.option("--format", "fmt", type=click.Choice(("json", "table")), default="table", show_default=True)
def requirements_command(fmt):
    """List the requirement sets: target, deadline, milestones, validity, courses per group."""
    sets = []
    for rset in queries.requirement_sets():
        sets.append({
            "name": rset.name, "title": rset.title, "primary": rset.is_primary, "target": rset.target_percent,
            "deadline": rset.deadline.isoformat() if rset.deadline else None,
            "milestones": [{"date": m.due_on.isoformat(), "percent": m.percent} for m in rset.milestones],
            "validity": {v.course_slug: {"valid_months": v.valid_months,
                                         "valid_from": v.valid_from.isoformat() if v.valid_from else None,
                                         "min_version": v.min_version} for v in rset.validity},
            "groups": {r.target_group: {"required": r.course_slugs, "recommended": r.recommended_slugs}
                       for r in queries.requirements(rset)},
        })
    if fmt == "json":
        click.echo(json.dumps({"sets": sets}, ensure_ascii=False, indent=2))
        return
    if not sets:
        click.echo("no requirement set (flask lms seed-requirements)")
    for s in sets:
        click.echo(f"{s['name']}{' (primary)' if s['primary'] else ''}: {s['title']}")
        click.echo(f"  target {s['target']}% by {s['deadline'] or '-'}; milestones: "
                   + (", ".join(f"{m['percent']}% by {m['date']}" for m in s["milestones"]) or "-"))
        for slug, rule in s["validity"].items():
            parts = [f"{rule['valid_months']} months" if rule["valid_months"] else "",
                     f"from {rule['valid_from']}" if rule["valid_from"] else "",
                     f"version {rule['min_version']}+" if rule["min_version"] else ""]
            click.echo(f"  counts: {slug}: {', '.join(p for p in parts if p)}")
        for group, courses in s["groups"].items():
            extra = f" (recommended: {', '.join(courses['recommended'])})" if courses["recommended"] else ""
            click.echo(f"  {group:<26} {', '.join(courses['required']) or '-'}{extra}")


@commands.command("seed-requirements")
@click.option("--file", "path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Default: requirements.yaml in the courses folder.")
def seed_requirements_command(path):
    """Set the courses each target group must complete from requirements.yaml."""
    try:
        count, missing = coverage_services.seed_requirements(path)
        db.session.commit()
    except ServiceError as exc:
        db.session.rollback()
        raise click.ClickException(exc.message) from None
    click.echo(f"requirements set for {count} target groups (in all sets)")
    if missing:
        click.echo("courses not imported yet (nobody can complete them until they are): " + ", ".join(missing))

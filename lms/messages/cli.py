"""``flask lms send-messages``, ``remind`` and ``message-templates``."""

from __future__ import annotations

from datetime import date

import click
from flask import current_app

from lms.core.cli import command_group
from lms.core.localtime import local_today
from lms.extensions import db
from lms.messages import hooks, sender, texts
from lms.messages.rules import Batch
from lms.messages.samples import SAMPLES

commands = command_group()


@commands.command("send-messages")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Send at most this many messages.")
def send_messages_command(limit):
    """Send the messages that are due (run by a timer; several may run at once on PostgreSQL)."""
    stats = sender.send_pending(limit)
    channels = ", ".join(f"{name} {count}" for name, count in sorted(stats.by_channel.items())) or "none"
    click.echo(f"messages: {stats.claimed} claimed, {stats.sent} sent ({channels}), {stats.retried} to retry, "
               f"{stats.failed} failed, {stats.reclaimed} taken over from a stopped sender")


@commands.command("remind")
@click.option("--as-of", "as_of", default=None, metavar="YYYY-MM-DD", help="Apply the rules as on this day (default: today).")
@click.option("--dry-run", is_flag=True, help="Print what would be queued, by rule and unit; queue nothing.")
@click.option("--rule", "only", multiple=True, help="Apply only this rule (repeatable).")
def remind_command(as_of, dry_run, only):
    """Apply the reminder rules (required courses, class notices, quizzes closing), once per period."""
    day = parse_as_of(as_of) or local_today()
    rules = hooks.reminder_rules.functions()
    unknown = set(only) - {rule.name for rule in rules}
    if unknown:
        raise click.BadParameter(f"unknown rule(s): {', '.join(sorted(unknown))}; "
                                 f"known: {', '.join(r.name for r in rules)}", param_hint="--rule")
    batch = Batch(as_of=day, dry_run=dry_run)
    for rule in rules:
        if only and rule.name not in only:
            continue
        batch.rule = rule.name
        rule.apply(batch)
        batch.flush()
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    click.echo(f"reminders as of {day.isoformat()}{' (dry run: nothing queued)' if dry_run else ''}")
    for line in batch.report() or ["nothing due"]:
        click.echo(line)


@commands.command("message-templates")
def message_templates_command():
    """Check every message template: render it with example values in each language and channel."""
    problems = 0
    folder = current_app.config["MESSAGE_TEMPLATES_DIR"]
    click.echo(f"message templates in {folder}")
    names = sorted(set(texts.template_names()) | set(SAMPLES))
    for name in names:
        sample = SAMPLES.get(name)
        if sample is None:
            click.echo(f"  {name}: no example values known (not used by the platform?)")
            continue
        for locale in current_app.config["LANGUAGES"]:
            try:
                sms = texts.render(name, "sms", sample, locale, strict=True)
                texts.render(name, "email", sample, locale, strict=True)
            except texts.TemplateError as exc:
                problems += 1
                click.echo(f"  {name} ({locale}): ERROR {exc}")
                continue
            note = "" if len(sms.body) <= texts.SMS_SEGMENT else f" — longer than {texts.SMS_SEGMENT}"
            click.echo(f"  {name} ({locale}): ok; SMS {len(sms.body)} characters{note}")
    if problems:
        raise click.ClickException(f"{problems} template(s) could not be rendered")


def parse_as_of(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("write the date as YYYY-MM-DD", param_hint="--as-of") from None

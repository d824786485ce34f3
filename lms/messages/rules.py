"""Applying reminder rules: a batch collects the messages the rules find due, and queues them.

A rule (``lms.messages.hooks.Rule``) finds the people a fact concerns and calls
``batch.add(...)`` for each message due at ``batch.as_of``, with an idempotency key that
names the person, the rule and the period ("courses:12:p2"): a re-run in the same period
adds nothing. The batch checks keys and opt-outs in bulk (one query per 1,000 messages),
queues through ``services.enqueue`` (or, with ``dry_run``, only counts), and tallies the
outcome by rule, unit and channel for ``flask lms remind`` to print.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from lms.messages import services
from lms.messages.models import ALWAYS_SENT

FLUSH_EVERY = 1000
# Outcomes that are not a channel.
ALREADY, OPTED_OUT, NO_CHANNEL = "already queued", "reminders off", "no channel (slip)"


@dataclass
class Item:
    kind: str
    template: str
    key: str
    unit: str
    context: object
    person_id: int | None = None
    user_id: int | None = None
    phone: str | None = None
    email: str | None = None
    topic: str | None = None
    channel: str | None = None
    locale: str | None = None


@dataclass
class Batch:
    as_of: date
    dry_run: bool = False
    actor: object = None
    rule: str = ""
    # (rule, unit, outcome) -> count; outcome is a channel or one of the constants above.
    tally: Counter = field(default_factory=Counter)
    _pending: list[Item] = field(default_factory=list)

    def add(self, kind: str, template: str, *, key: str, unit: str | None, context, **recipient) -> None:
        """Queue (or count) one message. ``context``: the template's variables, or a function
        returning them (called only when the message is queued). ``recipient``: person_id,
        user_id, phone, email, topic, channel, locale as ``services.enqueue`` takes them."""
        self._pending.append(Item(kind, template, key, unit or "—", context, **recipient))
        if len(self._pending) >= FLUSH_EVERY:
            self.flush()

    def flush(self) -> None:
        items, self._pending = self._pending, []
        if not items:
            return
        existing = services.key_exists(item.key for item in items)
        opted_out = services.opted_out_users(item.user_id for item in items)
        rows: list[dict] = []
        for item in items:
            outcome = self._one(item, existing, opted_out, rows)
            self.tally[(self.rule, item.unit, outcome)] += 1
        if rows:
            services.queue_prepared(rows)

    def _one(self, item: Item, existing: set[str], opted_out: set[int], rows: list[dict]) -> str:
        if item.key in existing:
            return ALREADY
        if item.kind not in ALWAYS_SENT and item.user_id in opted_out:
            return OPTED_OUT
        channels = services.reachable_channels(phone=item.phone, email=item.email, user_id=item.user_id)
        if item.channel is not None:
            channels = [item.channel] if item.channel in channels else channels
        if not channels:
            return NO_CHANNEL
        if self.dry_run:
            existing.add(item.key)
            return channels[0]
        row = services.prepare(
            item.kind, item.template, person_id=item.person_id, user_id=item.user_id, phone=item.phone,
            email=item.email, context=item.context() if callable(item.context) else item.context,
            idempotency_key=item.key, channel=channels[0], locale=item.locale, topic=item.topic,
            as_of=self.as_of, actor=self.actor,
        )
        existing.add(item.key)
        if row is None:
            return NO_CHANNEL
        rows.append(row)
        return row["channel"]

    def queued(self, rule: str | None = None) -> int:
        """How many messages were queued (or, in a dry run, would be), by one rule or all."""
        return sum(n for (r, _, outcome), n in self.tally.items()
                   if outcome not in (ALREADY, OPTED_OUT, NO_CHANNEL) and (rule is None or r == rule))

    def report(self) -> list[str]:
        """Lines for the command's output: per rule, per unit, per outcome."""
        lines = []
        for rule in dict.fromkeys(r for r, _, _ in sorted(self.tally)):
            lines.append(f"{rule}: {self.queued(rule)} {'would be queued' if self.dry_run else 'queued'}")
            units: dict[str, Counter] = {}
            for (r, unit, outcome), n in self.tally.items():
                if r == rule:
                    units.setdefault(unit, Counter())[outcome] += n
            for unit in sorted(units):
                parts = ", ".join(f"{outcome} {n}" for outcome, n in sorted(units[unit].items()))
                lines.append(f"  {unit}: {parts}")
        return lines

"""The sender: limits, crash safety (claims expire), and several senders at once on PostgreSQL."""

from __future__ import annotations

import os
import threading
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from lms.messages import sender
from lms.messages.sender import SendStats
from tests.messages.helpers import queue_emails, rows

DAY = datetime.now(UTC).replace(hour=3, minute=0, second=0, microsecond=0) + timedelta(days=1)
LEASE = timedelta(seconds=600)


def _ids(smtp_server) -> list[str]:
    return [m["message"]["Message-ID"] for m in smtp_server.received]


def test_limit_and_cli(app, runner, smtp_server):
    with app.app_context():
        queue_emails(7)
    result = runner.invoke(args=["lms", "send-messages", "--limit", "3"])
    assert result.exit_code == 0 and "3 claimed, 3 sent" in result.output, result.output
    result = runner.invoke(args=["lms", "send-messages"])
    assert "4 claimed, 4 sent" in result.output
    assert len(set(_ids(smtp_server))) == 7 == len(smtp_server.received)
    assert runner.invoke(args=["lms", "send-messages", "--limit", "0"]).exit_code != 0


def test_crash_between_claim_and_send_loses_nothing(app, smtp_server):
    with app.app_context():
        queue_emails(5)
        # A sender claims the messages and dies before sending any of them.
        token, claimed = sender._claim(5, DAY, ["email"], SendStats())
        assert len(claimed) == 5
        assert {r.status for r in rows()} == {"sending"}
        # Within the lease nobody takes them over (the first sender may still be at work) …
        assert sender.send_pending(now=DAY + LEASE - timedelta(seconds=1)).claimed == 0
        # … after it they go back to the queue and are sent, once.
        stats = sender.send_pending(now=DAY + LEASE + timedelta(seconds=1))
        assert (stats.reclaimed, stats.sent) == (5, 5)
        assert {r.status for r in rows()} == {"sent"}
        assert [r.attempts for r in rows()] == [2] * 5  # the dead sender's claim counts as a try
    assert len(smtp_server.received) == 5 == len(set(_ids(smtp_server)))


class Crash(BaseException):
    """The process dies (as with kill -9: nothing after it runs)."""


def test_crash_after_send_duplicates_only_the_message_in_flight(app, smtp_server, monkeypatch):
    with app.app_context():
        queue_emails(6)
    record = sender._record
    calls = {"n": 0}

    def dying_record(message, token, values, stats):
        calls["n"] += 1
        if calls["n"] == 3:  # the third message went out; the process dies before recording it
            raise Crash
        return record(message, token, values, stats)

    monkeypatch.setattr(sender, "_record", dying_record)
    with app.app_context(), pytest.raises(Crash):
        sender.send_pending(now=DAY)
    monkeypatch.setattr(sender, "_record", record)
    with app.app_context():
        assert Counter(r.status for r in rows()) == {"sent": 2, "sending": 4}
        stats = sender.send_pending(now=DAY + LEASE + timedelta(seconds=1))
        assert stats.sent == 4
        assert {r.status for r in rows()} == {"sent"}
    counts = Counter(_ids(smtp_server))
    assert len(counts) == 6  # lost: 0
    assert sorted(counts.values()) == [1, 1, 1, 1, 1, 2]  # duplicated: the one in flight


def test_late_result_of_a_sender_whose_claim_was_taken_over_is_not_recorded(app, smtp_server):
    with app.app_context():
        queue_emails(1)
        token, [message] = sender._claim(1, DAY, ["email"], SendStats())
        later = sender.send_pending(now=DAY + LEASE + timedelta(seconds=1))
        assert later.sent == 1
        stats = SendStats()
        sender._record(message, token, {"status": "failed", "last_error": "late"}, stats)
        assert stats.lost_claims == 1
        [row] = rows()
        assert (row.status, row.last_error) == ("sent", None)


@pytest.mark.skipif(not os.environ.get("LMS_TEST_DATABASE_URL", "").startswith("postgresql"),
                    reason="several senders at once need PostgreSQL (SKIP LOCKED); SQLite runs one at a time")
def test_two_senders_at_once_never_send_a_message_twice(app, smtp_server):
    n = 300
    with app.app_context():
        queue_emails(n)
    start = threading.Barrier(2)
    results: list[SendStats] = []
    errors: list[BaseException] = []

    def run():
        try:
            with app.app_context():
                start.wait()
                results.append(sender.send_pending(now=DAY, batch=10))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    counts = Counter(_ids(smtp_server))
    assert len(counts) == n and max(counts.values()) == 1
    assert sum(s.sent for s in results) == n
    assert all(s.sent > 0 for s in results), [s.sent for s in results]  # both really took part
    with app.app_context():
        assert Counter(r.status for r in rows()) == {"sent": n}
        assert {r.attempts for r in rows()} == {1}

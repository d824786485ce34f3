"""Issue 18, finding 5: the database rate limiter is a moving window (no double limit at a
window's edge), counts per key, records refused tries nowhere, and accepts combined limits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from lms.core.ratelimit import hit, parse_limit

T0 = datetime(2026, 12, 7, 8, 0, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def test_a_moving_window_allows_the_limit_around_an_edge_not_twice_it(app):
    with app.app_context():
        assert [hit("t", "k", "3/minute", now=at(57 + i)) for i in range(3)] == [True, True, True]
        # A fixed window would start afresh at 60 s and allow 3 more; the moving one does not.
        assert [hit("t", "k", "3/minute", now=at(61 + i)) for i in range(3)] == [False, False, False]
        assert hit("t", "other", "3/minute", now=at(61))  # per key
        assert hit("t", "k", "3/minute", now=at(117.5))  # 57 s left the window
        assert not hit("t", "k", "3/minute", now=at(117.6))


def test_refused_tries_do_not_extend_the_lockout(app):
    with app.app_context():
        for i in range(2):
            assert hit("t", "k", "2/minute", now=at(i))
        for i in range(50):  # an attacker keeps trying
            assert not hit("t", "k", "2/minute", now=at(2 + i))
        assert hit("t", "k", "2/minute", now=at(60.5))


def test_combined_limits_all_hold(app):
    with app.app_context():
        allowed = [hit("t", "k", "2/minute;3/hour", now=at(i * 70)) for i in range(5)]
    assert allowed == [True, True, True, False, False]
    assert parse_limit("10 per 5 minutes") == [(10, 300)]
    with pytest.raises(ValueError):
        parse_limit("ten a minute")

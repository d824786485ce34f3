"""Size-scaling checks: does an input ``factor`` times larger take about ``factor`` times longer?

Nothing here compares a duration with a fixed number of seconds. The same code runs on
a small and on a larger input in the same test, and only the ratio of the two CPU times
(``time.process_time``: time spent by this process, so other processes on a loaded
machine count little) is checked. Each size is measured several times and the best time
kept; a linear algorithm gives a ratio near ``factor``, a quadratic one near ``factor²``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any


def _cpu_time(make: Callable[[int], Any], run: Callable[[Any], Any], size: int, calls: int) -> float:
    inputs = [make(size) for _ in range(calls)]  # built outside the measurement
    start = time.process_time()
    for value in inputs:
        run(value)
    return time.process_time() - start


def growth(make: Callable[[int], Any], run: Callable[[Any], Any], size: int, *, factor: int = 4,
           repeat: int = 5, calls: int = 3, limit: float | None = None, rounds: int = 3) -> float:
    """Best CPU time of ``run(make(factor × size))`` over the best of ``run(make(size))``.

    ``limit`` (the ratio the caller will accept) only shortens the measurement: once a
    large run is within it the answer is known. A ratio over it is measured again, up to
    ``rounds`` times, and the lowest kept: on a machine shared with other work (a CI runner,
    the suite's other process) CPU time still moves with caches and frequency, and one
    unlucky small measurement must not fail a linear algorithm; a quadratic one stays over
    the limit every time."""
    _cpu_time(make, run, size, 1)  # warm up (imports, caches)
    ratio = float("inf")
    for _ in range(rounds):
        small = max(min(_cpu_time(make, run, size, calls) for _ in range(repeat)), 1e-6)
        best = float("inf")
        for _ in range(repeat):
            best = min(best, _cpu_time(make, run, factor * size, calls))
            if limit is not None and best <= limit * small:
                break
        ratio = min(ratio, best / small)
        if limit is None or ratio <= limit:
            break
    return ratio

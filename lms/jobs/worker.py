"""The one background process of an installation: ``flask lms worker``.

It runs the queued jobs one after the other and, in a thread of its own every
``JOBS_SEND_MESSAGES_SECONDS``, the message sender of lms.messages (the same
``send_pending`` as ``flask lms send-messages``),
so that an installation runs one worker beside its app servers. SIGTERM or SIGINT stops it
after the job in hand (a job cut short by SIGKILL is taken over once its lease has passed).
"""

from __future__ import annotations

import logging
import signal
import threading
from dataclasses import dataclass, field

from flask import Flask
from sqlalchemy.exc import DBAPIError

from lms.core.db import is_schema_missing
from lms.jobs import services

log = logging.getLogger("lms.jobs")


@dataclass
class WorkerStats:
    jobs: list[int] = field(default_factory=list)
    message_runs: int = 0
    messages_sent: int = 0


def send_messages(app: Flask, stats: WorkerStats) -> None:
    from lms.messages import sender

    with app.app_context():
        try:
            sent = sender.send_pending()
        except Exception:  # the worker keeps running jobs when a channel is broken
            log.exception("message sender failed")
            return
    stats.message_runs += 1
    stats.messages_sent += sent.sent
    if sent.claimed:
        log.info("messages: %s", sent.as_dict())


def _sender_loop(app: Flask, stop: threading.Event, every: float, stats: WorkerStats) -> None:
    while not stop.is_set():
        send_messages(app, stats)
        stop.wait(every)


def run_worker(app: Flask, *, once: bool = False, stop: threading.Event | None = None,
               on_ready=None) -> WorkerStats:
    """Run jobs and send messages until stopped (``once``: until the queue is empty).

    The sender runs in a thread of its own, every ``JOBS_SEND_MESSAGES_SECONDS``, so that an
    activation or reset message never waits for a long job; jobs run one after the other in
    the main thread. With ``once``, jobs are drained first, then due messages are sent once.
    ``on_ready()`` is called once the signal handlers are in place.
    """
    stop = stop or threading.Event()
    stats = WorkerStats()
    poll = max(float(app.config.get("JOBS_POLL_SECONDS", 2)), 0.05)
    send_every = max(float(app.config.get("JOBS_SEND_MESSAGES_SECONDS", 10)), 0.05)
    previous = {}
    if threading.current_thread() is threading.main_thread():
        def _stop(signum, _frame):
            log.info("worker: signal %s, stopping after the job in hand", signum)
            stop.set()

        for signum in (signal.SIGTERM, signal.SIGINT):
            previous[signum] = signal.signal(signum, _stop)
    sender = None
    if not once:
        sender = threading.Thread(target=_sender_loop, args=(app, stop, send_every, stats),
                                  name="lms-message-sender", daemon=True)
        sender.start()
    if on_ready is not None:
        on_ready()
    try:
        while not stop.is_set():
            try:
                job_id = services.run_next(app)
            except Exception as exc:  # the database is away (restart, network): wait and try again
                if once or (isinstance(exc, DBAPIError) and is_schema_missing(exc)):
                    raise  # `flask db upgrade` was not run: say so (lms.core.cli), do not loop
                log.exception("worker: could not claim a job; trying again in %s s", poll)
                stop.wait(poll)
                continue
            if job_id is not None:
                stats.jobs.append(job_id)
                continue
            if once:
                send_messages(app, stats)
                break
            stop.wait(poll)
    finally:
        stop.set()
        if sender is not None:
            sender.join()
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    return stats

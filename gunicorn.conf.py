"""gunicorn settings of `make run`, the benchmarks (bench/http_bench.py) and production
(docs/deploy.md, "gunicorn under systemd"). Options given on the command line win.

The app is loaded once, in the master (``preload_app``), before the workers are forked: a
worker starts in milliseconds and shares the master's memory pages instead of importing
everything again. Two things must not cross the fork:

- open database connections: the master disposes its engines' pools once the app is loaded
  (``when_ready``; it never serves a request), and every worker drops whatever pool it
  inherited without closing it (``post_fork``: ``dispose(close=False)``, so that a worker
  never closes a connection that is not its own — on PostgreSQL that would end the
  master's session). Each worker then opens its own connections. SQLite (WAL) is fine too.
- the garbage collector's bookkeeping: the objects of the loaded app are frozen
  (``gc.freeze``), so a collection in a worker does not write to, and so copy, the pages
  it shares with the master (measured: a worker's private memory after 1,000 requests is
  38 MiB with the freeze, 55 MiB without).

With ``preload_app`` a HUP (``systemctl reload``) restarts the workers but keeps the code
the master loaded: after installing a release, restart (``systemctl restart``).
"""

from __future__ import annotations

import gc
import os

wsgi_app = "wsgi:app"
bind = os.environ.get("LMS_BIND", "127.0.0.1:5000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))  # gunicorn's own variable
worker_class = "sync"
preload_app = True
timeout = 60
graceful_timeout = 30


def _preloaded_app(server):
    """The OCOP LMS app the master loaded (None without preload_app, or for another WSGI
    app such as the benchmarks' bare Flask "hello world")."""
    if not server.cfg.preload_app:
        return None
    app = server.app.wsgi()
    return app if "sqlalchemy" in getattr(app, "extensions", {}) else None


def when_ready(server):
    """Master, after loading the app and before forking the first worker."""
    app = _preloaded_app(server)
    if app is not None:
        from lms.core.db import dispose_engines

        dispose_engines(app, close=True)  # the master's own connections, if it opened any
        from babel import localedata

        # The default language's CLDR data (dates, numbers: nearly every page) is loaded
        # once here and shared, instead of once per worker (about 2.5 MiB each).
        localedata.load(app.config.get("BABEL_DEFAULT_LOCALE", "vi"))
    gc.freeze()


def post_fork(server, worker):
    """Worker, just forked: forget the inherited pool; never close the master's connections."""
    app = _preloaded_app(server)
    if app is not None:
        from lms.core.db import dispose_engines

        dispose_engines(app, close=False)

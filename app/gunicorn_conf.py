"""gunicorn's settings for production: `gunicorn -c python:app.gunicorn_conf run:app`.

The app is loaded once, in the master (`preload_app`), and what it loaded is moved out of the
garbage collector's reach before the workers fork (`gc.freeze()`): a collection in a worker
would otherwise write to every object's header and so copy the master's pages into each
worker. Workers are replaced after about 10,000 requests (jittered, so that they do not all
restart at once). Command-line options override these values (`--workers 4 --bind ...`).
"""

from __future__ import annotations

import gc
import os

preload_app = True
max_requests = 10_000
max_requests_jitter = 500
timeout = 60


def when_ready(server) -> None:
    """In the master, after the app is loaded and before the first worker forks."""
    gc.collect()
    gc.freeze()


def post_fork(server, worker) -> None:
    """A worker must not use the master's database connections: each opens its own."""
    from app.extensions import db  # imported here: the config is read before the app loads

    app = server.app.wsgi()
    with app.app_context():
        for engine in db.engines.values():
            engine.dispose(close=False)


def child_exit(server, worker) -> None:
    """A worker that exits leaves its Prometheus gauges behind otherwise."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)

"""A real `flask worker` process for the tests that kill one: the app on the test's database,
sending to the test's SMTP server.

    python -m tests.mail_worker.worker_process DATABASE_URL SMTP_PORT LEASE_SECONDS FILES_DIR
"""

from __future__ import annotations

import sys
import threading


def main(database_url: str, smtp_port: str, lease_seconds: str, files: str) -> None:
    from app import create_app
    from app.worker import run_forever

    app = create_app(
        "test",
        SQLALCHEMY_DATABASE_URI=database_url,
        FILE_STORAGE_DIR=files,
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=int(smtp_port),
        MAIL_SUPPRESS_SEND=False,
        OUTBOX_LEASE_SECONDS=float(lease_seconds),
        WORKER_INTERVAL_SECONDS=0.2,
    )
    print("worker ready", flush=True)
    run_forever(app, threading.Event())


if __name__ == "__main__":
    main(*sys.argv[1:5])

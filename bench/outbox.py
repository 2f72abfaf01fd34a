"""Outbox benchmark: one worker's delivery rate to a local SMTP server, and the claim query's
time with 1,000,000 sent rows in the table (the partial index on pending rows keeps it flat).

    .venv/bin/python bench/outbox.py [--db postgresql+psycopg://postgres@127.0.0.1:5432/postgres]
                                     [--messages 1000] [--sent 1000000]
"""

from __future__ import annotations

import argparse
import socket
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aiosmtpd.controller import Controller  # noqa: E402
from sqlalchemy import insert, text  # noqa: E402

from app.extensions import db  # noqa: E402
from app.models import OutboxMessage, OutboxStatus  # noqa: E402
from app.models.base import utcnow  # noqa: E402
from app.role_defaults import seed_roles  # noqa: E402
from app.services.mail_delivery import claim_due  # noqa: E402
from app.worker import work_once  # noqa: E402
from bench.common import BATCH, bench_app, load_average, p50, quiet, seed_users  # noqa: E402


class Sink:
    def __init__(self):
        self.count = 0

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook
        self.count += 1
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def rows(user_id: int, count: int, status: str, start: int, now) -> list[dict]:
    return [
        {
            "recipient_id": user_id,
            "to_address": "anna@example.com",
            "language": "en",
            "kind": "reminder",
            "params": {},
            "status": status,
            "attempts": 1 if status == "sent" else 0,
            "next_attempt_at": now,
            "message_id": f"<b{n}@bench>",
            "dedupe_key": f"bench:{n}",
            "created_at": now,
        }
        for n in range(start, start + count)
    ]


def insert_rows(user_id: int, count: int, status: str, start: int, now) -> None:
    for offset in range(0, count, BATCH):
        db.session.execute(
            insert(OutboxMessage),
            rows(user_id, min(BATCH, count - offset), status, start + offset, now),
        )
        db.session.commit()


def throughput(app, user_id: int, messages: int) -> float:
    sink = Sink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    state = app.extensions["mail"]
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    state.server, state.port, state.suppress = "127.0.0.1", port, False
    now = utcnow()
    with app.app_context():
        insert_rows(user_id, messages, OutboxStatus.PENDING, 0, now)
    started = time.perf_counter()
    while work_once(app, now=now + timedelta(seconds=1))["sent"]:
        pass
    elapsed = time.perf_counter() - started
    controller.stop()
    assert sink.count == messages, (sink.count, messages)
    return messages / elapsed


def claim_times(app, user_id: int, sent: int) -> tuple[float, float]:
    """p50 of claiming the same 50 due rows, without and then with `sent` sent rows."""
    with app.app_context():
        now = utcnow()
        insert_rows(user_id, 50, OutboxStatus.PENDING, 20_000_000, now)
        empty = _claim_p50(now)
        insert_rows(user_id, sent, OutboxStatus.SENT, 10_000_000, now)
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text("ANALYZE outbox"))
            db.session.commit()
        return empty, _claim_p50(now)


def _claim_p50(now) -> float:
    times = []
    for _ in range(20):
        db.session.execute(
            text("UPDATE outbox SET next_attempt_at = :now WHERE status = 'pending'"), {"now": now}
        )
        db.session.commit()
        started = time.perf_counter()
        claimed = claim_due(db.session, now + timedelta(seconds=1), 50)
        times.append((time.perf_counter() - started) * 1000)
        assert len(claimed) == 50
    return p50(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default=None)
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--sent", type=int, default=1_000_000)
    args = parser.parse_args()
    quiet()
    with bench_app(args.db, "outbox") as (app, url):
        with app.app_context():
            db.create_all()
            seed_roles(app.appbuilder)
            user_id = seed_users(app, {"anna": "Approver"})["anna"]
        rate = throughput(app, user_id, args.messages)
        empty, full = claim_times(app, user_id, args.sent)
    print(f"database: {url.split(':')[0]}   load average: {load_average()}")
    print(f"delivery, one worker, local SMTP: {rate:8.1f} messages/s   (target >= 50)")
    print(
        f"claim of 50 due rows, p50: {empty:6.2f} ms with no sent rows, "
        f"{full:6.2f} ms with {args.sent:,} sent rows"
    )


if __name__ == "__main__":
    main()

"""Webhook outbox benchmark: the claim query (with its "no earlier delivery of the invoice still
waiting" condition) as the delivery table grows, and a worker draining a backlog to a real
receiver on localhost.

    .venv/bin/python bench/webhooks.py [--db postgresql+psycopg://postgres@127.0.0.1:5432/postgres]
        [--invoices 2000] [--delivered 1000000] [--backlog 500]

The machine is shared: wall-clock figures are noisy, CPU times (process_time) less so.
"""

from __future__ import annotations

import argparse
import sys
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert, text  # noqa: E402

from app.domain.webhook_addresses import Allowlist  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import (  # noqa: E402
    Counterparty,
    Invoice,
    WebhookDelivery,
    WebhookSubscription,
)
from app.models.base import utcnow  # noqa: E402
from app.role_defaults import seed_roles  # noqa: E402
from app.services.webhook_delivery import WebhookSettings, claim_due, deliver_due  # noqa: E402
from bench.common import BATCH, bench_app, load_average, p50, quiet, seed_users  # noqa: E402
from tests.webhooks.receiver import Receiver  # noqa: E402


def seed(invoices: int, url: str) -> tuple[int, list[int]]:
    user = seed_users_once()
    party = Counterparty(name="Bench supplier", country="DE", tax_id="DE000000001")
    db.session.add(party)
    db.session.flush()
    rows = [
        {
            "amount": 1000,
            "counterparty_id": party.id,
            "counterparty_name": party.name,
            "issue_date": date(2026, 1, 1),
            "initiator_id": user,
            "number": n + 1,
        }
        for n in range(invoices)
    ]
    db.session.execute(insert(Invoice), rows)
    subscription = WebhookSubscription(
        url=url, events=["submitted"], secret="s", created_by_id=user
    )
    db.session.add(subscription)
    db.session.commit()
    ids = list(db.session.scalars(text("SELECT id FROM invoice ORDER BY id")))
    return subscription.id, ids


def seed_users_once() -> int:
    return next(iter(_app_users.values()))


_app_users: dict[str, int] = {}


def deliveries(subscription_id, invoice_ids, count, status, now, start_sequence=1):
    for offset in range(0, count, BATCH):
        batch = []
        for n in range(offset, min(count, offset + BATCH)):
            invoice = invoice_ids[n % len(invoice_ids)]
            batch.append(
                {
                    "subscription_id": subscription_id,
                    "delivery_uid": str(uuid.uuid4()),
                    "event": "submitted",
                    "invoice_id": invoice,
                    "sequence": start_sequence + n // len(invoice_ids),
                    "payload": {"event": "submitted", "invoice": {"id": invoice}},
                    "status": status,
                    "attempts": 1 if status == "delivered" else 0,
                    "next_attempt_at": now,
                    "created_at": now,
                }
            )
        db.session.execute(insert(WebhookDelivery), batch)
        db.session.commit()


def claim_p50(now, limit=10) -> tuple[float, float]:
    wall, cpu = [], []
    for _ in range(20):
        db.session.execute(
            text(
                "UPDATE webhook_delivery SET next_attempt_at = :now, claimed_by = NULL "
                "WHERE status = 'pending'"
            ),
            {"now": now},
        )
        db.session.commit()
        started, started_cpu = time.perf_counter(), time.process_time()
        claimed = claim_due(
            db.session, now + timedelta(seconds=1), uuid.uuid4().hex, limit, timedelta(seconds=30)
        )
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
        assert claimed, "nothing claimed"
    return p50(wall), p50(cpu)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default=None)
    parser.add_argument("--invoices", type=int, default=2000)
    parser.add_argument("--delivered", type=int, default=1_000_000)
    parser.add_argument("--backlog", type=int, default=500)
    args = parser.parse_args()
    quiet()
    receiver = Receiver().start()
    with bench_app(args.db, "webhooks") as (app, _url), app.app_context():
        db.create_all()
        seed_roles(app.appbuilder)
        _app_users.update(seed_users(app, {"root": "Admin"}))
        subscription, invoices = seed(args.invoices, receiver.url)
        now = utcnow()
        # Two waiting deliveries per invoice: the claim must skip every second one.
        deliveries(subscription, invoices, 2 * len(invoices), "pending", now, 10_000_000)
        empty = claim_p50(now)
        deliveries(subscription, invoices, args.delivered, "delivered", now)
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text("ANALYZE webhook_delivery"))
            db.session.commit()
        full = claim_p50(now)
        print(f"database: {db.engine.dialect.name}; load average {load_average()}")
        print(
            f"claim of 10 of {2 * len(invoices)} waiting deliveries (half held back by an "
            f"earlier one), p50 wall/CPU: {empty[0]:.2f}/{empty[1]:.2f} ms with no delivered "
            f"rows, {full[0]:.2f}/{full[1]:.2f} ms with {args.delivered:,} delivered rows"
        )
        db.session.execute(text("DELETE FROM webhook_delivery"))
        db.session.commit()
        deliveries(subscription, invoices, args.backlog, "pending", now)
        settings = WebhookSettings(Allowlist.parse("127.0.0.1/32"))
        started, started_cpu = time.perf_counter(), time.process_time()
        sent = 0
        while True:
            counts = deliver_due(db.session, utcnow(), settings)
            if not any(counts.values()):
                break
            sent += counts["delivered"]
        wall = time.perf_counter() - started
        cpu = time.process_time() - started_cpu
        print(
            f"one worker drained {sent} deliveries to a localhost receiver in {wall:.2f} s "
            f"wall ({sent / wall:.0f}/s), {cpu:.2f} s CPU of the worker and receiver process"
        )
        db.session.remove()
    receiver.stop()


if __name__ == "__main__":
    main()

"""Audit verify benchmark: 1,000,000 events (10,000 invoice chains x 100), with correct hashes,
then `flask audit verify` timed: the chain walk alone, and against an anchor. Target < 60 s.

    .venv/bin/python bench/audit_verify.py [--db URL] [--sqlite] [--chains 10000] [--events 100]

The database is a fresh one created on the server of --db (default: $BENCH_DATABASE_URL or the
local PostgreSQL) and dropped afterwards; --sqlite runs the same on a SQLite file as well.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert  # noqa: E402

from app.extensions import db  # noqa: E402
from app.models import AuditEvent  # noqa: E402
from app.models.audit import invoice_chain  # noqa: E402
from app.services.audit import GENESIS, event_hash  # noqa: E402
from bench.common import BATCH, PG_EXAMPLE, analyze, bench_app, load_average, quiet  # noqa: E402
from bench.invoice_list import seed  # noqa: E402

COLUMNS = [c.key for c in AuditEvent.__table__.columns if c.key != "id"]
ACTIONS = ("created", "edited", "file_added", "submitted", "approved", "note")
TARGET_SECONDS = 60


class Event:
    """The columns event_hash reads, without an ORM object per row."""

    __slots__ = (*COLUMNS,)

    def __init__(self, **values):
        for key, value in values.items():
            setattr(self, key, value)


def events(chains: int, per_chain: int, actor_id: int):
    """Rows in the order a busy system writes them: the chains' events interleaved."""
    heads = {}
    start = datetime(2026, 1, 5, 9, 0)
    for sequence in range(1, per_chain + 1):
        for invoice_id in range(1, chains + 1):
            event = Event(
                chain=invoice_chain(invoice_id),
                sequence=sequence,
                invoice_id=invoice_id,
                actor_id=actor_id,
                action=ACTIONS[sequence % len(ACTIONS)],
                details={"changes": {"amount": [f"{sequence}.00", f"{sequence + 1}.00"]}},
                created_at=start + timedelta(seconds=sequence * chains + invoice_id),
                prev_hash=heads.get(invoice_id, GENESIS),
            )
            event.hash = heads[invoice_id] = event_hash(event)
            yield event


def insert_events(chains: int, per_chain: int, actor_id: int) -> None:
    rows = events(chains, per_chain, actor_id)
    if db.engine.dialect.name == "postgresql":
        _copy(rows)
    else:
        _executemany(rows)


def _copy(rows) -> None:
    connection = db.engine.raw_connection()
    try:
        with connection.cursor() as cursor:
            statement = f"COPY audit_event ({', '.join(COLUMNS)}) FROM STDIN"
            with cursor.copy(statement) as copy:
                for row in rows:
                    copy.write_row([_copied(row, key) for key in COLUMNS])
        connection.commit()
    finally:
        connection.close()


def _copied(row: Event, key: str):
    value = getattr(row, key)
    return json.dumps(value) if key == "details" else value


def _executemany(rows) -> None:
    batch = []
    for row in rows:
        batch.append({key: getattr(row, key) for key in COLUMNS})
        if len(batch) == BATCH:
            db.session.execute(insert(AuditEvent.__table__), batch)
            batch.clear()
    if batch:
        db.session.execute(insert(AuditEvent.__table__), batch)
    db.session.commit()


def timed_cli(app, *args) -> tuple[float, float, str]:
    """(wall seconds, this process's CPU seconds, output) of one `flask` command."""
    started, cpu = time.perf_counter(), time.process_time()
    result = app.test_cli_runner().invoke(args=list(args))
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    if result.exit_code != 0:
        raise RuntimeError(f"{' '.join(args)} failed:\n{result.output[-2000:]}")
    return elapsed, cpu, result.output


def run(url: str | None, chains: int, per_chain: int) -> None:
    total = chains * per_chain
    with bench_app(url, "audit") as (app, shown), tempfile.TemporaryDirectory() as anchors:
        started = time.perf_counter()
        users = seed(app, chains, 100, run_analyze=False, with_tasks=False)
        with app.app_context():
            insert_events(chains, per_chain, users["admin"])
            analyze()
            db.session.remove()
        seeded = time.perf_counter() - started
        app.config["AUDIT_ANCHOR_DIR"] = anchors
        walk = timed_cli(app, "audit", "verify", "--skip-files")
        anchor = timed_cli(app, "audit", "anchor")
        against = timed_cli(app, "audit", "verify", "--heads", anchors, "--skip-files")
        assert f"{chains} chains, 0 broken." in walk[2] and "0 chains contradict" in against[2]
    print(f"\ndatabase: {shown.split(':')[0]}   load average: {load_average()}")
    print(f"seeded {total:,} events in {chains:,} chains in {seeded:.1f} s")
    for label, (seconds, cpu, _output) in (
        ("verify (chains walked, heads printed)", walk),
        ("anchor (every chain's head written)", anchor),
        ("verify --heads (walk + anchor compared)", against),
    ):
        print(
            f"{label:42} {seconds:7.2f} s  {total / seconds:10,.0f} events/s"
            f"   (CPU of this process {cpu:6.2f} s)"
        )
    verdict = "meets" if max(walk[0], against[0]) < TARGET_SECONDS else "MISSES"
    print(f"target: verify under {TARGET_SECONDS} s for {total:,} events: {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default=os.environ.get("BENCH_DATABASE_URL", PG_EXAMPLE))
    parser.add_argument("--sqlite", action="store_true", help="also run on a SQLite file")
    parser.add_argument("--chains", type=int, default=10_000)
    parser.add_argument("--events", type=int, default=100, help="events per chain")
    args = parser.parse_args()
    quiet()
    run(args.db, args.chains, args.events)
    if args.sqlite:
        run(None, args.chains, args.events)


if __name__ == "__main__":
    main()

"""Audit search benchmark: 1,000,000 events (10,000 invoice chains x 100) on PostgreSQL, then
pages of the search timed: the first, one in the middle (a cursor 500,000 events in), the last,
each unfiltered and with filters (actor, action, invoice, period, actor and action). Target:
every page under 200 ms p50. Timed twice: the service alone (its queries) and the whole screen
(GET /audit/ as an auditor, rendered), with this process's CPU time beside the wall clock (the
machine is shared, so wall figures are noisy).

    .venv/bin/python bench/audit_search.py [--db URL] [--chains 10000] [--events 100]
        [--repeat 15] [--without-indexes]

The keyset needs the indexes proposed for migration 0019 (hot path indexes); the bench creates
them as that migration would (--without-indexes: to see the difference).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import text  # noqa: E402

from app.extensions import db  # noqa: E402
from app.models import AuditEvent  # noqa: E402
from app.models.audit import invoice_chain  # noqa: E402
from app.services.audit_search import AuditQuery, Cursor, Direction, search_audit  # noqa: E402
from bench.common import (  # noqa: E402
    PG_EXAMPLE,
    analyze,
    bench_app,
    load_average,
    login_page_client,
    quiet,
    seed_users,
)
from bench.invoice_list import seed  # noqa: E402

COLUMNS = [c.key for c in AuditEvent.__table__.columns if c.key != "id"]
ACTIONS = ("created", "edited", "file_added", "submitted", "approved", "returned", "paid", "note")
ZONE = "Europe/Moscow"
TARGET_MS = 200
START = datetime(2025, 1, 5, 9, 0)
# What migration 0019 would add (the lead writes it; see the closing note).
INDEXES = (
    "CREATE INDEX ix_audit_event_created_at_id ON audit_event (created_at, id)",
    "CREATE INDEX ix_audit_event_actor_created_at ON audit_event (actor_id, created_at, id)",
    "CREATE INDEX ix_audit_event_action_created_at ON audit_event (action, created_at, id)",
)


def event_rows(chains: int, per_chain: int, actors: list[int]):
    """The chains' events interleaved, one every 3 s (about a year), actors and actions mixed.
    The hashes are placeholders: the search reads them, it does not check them."""
    rng = random.Random(13)
    n = 0
    for sequence in range(1, per_chain + 1):
        for invoice_id in range(1, chains + 1):
            n += 1
            yield [
                invoice_chain(invoice_id),
                sequence,
                invoice_id,
                rng.choice(actors),
                ACTIONS[rng.randrange(len(ACTIONS))],
                json.dumps({"comment": f"event {n}"}),
                START + timedelta(seconds=3 * n),
                f"{n - 1:064x}",
                f"{n:064x}",
            ]


def copy_events(rows) -> None:
    connection = db.engine.raw_connection()
    try:
        with connection.cursor() as cursor:
            statement = f"COPY audit_event ({', '.join(COLUMNS)}) FROM STDIN"
            with cursor.copy(statement) as copy:
                for row in rows:
                    copy.write_row(row)
        connection.commit()
    finally:
        connection.close()


def seed_events(app, chains: int, per_chain: int, with_indexes: bool) -> dict[str, int]:
    users = seed(app, chains, 100, run_analyze=False, with_tasks=False)
    with app.app_context():
        users |= seed_users(app, {"auditor": "Auditor"})
        copy_events(event_rows(chains, per_chain, sorted(users.values())))
        if with_indexes:
            for statement in INDEXES:
                db.session.execute(text(statement))
            db.session.commit()
        analyze()
        db.session.remove()
    return users


def middle_cursor(offset: int) -> Cursor:
    """The bench alone counts rows to find the middle: the search never uses OFFSET."""
    row = db.session.execute(
        text(
            "SELECT created_at, id FROM audit_event"
            " ORDER BY created_at DESC, id DESC OFFSET :n LIMIT 1"
        ),
        {"n": offset},
    ).one()
    return Cursor(row.created_at, row.id)


def cases(users: dict[str, int], total: int) -> list[tuple[str, AuditQuery, str]]:
    """(label, filter, which page): which is first, middle or last."""
    actor = users["approver1"]
    days = (START + timedelta(seconds=3 * total // 2)).date()
    filters = {
        "no filter": AuditQuery(time_zone=ZONE),
        "actor": AuditQuery(actor_id=actor, time_zone=ZONE),
        "action": AuditQuery(action="returned", time_zone=ZONE),
        "invoice": AuditQuery(invoice_number=4321, time_zone=ZONE),
        "period (1 week)": AuditQuery(since=days, until=days + timedelta(days=6), time_zone=ZONE),
        "actor + action": AuditQuery(actor_id=actor, action="approved", time_zone=ZONE),
    }
    return [
        (f"{name}, {which}", q, which)
        for name, q in filters.items()
        for which in ("first", "middle", "last")
    ]


def direction_for(session, actor, query: AuditQuery, which: str, middle: Cursor) -> Direction:
    if which == "first":
        return Direction()
    if which == "last":
        return Direction(last=True)
    if query == AuditQuery(time_zone=ZONE):
        return Direction(after=middle)
    # A filtered middle: the cursor of the event half-way through the filter's pages.
    page = search_audit(session, actor, query, Direction(), 1)
    oldest = search_audit(session, actor, query, Direction(last=True), 1)
    if not page.rows:
        return Direction()
    first, last = page.rows[0], oldest.rows[0]
    halfway = first.created_at - (first.created_at - last.created_at) / 2
    return Direction(after=Cursor(halfway, 0))


def timed(action, repeat: int) -> tuple[float, float]:
    """(p50 wall ms, p50 CPU ms) of `repeat` calls after one warm-up."""
    action()
    wall, cpu = [], []
    for _ in range(repeat):
        started, used = time.perf_counter(), time.process_time()
        action()
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - used) * 1000)
    return statistics.median(wall), statistics.median(cpu)


def run(url: str, chains: int, per_chain: int, repeat: int, with_indexes: bool) -> None:
    total = chains * per_chain
    with bench_app(url, "audit_search") as (app, shown):
        started = time.perf_counter()
        users = seed_events(app, chains, per_chain, with_indexes)
        seeded = time.perf_counter() - started
        client, _headers = login_page_client(app, "auditor", probe="/audit/")
        print(f"\ndatabase: {shown.split(':')[0]}   load average: {load_average()}")
        print(
            f"seeded {total:,} events in {seeded:.1f} s; indexes: {'yes' if with_indexes else 'NO'}"
        )
        print(
            f"{'page':28} {'rows':>5} {'service p50':>12} {'(CPU)':>8}"
            f" {'screen p50':>11} {'(CPU)':>8}"
        )
        worst = 0.0
        with app.app_context():
            actor = app.appbuilder.sm.get_user_by_id(users["auditor"])
            middle = middle_cursor(total // 2)
            for label, query, which in cases(users, total):
                direction = direction_for(db.session, actor, query, which, middle)
                page = search_audit(db.session, actor, query, direction)
                service = timed(
                    lambda q=query, d=direction: search_audit(db.session, actor, q, d), repeat
                )
                url_args = {**query.as_args(), **_direction_args(direction)}
                screen = timed(lambda a=url_args: _get(client, a), repeat)
                worst = max(worst, service[0], screen[0])
                print(
                    f"{label:28} {len(page.rows):5} {service[0]:9.1f} ms {service[1]:5.1f} ms"
                    f" {screen[0]:8.1f} ms {screen[1]:5.1f} ms"
                )
            db.session.remove()
        verdict = "meets" if worst < TARGET_MS else "MISSES"
        print(f"target: every page under {TARGET_MS} ms p50: {verdict} (worst {worst:.1f} ms)")
        print("CPU is this process's (the app's Python; the database works in its own process).")


def _direction_args(direction: Direction) -> dict[str, str]:
    if direction.last:
        return {"last": "1"}
    if direction.after is not None:
        return {"after": str(direction.after)}
    return {}


def _get(client, args: dict[str, str]) -> None:
    answer = client.get("/audit/", query_string=args)
    if answer.status_code != 200:
        raise RuntimeError(f"/audit/ {args}: {answer.status_code}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default=os.environ.get("BENCH_DATABASE_URL", PG_EXAMPLE))
    parser.add_argument("--chains", type=int, default=10_000)
    parser.add_argument("--events", type=int, default=100, help="events per chain")
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--without-indexes", action="store_true")
    args = parser.parse_args()
    quiet()
    run(args.db, args.chains, args.events, args.repeat, not args.without_indexes)


if __name__ == "__main__":
    main()

"""Benchmark: the home page dashboard over 100,000 invoices.

    cd /work/main && .venv/bin/python bench/dashboard.py \
        --db postgresql+psycopg://postgres@127.0.0.1:5432/postgres [--show-sql] [--explain]

Builds a fresh database (with a PostgreSQL URL, a new database `invoiceflow_big_<random>`
dropped at the end; a SQLite file by default) seeded as bench/my_tasks.py does (100,000
invoices, three human tasks each, 15% in flight), with these changes: the in-flight invoices
carry their stage, a tenth is in EUR and a tenth in USD, every tenth invoice is due 14 days
after its issue (so some awaiting payment are overdue), done tasks took from 10 minutes to 3
days; plus 10,000 outbox rows (100 failed) and 500 incidents (50 open).

Then it times GET / for an initiator (one of four: 25,000 invoices), a finance director and
an admin: p50/p95 and SQL statements per render (target: p50 < 150 ms, the same bounded count
for each user whatever the data).

Not a test: pytest never collects it (the file is not named test_*).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.extensions import db  # noqa: E402
from app.models import (  # noqa: E402
    Incident,
    IncidentStatus,
    OutboxMessage,
    OutboxStatus,
    ProcessVersion,
    TaskStatus,
)
from bench.common import (  # noqa: E402
    BATCH,
    SqlRecorder,
    Statement,
    analyze,
    bench_app,
    explain_statements,
    load_average,
    login_page_client,
    move_sequences,
    p50,
    p95,
    print_statements,
    quiet,
    shown_url,
    span,
)
from bench.decision import INITIATOR, setup_database  # noqa: E402
from bench.my_tasks import (  # noqa: E402
    FINANCE,
    SEED,
    USERS,
    add_invoice,
    flush_rows,
    plan_invoice,
    seed_counterparties,
    task_counts,
)

TARGET_P50_MS = 150.0
ADMIN = "admin"
OUTBOX_ROWS = 10_000
FAILED_EVERY = 100  # one outbox row in a hundred failed
INCIDENTS = 500
OPEN_EVERY = 10  # one incident in ten still open


# --------------------------------------------------------------------------- seeding


def seed(app, n_invoices: int, n_parties: int) -> dict[str, int]:
    rng = random.Random(SEED)
    users = setup_database(app, USERS)
    with app.app_context():
        version_id = db.session.scalar(
            select(ProcessVersion.id).where(ProcessVersion.is_current.is_(True))
        )
        parties = seed_counterparties(n_parties, rng)
        rows: dict[str, list] = {"invoice": [], "approver": [], "instance": [], "task": []}
        for pk in range(1, n_invoices + 1):
            add_invoice(
                rows, plan_invoice(pk, users, rng), users, version_id, rng.choice(parties), rng
            )
            dress_for_the_dashboard(rows, rng)
            if len(rows["invoice"]) == BATCH:
                flush_rows(rows)
        flush_rows(rows)
        seed_operations(users, n_invoices, rng)
        move_sequences(
            ("counterparty", "invoice", "invoice_approver", "process_instance", "human_task")
        )
        db.session.commit()
        analyze()
        db.session.remove()
        vacuum()
    return users


def vacuum() -> None:
    """What autovacuum does on a live database: the visibility map lets the charts read their
    covering index alone."""
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")


def dress_for_the_dashboard(rows: dict[str, list], rng: random.Random) -> None:
    """The last invoice added: its stage, currency, due date and how long its tasks took."""
    invoice, tasks = rows["invoice"][-1], rows["task"][-3:]
    pk = invoice["id"]
    open_tasks = [task for task in tasks if task["status"] == TaskStatus.OPEN]
    invoice["stage"] = open_tasks[0]["name"] if open_tasks else None
    invoice["currency"] = {3: "EUR", 7: "USD"}.get(pk % 10, "RUB")
    if pk % 10 == 0:
        invoice["due_date"] = invoice["issue_date"] + timedelta(days=14)
    now = datetime.now()
    for task in tasks:
        if task["status"] == TaskStatus.DONE:
            took = timedelta(minutes=rng.randrange(10, 3 * 24 * 60))
            task["completed_at"] = min(task["created_at"] + took, now)


def seed_operations(users: dict[str, int], n_invoices: int, rng: random.Random) -> None:
    now = datetime.now().replace(microsecond=0)
    for start in range(0, OUTBOX_ROWS, BATCH):
        db.session.execute(
            insert(OutboxMessage.__table__),
            [outbox_row(n, users[INITIATOR], now, rng) for n in range(start, start + BATCH)],
        )
    db.session.execute(
        insert(Incident.__table__),
        [
            {
                "invoice_id": rng.randrange(1, n_invoices + 1),
                "action": "decide",
                "error": "The gateway after 'Approve invoice' has no way out",
                "status": IncidentStatus.OPEN if n % OPEN_EVERY == 0 else IncidentStatus.RESOLVED,
                "occurrences": 1,
                "opened_at": now - timedelta(hours=n),
                "last_seen_at": now - timedelta(hours=n),
            }
            for n in range(INCIDENTS)
        ],
    )


def outbox_row(n: int, recipient_id: int, now: datetime, rng: random.Random) -> dict:
    failed = n % FAILED_EVERY == 0
    created = now - timedelta(minutes=rng.randrange(60 * 24 * 365))
    return {
        "recipient_id": recipient_id,
        "to_address": "initiator@example.com",
        "language": "en",
        "kind": "task_assigned",
        "params": {},
        "status": OutboxStatus.FAILED if failed else OutboxStatus.SENT,
        "attempts": 5 if failed else 1,
        "next_attempt_at": created,
        "last_error": "Connection refused" if failed else None,
        "message_id": f"<bench-{n}@invoiceflow>",
        "dedupe_key": f"bench-{n}",
        "created_at": created,
        "sent_at": None if failed else created,
    }


# --------------------------------------------------------------------------- measuring


@dataclass
class Render:
    user: str
    times_ms: list[float] = field(default_factory=list)
    db_ms: list[float] = field(default_factory=list)
    statements: list[int] = field(default_factory=list)
    sql: list[Statement] = field(default_factory=list)
    per_statement_ms: list[list[float]] = field(default_factory=list)
    error: str = ""

    def median_ms(self, index: int) -> float:
        return p50(self.per_statement_ms[index]) if self.per_statement_ms else 0.0


def measure(app, recorder: SqlRecorder, username: str, requests: int, warmups: int) -> Render:
    client, _ = login_page_client(app, username, probe="/")
    render = Render(username)
    for n in range(warmups + requests):
        with recorder.recording() as statements:
            started = time.perf_counter()
            response = client.get("/")
            elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            render.error = f"HTTP {response.status_code}"
            break
        if n < warmups:
            continue
        render.times_ms.append(elapsed)
        render.db_ms.append(sum(s.ms for s in statements))
        render.statements.append(len(statements))
        render.sql = list(statements)
        if not render.per_statement_ms:
            render.per_statement_ms = [[] for _ in statements]
        if len(statements) == len(render.per_statement_ms):
            for times, statement in zip(render.per_statement_ms, statements, strict=True):
                times.append(statement.ms)
    return render


def print_renders(renders: list[Render]) -> None:
    header = f"{'user':<10} {'p50 ms':>8} {'p95 ms':>8} {'db p50':>8} {'SQL':>5}  target"
    print(header)
    print("-" * len(header))
    for r in renders:
        if r.error:
            print(f"{r.user:<10} FAILED: {r.error}")
            continue
        ok = p50(r.times_ms) < TARGET_P50_MS
        print(
            f"{r.user:<10} {p50(r.times_ms):8.1f} {p95(r.times_ms):8.1f} {p50(r.db_ms):8.1f} "
            f"{span(r.statements):>5}  {'ok' if ok else 'MISSED'}"
        )
    print(f"Target: p50 < {TARGET_P50_MS:.0f} ms. db p50 = median time in cursor.execute.")


# --------------------------------------------------------------------------- main


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", help="base URL (default: a SQLite file in a temp dir)")
    parser.add_argument("--invoices", type=int, default=100_000)
    parser.add_argument("--counterparties", type=int, default=2_000)
    parser.add_argument("--requests", type=int, default=30, help="timed renders per user")
    parser.add_argument("--warmups", type=int, default=3)
    parser.add_argument("--users", default=f"{INITIATOR},{FINANCE},{ADMIN}")
    parser.add_argument("--show-sql", action="store_true")
    parser.add_argument(
        "--explain", type=int, nargs="?", const=3, default=0, metavar="N",
        help="EXPLAIN the N slowest statements of each user's render",
    )  # fmt: skip
    parser.add_argument("--sql-width", type=int, default=200)
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    quiet()
    with bench_app(args.db, "big") as (app, url):
        print(f"Database: {shown_url(url)}   (load average {load_average()})")
        started = time.perf_counter()
        users = seed(app, args.invoices, args.counterparties)
        counts = task_counts(app, users)
        print(
            f"Seeded in {time.perf_counter() - started:.1f} s (VACUUM ANALYZE done): "
            + ", ".join(f"{name} {n:,}" for name, n in counts.items())
            + f", outbox {OUTBOX_ROWS:,}, incidents {INCIDENTS:,}"
        )
        recorder = SqlRecorder()
        with app.app_context():
            recorder.attach(db.engine)
        renders = [
            measure(app, recorder, name.strip(), args.requests, args.warmups)
            for name in args.users.split(",")
            if name.strip()
        ]
        print(f"\nGET /: {args.warmups} warm-ups + {args.requests} timed renders per user.\n")
        print_renders(renders)
        for r in renders:
            if args.show_sql and not r.error:
                print(f"\nSQL of one render for {r.user} ({len(r.sql)} statements, median ms):")
                print_statements(r.sql, args.sql_width, [r.median_ms(i) for i in range(len(r.sql))])
            if args.explain and not r.error:
                order = sorted(range(len(r.sql)), key=r.median_ms, reverse=True)[: args.explain]
                explain_statements(
                    app, [(r.median_ms(i), r.sql[i]) for i in order], f"{r.user} GET /"
                )
        print(f"\nLoad average now {load_average()}: wall times grow with other work.")
        failed = any(r.error for r in renders)
        return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

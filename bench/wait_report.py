"""Benchmark: where invoices wait (the heatmap's figures and the cycle-time report) over
100,000 invoices.

    cd /work/main && .venv/bin/python bench/wait_report.py \
        --db postgresql+psycopg://postgres@127.0.0.1:5432/postgres [--show-sql] [--explain] \
        [--drop-index ix_human_task_version_moves]

Seeds the dashboard's data set (bench/dashboard.py: 100,000 invoices, three human tasks each,
done tasks taking 10 minutes to 3 days, 85% paid over the last two years), records a payment
for every paid invoice at its payment task's completion, fills the tasks' waiting times and
links and the payments' cycles as migration 0030 does (the seed bypasses the mirror), then
times, for an admin, GET of the heatmap's JSON figures and of the cycle-time report page over
the last 90 days, the last year and the whole history (800 days). Prints p50 (median), p95 and
min wall time, p50 process CPU time (the app's Python; the database server's CPU is not in
it), the time in cursor.execute and SQL statements per request.
Target: p50 < 300 ms. The machine is shared: wall times grow with other work, CPU time much
less; run it several times and keep the quietest run.

Not a test: pytest never collects it (the file is not named test_*).
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from sqlalchemy import Date, cast, func, insert, select, text, update

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.extensions import db  # noqa: E402
from app.models import (  # noqa: E402
    HumanTask,
    Invoice,
    Payment,
    ProcessInstance,
    ProcessVersion,
    TaskStatus,
)
from app.models.base import utcnow  # noqa: E402
from bench.common import (  # noqa: E402
    ROOT,
    SqlRecorder,
    Statement,
    analyze,
    bench_app,
    explain_statements,
    load_average,
    login_page_client,
    p50,
    p95,
    print_statements,
    quiet,
    shown_url,
    span,
)
from bench.dashboard import ADMIN, seed, vacuum  # noqa: E402
from bench.my_tasks import task_counts  # noqa: E402

TARGET_P50_MS = 300.0
# The reports' indexes (migrations 0019 and 0030) come with the schema; --drop-index NAME
# measures without one of them.
REPORT_INDEXES = (
    "ix_human_task_done_waits",
    "ix_human_task_done_completed",
    "ix_human_task_version_moves",
    "ix_human_task_version_entries",
    "ix_human_task_version_wait_order",
    "ix_human_task_done_holders",
    "ix_human_task_stage_wait_order",
    "ix_human_task_approver_wait_order",
    "ix_payment_recorded_cycles",
    "ix_payment_slowest_cycles",
)
WAIT_LINKS = ROOT / "migrations" / "versions" / "0030_human_task_wait_links.py"


def fill_task_versions() -> None:
    """The seed writes human tasks directly, not through the mirror: each gets its instance's
    version the way migration 0029 fills existing tasks."""
    version = (
        select(ProcessInstance.process_version_id)
        .where(ProcessInstance.id == HumanTask.instance_id)
        .scalar_subquery()
    )
    db.session.execute(update(HumanTask).values(process_version_id=version))
    db.session.commit()


def record_payments() -> int:
    """A payment per paid invoice, recorded when its payment task was completed."""
    paid = select(
        HumanTask.invoice_id,
        cast(HumanTask.completed_at, Date),
        Invoice.amount,
        HumanTask.completed_by_id,
        HumanTask.completed_at,
    ).join(Invoice, Invoice.id == HumanTask.invoice_id)
    paid = paid.where(HumanTask.bpmn_id == "pay", HumanTask.status == TaskStatus.DONE)
    columns = ["invoice_id", "paid_on", "amount", "recorded_by_id", "recorded_at"]
    db.session.execute(insert(Payment.__table__).from_select(columns, paid))
    db.session.commit()
    return db.session.scalar(select(func.count()).select_from(Payment))


def fill_wait_links() -> None:
    """The seed writes tasks and payments directly, not through the mirror and the payment
    service: their waiting times, links and cycles are filled the way migration 0030 fills
    existing rows (its own code, loaded from the file)."""
    spec = importlib.util.spec_from_file_location("wait_links", WAIT_LINKS)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    migration.fill_links(db.session.connection())
    db.session.commit()


def drop_indexes(names: list[str]) -> None:
    for name in names:  # one of REPORT_INDEXES (argparse's choices)
        db.session.execute(text(f"DROP INDEX {name}"))
    db.session.commit()


@dataclass
class Timing:
    label: str
    url: str
    wall_ms: list[float] = field(default_factory=list)
    cpu_ms: list[float] = field(default_factory=list)
    db_ms: list[float] = field(default_factory=list)
    statements: list[int] = field(default_factory=list)
    sql: list[Statement] = field(default_factory=list)
    error: str = ""


def measure(client, recorder: SqlRecorder, timing: Timing, requests: int, warmups: int):
    for n in range(warmups + requests):
        with recorder.recording() as statements:
            cpu, wall = time.process_time(), time.perf_counter()
            response = client.get(timing.url)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        if response.status_code != 200:
            timing.error = f"HTTP {response.status_code}"
            return timing
        if n >= warmups:
            timing.wall_ms.append(wall * 1000)
            timing.cpu_ms.append(cpu * 1000)
            timing.db_ms.append(sum(s.ms for s in statements))
            timing.statements.append(len(statements))
            timing.sql = list(statements)
    return timing


def scenarios(version_id: int) -> list[Timing]:
    today = utcnow().date()
    periods = {
        "90 days": f"from={(today - timedelta(days=89)).isoformat()}&to={today.isoformat()}",
        "365 days": f"from={(today - timedelta(days=364)).isoformat()}&to={today.isoformat()}",
        # The seed's two years and a margin: every task and payment of the history.
        "all": f"from={(today - timedelta(days=800)).isoformat()}&to={today.isoformat()}",
    }
    timings = []
    for name, period in periods.items():
        timings.append(
            Timing(f"heatmap JSON, {name}", f"/reports/heatmap/{version_id}/figures?{period}")
        )
        timings.append(Timing(f"cycle-time page, {name}", f"/reports/cycle-time?{period}"))
    return timings


def print_timings(timings: list[Timing]) -> None:
    header = (
        f"{'request':<28} {'p50 ms':>8} {'p95 ms':>8} {'min ms':>8} {'cpu p50':>8} {'db p50':>8}"
        f" {'SQL':>4}  target"
    )
    print(header)
    print("-" * len(header))
    for t in timings:
        if t.error:
            print(f"{t.label:<28} FAILED: {t.error}")
            continue
        ok = "ok" if p50(t.wall_ms) < TARGET_P50_MS else "MISSED"
        print(
            f"{t.label:<28} {p50(t.wall_ms):8.1f} {p95(t.wall_ms):8.1f} {min(t.wall_ms):8.1f} "
            f"{p50(t.cpu_ms):8.1f} {p50(t.db_ms):8.1f} {span(t.statements):>4}  {ok}"
        )
    print(
        f"Target: p50 < {TARGET_P50_MS:.0f} ms (wall). p50 = median; cpu = this process's CPU "
        "time (Python; not the database server's); db = time in cursor.execute; SQL = "
        "statements per request."
    )


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", help="base URL (default: a SQLite file in a temp dir)")
    parser.add_argument("--invoices", type=int, default=100_000)
    parser.add_argument("--counterparties", type=int, default=2_000)
    parser.add_argument("--requests", type=int, default=20, help="timed requests per URL")
    parser.add_argument("--warmups", type=int, default=3)
    parser.add_argument(
        "--drop-index",
        action="append",
        default=[],
        choices=REPORT_INDEXES,
        help="measure without this index (repeatable)",
    )
    parser.add_argument("--show-sql", action="store_true")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN each request's SQL")
    parser.add_argument("--sql-width", type=int, default=200)
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    quiet()
    with bench_app(args.db, "waits") as (app, url):
        print(f"Database: {shown_url(url)}   (load average {load_average()})")
        started = time.perf_counter()
        users = seed(app, args.invoices, args.counterparties)
        with app.app_context():
            fill_task_versions()
            payments = record_payments()
            vacuum()  # as autovacuum would between two bulk updates: the second reuses space
            fill_wait_links()
            drop_indexes(args.drop_index)
            analyze()
            version_id = db.session.scalar(
                select(ProcessVersion.id).where(ProcessVersion.is_current.is_(True))
            )
            db.session.remove()
            vacuum()
        counts = task_counts(app, users)
        print(
            f"Seeded in {time.perf_counter() - started:.1f} s: "
            + ", ".join(f"{name} {n:,}" for name, n in counts.items())
            + f", payments {payments:,}; indexes dropped: "
            + (", ".join(args.drop_index) or "none")
        )
        recorder = SqlRecorder()
        with app.app_context():
            recorder.attach(db.engine)
        client, _headers = login_page_client(app, ADMIN, probe="/reports/cycle-time")
        timings = [
            measure(client, recorder, t, args.requests, args.warmups) for t in scenarios(version_id)
        ]
        print(f"\n{args.warmups} warm-ups + {args.requests} timed requests each, as {ADMIN}.\n")
        print_timings(timings)
        for t in timings:
            if args.show_sql and not t.error:
                print(f"\nSQL of {t.label} ({len(t.sql)} statements):")
                print_statements(t.sql, args.sql_width)
            if args.explain and not t.error:
                explain_statements(app, [(s.ms, s) for s in t.sql], t.label)
        print(f"\nLoad average now {load_average()}: wall times grow with other work.")
        return 1 if any(t.error for t in timings) else 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark: the invoice list page and the API list over a large invoice table.

    cd /work/main && .venv/bin/python bench/invoice_list.py
    .venv/bin/python bench/invoice_list.py --invoices 100000 --counterparties 2000 \
        --db postgresql+psycopg://postgres@127.0.0.1:5432/test --show-sql --explain

Builds a fresh database (a SQLite file in a temporary directory by default; with a
PostgreSQL URL, a new database `invoiceflow_bench_<random>` on that server, dropped at the
end), seeds it with bulk inserts, then times each request with Flask's test client and counts
the SQL statements it sends (a `before_cursor_execute` listener on the engine).

Visibility reads human_task (whoever is or was offered a task on an invoice sees it), so every
submitted invoice also gets a process_instance row (state '{}': lists never read it) and its
human_task rows, about 2.5 per invoice (`--no-tasks` seeds invoices only, as before).

Not a test: pytest never collects it (the file is not named test_*).
"""

from __future__ import annotations

import argparse
import math
import os
import random
import re
import statistics
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import func, insert, select, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import roles  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import (  # noqa: E402
    Counterparty,
    FormKind,
    HumanTask,
    Invoice,
    InvoiceApprover,
    InvoiceStatus,
    ProcessInstance,
    ProcessVersion,
    TaskStatus,
)
from app.role_defaults import seed_roles  # noqa: E402
from app.services.process_versions import seed_process_versions  # noqa: E402
from app.workflow.definitions import SERIALIZER_VERSION  # noqa: E402
from bench.common import (  # noqa: E402
    BATCH,
    PROCESSES_DIR,
    SqlRecorder,
    Statement,
    abbreviate,
    bench_app,
    explain_statements,
    load_average,
    login_api_client,
    login_page_client,
    move_sequences,
    print_statements,
    quiet,
    seed_users,
    shown_url,
    vacuum_analyze,
)

SEED = 20240601
TARGET_P50_MS = 100.0
TARGET_STATEMENTS = 15

# Who owns the invoices: `initiator` about a quarter, three colleagues the rest.
OWNERS = ["initiator", "initiator2", "initiator3", "initiator4"]
# Who approves: approver1 every 10th invoice, the others the rest (tasks seeded only).
APPROVERS = ["approver1", "approver2", "approver3", "approver4", "approver5"]
STATUS_WEIGHTS = {
    InvoiceStatus.DRAFT: 5,
    InvoiceStatus.IN_APPROVAL: 15,
    InvoiceStatus.ON_REWORK: 3,
    InvoiceStatus.AWAITING_PAYMENT: 7,
    InvoiceStatus.PAID: 60,
    InvoiceStatus.REJECTED: 5,
    InvoiceStatus.CANCELLED: 5,
}
CURRENCY_WEIGHTS = {"RUB": 85, "EUR": 8, "USD": 7}
WORDS = ["Alfa", "Vector", "Sever", "Ural", "Volga", "Baltic", "Orion", "Delta", "Granit", "Nord"]
WORDS += ["Kristall", "Polyus", "Avangard", "Titan", "Zenit", "Energo", "Stroy", "Trans", "Tekh"]
FORMS = ["LLC", "JSC", "GmbH", "Ltd", "PJSC"]

VIEW = "InvoiceView"
# (label, kind, url): kind "page" is the FAB list page, "api" the REST list.
# FAB filter args are _flt_<index>_<column>, the index into the column type's filter list in
# flask_appbuilder/models/sqla/filters.py: strings 0 sw, 1 ew, 2 ct, 3 eq, ...;
# numbers 0 eq, 1 gt, 2 lt, ...
SCENARIOS = [
    ("list page, default (25)", "page", "/invoices/list/"),
    ("list page, psize 100", "page", f"/invoices/list/?psize_{VIEW}=100"),
    ("list page, by amount desc", "page", f"/invoices/list/?_oc_{VIEW}=amount&_od_{VIEW}=desc"),
    ("list page, page 200 (0-based)", "page", f"/invoices/list/?page_{VIEW}=200"),
    ("search: name contains", "page", "/invoices/list/?_flt_2_counterparty_name=Volga"),
    ("search: status = in_approval", "page", "/invoices/list/?_flt_3_status=in_approval"),
    ("search: amount 10k..20k", "page", "/invoices/list/?_flt_1_amount=10000&_flt_2_amount=20000"),
    ("API list, page_size 25", "api", "/api/v1/invoice/?q=(page_size:25)"),
    ("API list, page_size 100", "api", "/api/v1/invoice/?q=(page_size:100)"),
    (
        "API list, amount desc 100",
        "api",
        "/api/v1/invoice/?q=(order_column:amount,order_direction:desc,page_size:100)",
    ),
]
SHOW_SQL_URLS = ("/invoices/list/", "/api/v1/invoice/?q=(page_size:25)")


# --------------------------------------------------------------------------- seeding


def _pick(rng: random.Random, weights: dict) -> str:
    return rng.choices(list(weights), weights=list(weights.values()), k=1)[0]


def bench_users() -> dict[str, str]:
    wanted = {name: roles.INITIATOR for name in OWNERS}
    wanted |= {name: roles.APPROVER for name in APPROVERS}
    return wanted | {
        "admin": roles.ADMIN,
        "finance": roles.FINANCE_DIRECTOR,
    }


def seed_counterparties(n: int, rng: random.Random) -> list[tuple[int, str]]:
    now = datetime(2024, 1, 1)
    rows = []
    for pk in range(1, n + 1):
        name = f"{rng.choice(WORDS)}{rng.choice(WORDS).lower()} {rng.choice(FORMS)} {pk}"
        rows.append(
            {
                "id": pk,
                "name": name,
                "country": "RU",
                "tax_id": f"{pk:010d}",
                "bank_name": "Bench Bank",
                "created_at": now,
            }
        )
    for start in range(0, n, BATCH):
        db.session.execute(insert(Counterparty.__table__), rows[start : start + BATCH])
    return [(row["id"], row["name"]) for row in rows]


@dataclass
class TaskSeed:
    """What tasks are seeded: None, or the process version and a task id counter."""

    version_id: int
    rng: random.Random
    next_task_id: int = 1


def seed_invoices(
    n: int,
    parties: list[tuple[int, str]],
    users: dict[str, int],
    rng: random.Random,
    tasks: TaskSeed | None = None,
) -> None:
    """n invoices over ~2 years; approver1 on every 10th, initiator approves some others';
    with `tasks`, the process rows of every submitted invoice."""
    owners = [users[name] for name in OWNERS]
    today = date.today()
    rows: dict[str, list] = {"invoice": [], "approver": [], "instance": [], "task": []}
    for pk in range(1, n + 1):
        party_id, party_name = rng.choice(parties)
        issued = today - timedelta(days=rng.randrange(730))
        created = datetime.combine(issued, datetime.min.time()) + timedelta(
            hours=rng.randrange(9, 19), minutes=rng.randrange(60)
        )
        owner = owners[pk % len(owners)]
        status = str(_pick(rng, STATUS_WEIGHTS))
        rows["invoice"].append(
            {
                "id": pk,
                "number": pk,
                "vendor_invoice_no": f"V-{rng.randrange(10**6):06d}",
                "amount": Decimal(rng.randrange(100_00, 5_000_000_00)) / 100,
                "currency": _pick(rng, CURRENCY_WEIGHTS),
                "counterparty_id": party_id,
                "counterparty_name": party_name,
                "issue_date": issued,
                "due_date": issued + timedelta(days=30),
                "payment_order_required": False,
                "status": status,
                "initiator_id": owner,
                "lock_version": 1,
                "created_at": created,
                "updated_at": created,
            }
        )
        chain = []
        if pk % 10 == 0:
            chain.append(users["approver1"])
        elif tasks is not None:
            chain.append(users[APPROVERS[1 + pk % (len(APPROVERS) - 1)]])
        if pk % 50 == 1 and owner != users["initiator"]:
            chain.append(users["initiator"])
        rows["approver"] += [
            {"invoice_id": pk, "position": position, "user_id": user_id}
            for position, user_id in enumerate(chain, 1)
        ]
        if tasks is not None and status != InvoiceStatus.DRAFT:
            add_process_rows(rows, tasks, pk, status, owner, chain, users, created)
        if len(rows["invoice"]) == BATCH:
            _flush(rows)
    _flush(rows)


def add_process_rows(rows, tasks: TaskSeed, pk, status, owner, chain, users, created) -> None:
    """The process_instance row and the human tasks an invoice in `status` would have:
    approvals by its chain (the last one open while in approval), a correction by the owner
    when on rework, a payment offered to the Finance director role once approved."""
    running = status in (
        InvoiceStatus.IN_APPROVAL,
        InvoiceStatus.ON_REWORK,
        InvoiceStatus.AWAITING_PAYMENT,
    )
    rows["instance"].append(
        {
            "id": pk,
            "invoice_id": pk,
            "process_version_id": tasks.version_id,
            "state": "{}",
            "serializer_version": SERIALIZER_VERSION,
            "status": "running" if running else "completed",
            "lock_version": 1,
            "created_at": created,
            "updated_at": created,
        }
    )
    when = created
    decided = {
        InvoiceStatus.ON_REWORK: "return",
        InvoiceStatus.REJECTED: "reject",
        InvoiceStatus.CANCELLED: None,  # withdrawn while in approval
    }
    for position, approver in enumerate(chain, 1):
        last = position == len(chain)
        is_open = last and status == InvoiceStatus.IN_APPROVAL
        decision = decided.get(status, "approve") if last else "approve"
        state = TaskStatus.OPEN if is_open else TaskStatus.DONE
        if last and status == InvoiceStatus.CANCELLED:
            state = TaskStatus.CANCELLED
        rows["task"].append(
            _task(tasks, pk, FormKind.APPROVAL, when, state, approver, None, decision)
        )
        when += timedelta(hours=1)
    if status == InvoiceStatus.ON_REWORK:
        rows["task"].append(
            _task(tasks, pk, FormKind.CORRECTION, when, TaskStatus.OPEN, owner, None, None)
        )
    elif status in (InvoiceStatus.AWAITING_PAYMENT, InvoiceStatus.PAID):
        done = status == InvoiceStatus.PAID
        rows["task"].append(
            _task(
                tasks,
                pk,
                FormKind.PAYMENT,
                when,
                TaskStatus.DONE if done else TaskStatus.OPEN,
                None,
                users["finance"] if done else None,
                None,
            )
        )


TASK_NAMES = {
    FormKind.APPROVAL: ("approve", "Approve invoice", "Approver"),
    FormKind.CORRECTION: ("correct", "Correct invoice", "Initiator"),
    FormKind.PAYMENT: ("pay", "Pay invoice", roles.FINANCE_DIRECTOR),
}


def _task(tasks: TaskSeed, pk, form, created, status, assignee, payer, decision) -> dict:
    """One human_task row; `assignee` None offers it to the lane's role."""
    bpmn_id, name, lane = TASK_NAMES[form]
    done = status == TaskStatus.DONE
    task_id = tasks.next_task_id
    tasks.next_task_id += 1
    return {
        "id": task_id,
        "task_guid": str(uuid.UUID(int=tasks.rng.getrandbits(128), version=4)),
        "instance_id": pk,
        "invoice_id": pk,
        "bpmn_id": bpmn_id,
        "name": name,
        "title_template": {"en": f"{name} #{{number}}"},
        "title_values": {"number": str(pk)},
        "lane": lane,
        "form": form,
        "assignee_user_id": assignee,
        "candidate_role": None if assignee else lane,
        "round": 1,
        "status": status,
        "created_at": created,
        "due_at": created + timedelta(days=2),
        "completed_at": created + timedelta(minutes=30) if status != TaskStatus.OPEN else None,
        "completed_by_id": (payer or assignee) if done else None,
        "decision": decision if done else None,
        "comment": None,
    }


def _flush(rows: dict[str, list]) -> None:
    for key, table in (
        ("invoice", Invoice.__table__),
        ("approver", InvoiceApprover.__table__),
        ("instance", ProcessInstance.__table__),
        ("task", HumanTask.__table__),
    ):
        if rows[key]:
            db.session.execute(insert(table), rows[key])
            rows[key].clear()


def seed(
    app, n_invoices: int, n_parties: int, run_analyze: bool, with_tasks: bool = True
) -> dict[str, int]:
    rng = random.Random(SEED)
    with app.app_context():
        db.create_all()
        seed_roles(app.appbuilder)
        users = seed_users(app, bench_users())
        tasks = None
        if with_tasks:
            seed_process_versions(db.session, PROCESSES_DIR)
            version_id = db.session.scalar(
                select(ProcessVersion.id).where(ProcessVersion.is_current.is_(True))
            )
            tasks = TaskSeed(version_id, random.Random(SEED + 1))
        parties = seed_counterparties(n_parties, rng)
        seed_invoices(n_invoices, parties, users, rng, tasks)
        move_sequences(
            ("counterparty", "invoice", "invoice_approver", "process_instance", "human_task")
            if with_tasks
            else ("counterparty", "invoice", "invoice_approver")
        )
        db.session.commit()
        if run_analyze:
            vacuum_analyze()
        db.session.remove()
    return users


# --------------------------------------------------------------------------- measuring


@dataclass
class Result:
    user: str
    label: str
    kind: str
    url: str
    times_ms: list[float]
    cpu_ms: list[float]
    db_ms: list[float]
    statements: list[int]
    rows: str
    sql: list[Statement]
    error: str = ""
    # Mean CPU ms per request of PostgreSQL's backends of this database (None on SQLite, where
    # the database's work is in this process's CPU): with `cpu_ms`, what the request costs
    # whatever else loads the machine.
    server_cpu_ms: float | None = None
    # Median time of the n-th statement over the requests (same statements every time).
    statement_ms: list[list[float]] = field(default_factory=list)

    @property
    def p50(self) -> float:
        return statistics.median(self.times_ms)

    @property
    def p95(self) -> float:
        ordered = sorted(self.times_ms)
        return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]

    @property
    def cpu_p50(self) -> float:
        return statistics.median(self.cpu_ms)

    @property
    def db_p50(self) -> float:
        return statistics.median(self.db_ms)

    def median_ms(self, index: int) -> float:
        if index < len(self.statement_ms) and self.statement_ms[index]:
            return statistics.median(self.statement_ms[index])
        return self.sql[index].ms

    @property
    def statement_text(self) -> str:
        low, high = min(self.statements), max(self.statements)
        return str(low) if low == high else f"{low}-{high}"

    @property
    def total_cpu_ms(self) -> float:
        return self.cpu_p50 + (self.server_cpu_ms or 0.0)

    @property
    def meets_target(self) -> bool:
        if self.error:
            return False
        return self.p50 < TARGET_P50_MS and max(self.statements) <= TARGET_STATEMENTS

    @property
    def meets_target_by_cpu(self) -> bool:
        """The target judged by the CPU the request costs (app + database), not by wall time,
        which on a loaded machine mostly measures the wait for a core."""
        if self.error:
            return False
        return self.total_cpu_ms < TARGET_P50_MS and max(self.statements) <= TARGET_STATEMENTS


_RECORD_COUNT = re.compile(r"Record Count:\s*</strong>\s*(\d+)")
_ROW_LINK = re.compile(r"/invoices/show/\d+")


def describe_rows(kind: str, response) -> str:
    """Rows shown / rows matching, so that a filter which silently did nothing shows up."""
    if kind == "api":
        body = response.get_json() or {}
        result = body.get("result")
        return f"{len(result) if isinstance(result, list) else '-'}/{body.get('count', '-')}"
    html = response.get_data(as_text=True)
    total = _RECORD_COUNT.search(html)
    shown = len(set(_ROW_LINK.findall(html)))
    return f"{shown}/{total.group(1) if total else '?'}"


def _get(client, url: str, headers: dict):
    """The response, or None and the error: a 500 must not stop the other cases."""
    try:
        response = client.get(url, headers=headers)
    except Exception as exc:  # TESTING=True propagates the view's exception
        return None, f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
    if response.status_code != 200:
        return None, f"HTTP {response.status_code}"
    return response, ""


TICK = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK


def server_cpu(app) -> dict[int, float] | None:
    """CPU seconds of each PostgreSQL backend of this database (it runs on this machine);
    None on SQLite."""
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            return None
        with db.engine.connect() as conn:
            pids = conn.scalars(
                text("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
            ).all()
    return {pid: _cpu_seconds(pid) for pid in pids}


def server_cpu_ms_per_request(before, after, requests: int) -> float | None:
    if before is None or after is None or not requests:
        return None
    spent = sum(after[pid] - before.get(pid, 0.0) for pid in after)
    return spent * 1000 / requests


def measure(app, recorder: SqlRecorder, username: str, requests: int, warmups: int) -> list[Result]:
    page_client = login_page_client(app, username)
    api_client = login_api_client(app, username)
    results = []
    for label, kind, url in SCENARIOS:
        client, headers = page_client if kind == "page" else api_client
        result = Result(username, label, kind, url, [], [], [], [], "", [])
        results.append(result)
        for _ in range(warmups):
            _get(client, url, headers)
        server_before = server_cpu(app)
        measure_case(client, headers, recorder, result, requests)
        result.server_cpu_ms = server_cpu_ms_per_request(
            server_before, server_cpu(app), len(result.times_ms)
        )
    return results


def measure_case(client, headers, recorder: SqlRecorder, result: Result, requests: int) -> None:
    kind, url = result.kind, result.url
    for _ in range(requests):
        with recorder.recording() as statements:
            started, cpu_started = time.perf_counter(), time.process_time()
            response, result.error = _get(client, url, headers)
            elapsed = (time.perf_counter() - started) * 1000
            cpu = (time.process_time() - cpu_started) * 1000
        result.sql = list(statements)
        if response is None:
            break
        result.times_ms.append(elapsed)
        result.cpu_ms.append(cpu)
        result.db_ms.append(sum(s.ms for s in statements))
        result.statements.append(len(statements))
        if not result.statement_ms:
            result.statement_ms = [[] for _ in statements]
        if len(statements) == len(result.statement_ms):
            for times, statement in zip(result.statement_ms, statements, strict=True):
                times.append(statement.ms)
        result.rows = describe_rows(kind, response)


# --------------------------------------------------------------------------- reporting


def print_table(results: list[Result]) -> None:
    header = (
        f"{'user':<10} {'request':<30} {'p50 ms':>8} {'p95 ms':>8} {'cpu p50':>8} {'db p50':>8} "
        f"{'db cpu':>7} {'SQL':>6} {'rows':>13}  target  by CPU"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        if r.error:
            print(f"{r.user:<10} {r.label:<30} FAILED: {r.error[:90]}")
            continue
        verdict = "ok" if r.meets_target else "MISSED"
        by_cpu = "ok" if r.meets_target_by_cpu else "MISSED"
        server = "-" if r.server_cpu_ms is None else f"{r.server_cpu_ms:.1f}"
        print(
            f"{r.user:<10} {r.label:<30} {r.p50:8.1f} {r.p95:8.1f} {r.cpu_p50:8.1f} "
            f"{r.db_p50:8.1f} {server:>7} {r.statement_text:>6} {r.rows:>13}  {verdict:<7} "
            f"{by_cpu}"
        )
    print(
        f"\nTarget: list p50 < {TARGET_P50_MS:.0f} ms and <= {TARGET_STATEMENTS} SQL "
        f"statements per request, whatever the page size."
    )
    print("cpu p50 = median CPU time of this process (Python + SQLite, not the PostgreSQL server);")
    print("db p50 = median wall time spent in cursor.execute within the request.")
    print(
        "db cpu = mean CPU ms per request of PostgreSQL's backends of this database; by CPU = "
        "the target judged by cpu p50 + db cpu (what a quiet machine's wall time approaches)."
    )
    print("rows = rows on the page / total rows matching (FAB's Record Count, API count).")


def print_sql(result: Result, width: int) -> None:
    print(
        f"\nSQL of one request: {result.user} GET {result.url} "
        f"({len(result.sql)} statements, {sum(s.ms for s in result.sql):.1f} ms in the database)"
    )
    print("  (ms = the statement's median over the timed requests)")
    medians = [result.median_ms(i) for i in range(len(result.sql))]
    print_statements(result.sql, width, medians)


def explain(app, result: Result, top: int) -> None:
    """EXPLAIN the slowest statements of one request (ANALYZE on PostgreSQL)."""
    order = sorted(range(len(result.sql)), key=result.median_ms, reverse=True)[:top]
    chosen = [(result.median_ms(i), result.sql[i]) for i in order]
    explain_statements(app, chosen, f"{result.user} GET {result.url}")


# --------------------------------------------------------------------------- main


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--invoices", type=int, default=100_000)
    parser.add_argument("--counterparties", type=int, default=2_000)
    parser.add_argument(
        "--db",
        help="base URL; default: a SQLite file in a temp dir. "
        "postgresql+psycopg://postgres@127.0.0.1:5432/test creates a new "
        "database on that server and drops it at the end",
    )
    parser.add_argument("--requests", type=int, default=30, help="timed requests per case")
    parser.add_argument("--warmups", type=int, default=3)
    parser.add_argument(
        "--users",
        default="initiator,approver1,finance",
        help="comma-separated: initiator, approver1 (both see what they own, approve or were "
        "offered), finance, admin (both see everything)",
    )
    parser.add_argument(
        "--show-sql",
        action="store_true",
        help="print the statements of one request per user of: " + ", ".join(SHOW_SQL_URLS),
    )
    parser.add_argument(
        "--explain",
        type=int,
        nargs="?",
        const=2,
        default=0,
        metavar="N",
        help="EXPLAIN the N slowest statements of each case missing the target",
    )
    parser.add_argument("--sql-width", type=int, default=220)
    parser.add_argument(
        "--no-tasks",
        dest="tasks",
        action="store_false",
        help="seed no process_instance / human_task rows (the setup before visibility read "
        "human_task)",
    )
    parser.add_argument(
        "--no-analyze",
        dest="analyze",
        action="store_false",
        help="skip VACUUM ANALYZE after seeding (autovacuum does it on PostgreSQL)",
    )
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    quiet()
    with bench_app(args.db) as (app, url):
        return run(app, url, args)


def run(app, url: str, args: argparse.Namespace) -> int:
    print(f"Database: {shown_url(url)}   (load average {load_average()})")
    started = time.perf_counter()
    seed(app, args.invoices, args.counterparties, args.analyze, args.tasks)
    with app.app_context():
        n_tasks = db.session.scalar(select(func.count()).select_from(HumanTask))
        db.session.remove()
    print(
        f"Seeded {args.invoices:,} invoices, {args.counterparties:,} counterparties, "
        f"{n_tasks:,} human tasks in "
        f"{time.perf_counter() - started:.1f} s "
        f"(VACUUM ANALYZE: {'yes' if args.analyze else 'no'}); "
        f"{args.warmups} warm-ups + {args.requests} timed requests per case.\n"
    )
    recorder = SqlRecorder()
    with app.app_context():
        recorder.attach(db.engine)
    results = []
    for username in [u.strip() for u in args.users.split(",") if u.strip()]:
        results += measure(app, recorder, username, args.requests, args.warmups)
    report(app, results, args)
    return 1 if any(r.error for r in results) else 0


def report(app, results: list[Result], args: argparse.Namespace) -> None:
    print_table(results)
    if args.show_sql:
        for r in results:
            if r.url in SHOW_SQL_URLS:
                print_sql(r, args.sql_width)
    for r in results:
        if r.error:
            print(f"\nFAILED: {r.user} GET {r.url}\n  {r.error}")
            if r.sql:
                print(f"  last SQL: {abbreviate(r.sql[-1].sql, 1000)}")
                print(f"  params: {abbreviate(repr(r.sql[-1].params), 300)}")
    if args.explain:
        for r in results:
            if not r.meets_target and not r.error:
                explain(app, r, args.explain)
    missed = sum(not r.meets_target for r in results)
    missed_by_cpu = sum(not r.meets_target_by_cpu for r in results)
    print(
        f"\n{len(results) - missed}/{len(results)} cases meet the target by wall time, "
        f"{len(results) - missed_by_cpu}/{len(results)} by CPU "
        f"(load average now {load_average()}: wall times grow with other work on the machine)."
    )


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark: My tasks over 300,000 human tasks, and the decision on a big database.

    cd /work/main && .venv/bin/python bench/my_tasks.py
    .venv/bin/python bench/my_tasks.py --db postgresql+psycopg://postgres@127.0.0.1:5432/postgres \
        --show-sql --explain

Builds a fresh database (a SQLite file by default; with a PostgreSQL URL, a new database
`invoiceflow_bench_<random>` on that server, dropped at the end) and seeds it with bulk Core
inserts: 100,000 invoices, each with two approvers, a process_instance row (state '{}': My
tasks never reads it) on the real process version, and three human_task rows (300,000).
approver1, the user under test, holds 1,000 open tasks among 15,000 open ones, about 10,000
done ones, and can take 200 open tasks offered to the Approver role; the Finance director role
is offered 1,000 open payment tasks.

Then it times, per user, GET /tasks/ (the My tasks page) and GET /api/v1/tasks/mine with
page_size 25, 50 and 100: p50/p95 and SQL statements (target: p50 < 50 ms and at most 10
statements whatever the page size).

Last, the decision request of bench/decision.py (POST /api/v1/tasks/<id>/decision and the
web form) on this database against a second, fresh database seeded the same way with 100
invoices, requests taking turns between the two (target: the big one no more than 20% slower).

Not a test: pytest never collects it (the file is not named test_*).
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import func, insert, select

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
from app.workflow.definitions import SERIALIZER_VERSION  # noqa: E402
from bench.common import (  # noqa: E402
    BATCH,
    SqlRecorder,
    Statement,
    analyze,
    bench_app,
    explain_statements,
    load_average,
    login_api_client,
    login_page_client,
    move_sequences,
    p50,
    p95,
    print_statements,
    quiet,
    shown_url,
    span,
)
from bench.decision import (  # noqa: E402
    APPROVER,
    INITIATOR,
    NEXT_APPROVER,
    DecisionTimer,
    RequestResult,
    prepare_tasks,
    print_request_sql,
    print_steps,
    setup_database,
)

SEED = 20240601
TARGET_P50_MS = 50.0
TARGET_STATEMENTS = 10
TARGET_DECISION_SLOWDOWN = 1.20

INITIATORS = [INITIATOR, "initiator2", "initiator3", "initiator4"]
APPROVERS = [APPROVER, NEXT_APPROVER] + [f"approver{n}" for n in range(3, 21)]
FINANCE = "finance"
USERS = (
    {name: roles.INITIATOR for name in INITIATORS}
    | {name: roles.APPROVER for name in APPROVERS}
    | {FINANCE: roles.FINANCE_DIRECTOR, "admin": roles.ADMIN}
)
TITLES = {
    FormKind.APPROVAL: {
        "en": "Approval of invoice #{number}",
        "ru": "Согласование счёта №{number}",
    },
    FormKind.CORRECTION: {"en": "Correct invoice #{number}", "ru": "Исправление счёта №{number}"},
    FormKind.PAYMENT: {"en": "Pay invoice #{number}", "ru": "Оплата счёта №{number}"},
}
NAMES = {
    FormKind.APPROVAL: ("approve", "Approve invoice", "Approver"),
    FormKind.CORRECTION: ("correct", "Correct invoice", "Initiator"),
    FormKind.PAYMENT: ("pay", "Pay invoice", roles.FINANCE_DIRECTOR),
}

# (label, kind, url)
SCENARIOS = [
    ("My tasks page (50 a page)", "page", "/tasks/"),
    ("My tasks page 20 (offset 950)", "page", "/tasks/?page=20"),
    ("API mine, page_size 25", "api", "/api/v1/tasks/mine?page_size=25"),
    ("API mine, page_size 50", "api", "/api/v1/tasks/mine?page_size=50"),
    ("API mine, page_size 100", "api", "/api/v1/tasks/mine?page_size=100"),
]


# --------------------------------------------------------------------------- seeding


@dataclass
class Plan:
    """What one invoice of the seed looks like."""

    pk: int
    first: int  # approver ids
    second: int
    kind: str  # "paid", "approval" (second approver to decide), "role" (Approver role), "payment"


def plan_invoice(pk: int, users: dict[str, int], rng: random.Random) -> Plan:
    """15% in flight: every 100th waits for approver1, every 500th (+1) for the Approver role,
    every 100th (+14) for the Finance director role; the others wait for another approver."""
    others = [users[name] for name in APPROVERS[1:]]
    first, second = rng.sample([users[name] for name in APPROVERS], 2)
    slot = pk % 100
    kind = "paid"
    if slot == 0:
        kind = "approval"
        first, second = rng.choice(others), users[APPROVER]
    elif pk % 500 == 1:
        kind = "role"
    elif slot == 14:
        kind = "payment"
    elif slot < 15:
        kind = "approval"
        if second == users[APPROVER]:
            first, second = second, first
    return Plan(pk, first, second, kind)


def seed_big(app, n_invoices: int, n_parties: int, run_analyze: bool = True) -> dict[str, int]:
    rng = random.Random(SEED)
    users = setup_database(app, USERS)
    with app.app_context():
        version_id = db.session.scalar(
            select(ProcessVersion.id).where(ProcessVersion.is_current.is_(True))
        )
        parties = seed_counterparties(n_parties, rng)
        rows: dict[str, list] = {"invoice": [], "approver": [], "instance": [], "task": []}
        for pk in range(1, n_invoices + 1):
            plan = plan_invoice(pk, users, rng)
            add_invoice(rows, plan, users, version_id, rng.choice(parties), rng)
            if len(rows["invoice"]) == BATCH:
                flush_rows(rows)
        flush_rows(rows)
        move_sequences(
            ("counterparty", "invoice", "invoice_approver", "process_instance", "human_task")
        )
        db.session.commit()
        if run_analyze:
            analyze()
        db.session.remove()
    return users


def seed_counterparties(n: int, rng: random.Random) -> list[tuple[int, str]]:
    now = datetime(2024, 1, 1)
    rows = [
        {
            "id": pk,
            "name": f"Supplier {rng.choice(['Volga', 'Ural', 'Nord', 'Orion'])} {pk} LLC",
            "country": "RU",
            "tax_id": f"{pk:010d}",
            "created_at": now,
        }
        for pk in range(1, n + 1)
    ]
    for start in range(0, n, BATCH):
        db.session.execute(insert(Counterparty.__table__), rows[start : start + BATCH])
    return [(row["id"], row["name"]) for row in rows]


def add_invoice(rows, plan: Plan, users, version_id: int, party, rng: random.Random) -> None:
    pk = plan.pk
    initiator_id = users[INITIATORS[pk % len(INITIATORS)]]
    in_flight = plan.kind != "paid"
    created = datetime.now().replace(microsecond=0) - timedelta(
        days=rng.randrange(1, 30) if in_flight else rng.randrange(30, 730),
        minutes=rng.randrange(1440),
    )
    status = {
        "paid": InvoiceStatus.PAID,
        "payment": InvoiceStatus.AWAITING_PAYMENT,
    }.get(plan.kind, InvoiceStatus.IN_APPROVAL)
    rows["invoice"].append(
        {
            "id": pk,
            "number": pk,
            "vendor_invoice_no": f"V-{pk:07d}",
            "amount": Decimal(rng.randrange(100_00, 5_000_000_00)) / 100,
            "currency": "RUB",
            "counterparty_id": party[0],
            "counterparty_name": party[1],
            "issue_date": created.date(),
            "due_date": created.date() + timedelta(days=30),
            "payment_order_required": False,
            "status": str(status),
            "stage": None,
            "initiator_id": initiator_id,
            "lock_version": 1,
            "created_at": created,
            "updated_at": created,
        }
    )
    rows["approver"] += [
        {"invoice_id": pk, "position": 1, "user_id": plan.first},
        {"invoice_id": pk, "position": 2, "user_id": plan.second},
    ]
    rows["instance"].append(
        {
            "id": pk,
            "invoice_id": pk,
            "process_version_id": version_id,
            "state": "{}",
            "serializer_version": SERIALIZER_VERSION,
            "status": "running" if in_flight else "completed",
            "lock_version": 1,
            "created_at": created,
            "updated_at": created,
        }
    )
    rows["task"] += tasks_of(plan, initiator_id, users, created, rng)


def tasks_of(plan: Plan, initiator_id: int, users, created: datetime, rng) -> list[dict]:
    """Three tasks: first approval (done), then the second approval and payment, or a
    correction done by the initiator when the invoice waits for a decision."""
    pk, finance = plan.pk, users[FINANCE]
    hour = timedelta(hours=1)
    first = _task(pk, FormKind.APPROVAL, created, rng, assignee=plan.first, done_by=plan.first)
    if plan.kind == "paid":
        second = _task(pk, FormKind.APPROVAL, created + hour, rng, plan.second, plan.second)
        third = _task(pk, FormKind.PAYMENT, created + 2 * hour, rng, role=True, done_by=finance)
    elif plan.kind == "payment":
        second = _task(pk, FormKind.APPROVAL, created + hour, rng, plan.second, plan.second)
        third = _task(pk, FormKind.PAYMENT, created + 2 * hour, rng, role=True)
    else:
        second = _task(pk, FormKind.CORRECTION, created + hour, rng, initiator_id, initiator_id)
        third = _task(
            pk, FormKind.APPROVAL, created + 2 * hour, rng, plan.second, role=plan.kind == "role"
        )
    return [first, second, third]


def _task(pk, form, created, rng, assignee=None, done_by=None, role=False) -> dict:
    bpmn_id, name, lane = NAMES[form]
    done = done_by is not None
    return {
        "task_guid": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "instance_id": pk,
        "invoice_id": pk,
        "bpmn_id": bpmn_id,
        "name": name,
        "title_template": TITLES[form],
        "title_values": {"number": str(pk)},
        "lane": lane,
        "form": form,
        "assignee_user_id": None if role else assignee,
        "candidate_role": lane if role else None,
        "round": 1,
        "status": TaskStatus.DONE if done else TaskStatus.OPEN,
        "created_at": created,
        "due_at": created + timedelta(days=2),
        "completed_at": created + timedelta(minutes=30) if done else None,
        "completed_by_id": done_by,
        "decision": ("approve" if form == FormKind.APPROVAL else "resubmit") if done else None,
        "comment": None,
    }


def flush_rows(rows: dict[str, list]) -> None:
    for key, table in (
        ("invoice", Invoice.__table__),
        ("approver", InvoiceApprover.__table__),
        ("instance", ProcessInstance.__table__),
        ("task", HumanTask.__table__),
    ):
        if rows[key]:
            db.session.execute(insert(table), rows[key])
            rows[key].clear()


def task_counts(app, users: dict[str, int]) -> dict[str, int]:

    with app.app_context():
        count = db.session.scalar
        open_ = HumanTask.status == TaskStatus.OPEN
        counts = {
            "invoices": count(select(func.count()).select_from(Invoice)),
            "tasks": count(select(func.count()).select_from(HumanTask)),
            "open": count(select(func.count()).select_from(HumanTask).where(open_)),
            "mine": count(
                select(func.count())
                .select_from(HumanTask)
                .where(open_, HumanTask.assignee_user_id == users[APPROVER])
            ),
            "mine done": count(
                select(func.count())
                .select_from(HumanTask)
                .where(HumanTask.completed_by_id == users[APPROVER])
            ),
            "Approver role": count(
                select(func.count())
                .select_from(HumanTask)
                .where(open_, HumanTask.candidate_role == roles.APPROVER)
            ),
            "Finance role": count(
                select(func.count())
                .select_from(HumanTask)
                .where(open_, HumanTask.candidate_role == roles.FINANCE_DIRECTOR)
            ),
        }
        db.session.remove()
    return counts


# --------------------------------------------------------------------------- My tasks


@dataclass
class Result:
    user: str
    label: str
    kind: str
    url: str
    times_ms: list[float] = field(default_factory=list)
    db_ms: list[float] = field(default_factory=list)
    statements: list[int] = field(default_factory=list)
    sql: list[Statement] = field(default_factory=list)
    statement_ms: list[list[float]] = field(default_factory=list)
    rows: int = 0
    error: str = ""

    def median_ms(self, index: int) -> float:
        if index < len(self.statement_ms) and self.statement_ms[index]:
            return p50(self.statement_ms[index])
        return self.sql[index].ms

    @property
    def meets_target(self) -> bool:
        return (
            not self.error
            and p50(self.times_ms) < TARGET_P50_MS
            and max(self.statements) <= TARGET_STATEMENTS
        )


_TASK_LINK = re.compile(r'href="/tasks/[0-9a-f-]{36}"')


def count_rows(kind: str, response) -> int:
    if kind == "api":
        return len((response.get_json() or {}).get("result") or [])
    return len(_TASK_LINK.findall(response.get_data(as_text=True)))


def get(client, url: str, headers: dict):
    try:
        response = client.get(url, headers=headers)
    except Exception as exc:  # TESTING=True propagates the view's exception
        return None, f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
    if response.status_code != 200:
        return None, f"HTTP {response.status_code}"
    return response, ""


def measure_lists(app, recorder, username: str, requests: int, warmups: int) -> list[Result]:
    clients = {
        "page": login_page_client(app, username, probe="/tasks/"),
        "api": login_api_client(app, username),
    }
    results = []
    for label, kind, url in SCENARIOS:
        client, headers = clients[kind]
        result = Result(username, label, kind, url)
        results.append(result)
        for _ in range(warmups):
            get(client, url, headers)
        for _ in range(requests):
            with recorder.recording() as statements:
                started = time.perf_counter()
                response, result.error = get(client, url, headers)
                elapsed = (time.perf_counter() - started) * 1000
            result.sql = list(statements)
            if response is None:
                break
            result.times_ms.append(elapsed)
            result.db_ms.append(sum(s.ms for s in statements))
            result.statements.append(len(statements))
            if not result.statement_ms:
                result.statement_ms = [[] for _ in statements]
            if len(statements) == len(result.statement_ms):
                for times, statement in zip(result.statement_ms, statements, strict=True):
                    times.append(statement.ms)
            result.rows = count_rows(kind, response)
    return results


def print_lists(results: list[Result]) -> None:
    header = (
        f"{'user':<10} {'request':<32} {'p50 ms':>8} {'p95 ms':>8} {'db p50':>8} "
        f"{'SQL':>5} {'rows':>5}  target"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        if r.error:
            print(f"{r.user:<10} {r.label:<32} FAILED: {r.error[:90]}")
            continue
        print(
            f"{r.user:<10} {r.label:<32} {p50(r.times_ms):8.1f} {p95(r.times_ms):8.1f} "
            f"{p50(r.db_ms):8.1f} {span(r.statements):>5} {r.rows:>5}  "
            f"{'ok' if r.meets_target else 'MISSED'}"
        )
    print(
        f"Target: p50 < {TARGET_P50_MS:.0f} ms and <= {TARGET_STATEMENTS} SQL statements, "
        "whatever the page size. db p50 = median time in cursor.execute; rows = tasks shown."
    )


def print_list_sql(r: Result, width: int) -> None:
    print(
        f"\nSQL of one request: {r.user} GET {r.url} ({len(r.sql)} statements, "
        f"median {p50(r.db_ms):.1f} ms in the database; ms = median per statement)"
    )
    print_statements(r.sql, width, [r.median_ms(i) for i in range(len(r.sql))])


def explain_list(app, r: Result, top: int) -> None:
    order = sorted(range(len(r.sql)), key=r.median_ms, reverse=True)[:top]
    explain_statements(app, [(r.median_ms(i), r.sql[i]) for i in order], f"{r.user} GET {r.url}")


# --------------------------------------------------------------------------- decisions


def compare_decisions(big, small, kinds: list[str], requests: int, warmups: int):
    """big/small: (app, users). Requests take turns between the databases."""
    per_kind = warmups + requests
    timers = []
    for (app, users), name in ((big, "big"), (small, "small")):
        guids = prepare_tasks(app, users, per_kind * len(kinds))
        recorder = SqlRecorder()
        with app.app_context():
            recorder.attach(db.engine)
        for n, kind in enumerate(kinds):
            timer = DecisionTimer(app, recorder, kind, f"{kind} decision, {name} database")
            timers.append((timer, guids[n * per_kind : (n + 1) * per_kind]))
    for i in range(per_kind):
        for timer, guids in timers:
            timer.time(guids[i], keep=i >= warmups)
    return [timer.result for timer, _ in timers]


def print_decisions(results: list[RequestResult], big_label: str, small_label: str) -> bool:
    print(f"\nDecision request: {big_label} vs {small_label} (requests taking turns)")
    header = f"   {'request':<36} {'p50 ms':>8} {'p95 ms':>8} {'db p50':>8} {'SQL':>5}"
    print(header)
    print("   " + "-" * (len(header) - 3))
    for r in results:
        if r.error:
            print(f"   {r.label:<36} FAILED: {r.error[:120]}")
            continue
        print(
            f"   {r.label:<36} {p50(r.times_ms):8.2f} {p95(r.times_ms):8.2f} "
            f"{p50(r.db_ms):8.2f} {span(r.statements):>5}"
        )
    ok = True
    by_label = {r.label: r for r in results}
    for kind in ("api", "web"):
        big, small = (
            by_label.get(f"{kind} decision, big database"),
            by_label.get(f"{kind} decision, small database"),
        )
        if not big or not small or big.error or small.error:
            continue
        ratio = p50(big.times_ms) / p50(small.times_ms)
        db_big, db_small = p50(big.db_ms), p50(small.db_ms)
        verdict = "ok" if ratio <= TARGET_DECISION_SLOWDOWN else "MISSED"
        ok = ok and ratio <= TARGET_DECISION_SLOWDOWN
        print(
            f"   {kind}: big / small = {ratio:.2f} (SQL time {db_big:.2f} vs {db_small:.2f} ms; "
            f"target <= {TARGET_DECISION_SLOWDOWN:.2f}: {verdict})"
        )
    return ok


def grown_statements(big: RequestResult, small: RequestResult, top: int) -> list[int]:
    """Indexes of the statements whose time grew most with the data (same SQL in both)."""
    if len(big.sql) != len(small.sql):
        return []
    return sorted(
        range(len(big.sql)),
        key=lambda i: big.median_ms(i) - small.median_ms(i),
        reverse=True,
    )[:top]


def print_grown_statements(big: RequestResult, small: RequestResult, top: int = 5) -> None:
    print(f"\n   Statements that grew most, {big.label} vs small (median ms):")
    for i in grown_statements(big, small, top):
        print(
            f"   {i + 1:>3}. {big.median_ms(i):7.2f} vs {small.median_ms(i):6.2f}  "
            f"{' '.join(big.sql[i].sql.split())[:150]}"
        )


# --------------------------------------------------------------------------- main


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", help="base URL (default: SQLite files in a temp dir)")
    parser.add_argument("--invoices", type=int, default=100_000)
    parser.add_argument("--small", type=int, default=100, help="invoices of the small database")
    parser.add_argument("--counterparties", type=int, default=2_000)
    parser.add_argument("--requests", type=int, default=30, help="timed requests per case")
    parser.add_argument("--warmups", type=int, default=3)
    parser.add_argument(
        "--users",
        default=f"{APPROVER},{FINANCE},initiator2",
        help="whose My tasks to time; initiator2 has no open task: the page's fixed cost",
    )
    parser.add_argument("--decisions", type=int, default=30, help="timed decisions per database")
    parser.add_argument("--kinds", default="api,web", help="decision requests: api, web")
    parser.add_argument("--show-sql", action="store_true")
    parser.add_argument(
        "--explain",
        type=int,
        nargs="?",
        const=2,
        default=0,
        metavar="N",
        help="EXPLAIN the N slowest statements of each user's first page and of each case "
        "missing the target, and the N decision statements that grew most with the data",
    )
    parser.add_argument("--sql-width", type=int, default=200)
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    quiet()
    with bench_app(args.db, "big") as (big_app, big_url):
        print(f"Database: {shown_url(big_url)}   (load average {load_average()})")
        started = time.perf_counter()
        big_users = seed_big(big_app, args.invoices, args.counterparties)
        counts = task_counts(big_app, big_users)
        print(
            f"Seeded in {time.perf_counter() - started:.1f} s (ANALYZE done): "
            + ", ".join(f"{name} {n:,}" for name, n in counts.items())
        )
        failed = run_lists(big_app, args)
        with bench_app(args.db, "small") as (small_app, small_url):
            small_users = seed_big(small_app, args.small, 20)
            failed |= not run_decisions(
                (big_app, big_users), (small_app, small_users), args, counts["invoices"]
            )
        print(f"\nLoad average now {load_average()}: wall times grow with other work.")
        return 1 if failed else 0


def run_lists(app, args) -> bool:
    recorder = SqlRecorder()
    with app.app_context():
        recorder.attach(db.engine)
    results = []
    for username in [u.strip() for u in args.users.split(",") if u.strip()]:
        results += measure_lists(app, recorder, username, args.requests, args.warmups)
    print(f"\n{args.warmups} warm-ups + {args.requests} timed requests per case.\n")
    print_lists(results)
    for r in results:
        if args.show_sql and r.label in (SCENARIOS[0][0], SCENARIOS[-1][0]) or r.error:
            print_list_sql(r, args.sql_width)
        first_page = r.label == SCENARIOS[0][0] and r.rows > 0
        if args.explain and not r.error and (first_page or not r.meets_target):
            explain_list(app, r, args.explain)
    return any(r.error for r in results)


def run_decisions(big, small, args, n_big: int) -> bool:
    kinds = [k.strip() for k in args.kinds.split(",") if k.strip()]
    results = compare_decisions(big, small, kinds, args.decisions, args.warmups)
    ok = print_decisions(results, f"{n_big:,}-invoice database", f"{args.small:,}-invoice database")
    by_label = {r.label: r for r in results}
    for kind in kinds:
        big_result = by_label[f"{kind} decision, big database"]
        small_result = by_label[f"{kind} decision, small database"]
        if big_result.error or small_result.error:
            continue
        print_grown_statements(big_result, small_result)
        if args.show_sql:
            print_steps(big_result)
            print_request_sql(big_result, args.sql_width)
        if args.explain:
            chosen = grown_statements(big_result, small_result, args.explain)
            explain_statements(
                big[0],
                [(big_result.median_ms(i), big_result.sql[i]) for i in chosen],
                big_result.label,
            )
    return ok and not any(r.error for r in results)


if __name__ == "__main__":
    sys.exit(main())

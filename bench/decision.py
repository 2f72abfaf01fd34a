"""Benchmark: an approver's decision, the bare engine step against the full HTTP request.

    cd /work/main && .venv/bin/python bench/decision.py
    .venv/bin/python bench/decision.py --db postgresql+psycopg://postgres@127.0.0.1:5432/postgres \
        --show-sql

Builds a fresh database (a SQLite file by default; with a PostgreSQL URL, a new database
`invoiceflow_bench_<random>` on that server, dropped at the end) with the real process
(processes/invoice_approval.bpmn of this checkout seeded as version 1: the approval step is an
embedded multi-instance subprocess, one instance per approver, with boundary timers), inserts
draft invoices with bulk Core inserts and submits each through the submit service, so that
every timed decision finds a fresh open approval task of the same approver. Then prints:

1. the bare engine step: restore a first-round workflow from its saved state, complete the
   approver's task with {"approval": {...}} (which runs the engine), save();
2. the full decision request: POST /api/v1/tasks/<id>/decision with a JWT, and the web form
   POST /tasks/<id>/decision with a logged-in client; one fresh task per request;
3. their ratio (target: the request at most 5x the bare step);
4. the serialized state of an in-flight invoice: first round (target < 8 KiB) and the growth
   per rework round, return + resubmit (target <= 3 KiB per round). The state is stored
   compressed ("z:" + base64(zlib(json))): both the stored size and the JSON inside are shown;
5. the SQL statements of one decision request.

Not a test: pytest never collects it (the file is not named test_*).
"""

from __future__ import annotations

import argparse
import base64
import json
import statistics
import sys
import time
import zlib
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import app.services.audit as audit_module  # noqa: E402
import app.services.complete_task as complete_task_module  # noqa: E402
import app.services.process_runtime as process_runtime_module  # noqa: E402
import app.web.api.tasks as api_tasks_module  # noqa: E402
import app.web.views.tasks as view_tasks_module  # noqa: E402
from app import roles  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import (  # noqa: E402
    Counterparty,
    HumanTask,
    Invoice,
    InvoiceApprover,
    InvoiceStatus,
    ProcessInstance,
    ProcessVersion,
    TaskStatus,
)
from app.role_defaults import seed_roles  # noqa: E402
from app.services.complete_task import decide  # noqa: E402
from app.services.invoice_input import InvoicePolicy  # noqa: E402
from app.services.process_versions import definition_of, seed_process_versions  # noqa: E402
from app.services.resubmit_invoice import resubmit_invoice  # noqa: E402
from app.services.submit_invoice import submit_invoice  # noqa: E402
from app.workflow.engine import InvoiceWorkflow  # noqa: E402
from bench.common import (  # noqa: E402
    BATCH,
    PROCESSES_DIR,
    SqlRecorder,
    Statement,
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
    seed_users,
    shown_url,
    span,
)

TARGET_RATIO = 5.0
TARGET_FIRST_ROUND_BYTES = 8 * 1024
TARGET_GROWTH_BYTES = 3 * 1024

APPROVER = "approver1"  # the approver under test: first in every chain
NEXT_APPROVER = "approver2"
INITIATOR = "initiator"
DECISION_USERS = {
    INITIATOR: roles.INITIATOR,
    APPROVER: roles.APPROVER,
    NEXT_APPROVER: roles.APPROVER,
    "finance": roles.FINANCE_DIRECTOR,
}
KINDS = {"api": "API  POST /api/v1/tasks/<id>/decision", "web": "form POST /tasks/<id>/decision"}


# --------------------------------------------------------------------------- preparing


def setup_database(app, users: dict[str, str]) -> dict[str, int]:
    """Schema, roles, the process version, users; returns {username: id}."""
    with app.app_context():
        db.create_all()
        seed_roles(app.appbuilder)
        seed_process_versions(db.session, PROCESSES_DIR)
        ids = seed_users(app, users)
        db.session.commit()
        db.session.remove()
    return ids


def describe_process(app) -> str:
    """Which diagram the database runs: the current version, its file and its hash."""
    with app.app_context():
        version = db.session.scalars(
            select(ProcessVersion).where(ProcessVersion.is_current.is_(True))
        ).one()
        line = (
            f"Process: {version.process_id} v{version.version} ({version.note}), "
            f"sha256 {version.sha256[:12]}, {len(version.bpmn_xml.encode()):,} B"
        )
        db.session.remove()
    return line


def insert_drafts(n: int, initiator_id: int, chain: list[int]) -> list[int]:
    """n draft invoices approved by `chain`, inserted with Core; their ids (ascending).

    Call within an app context; commits. Uses a counterparty of its own.
    """
    start = (db.session.scalar(select(func.max(Invoice.id))) or 0) + 1
    party_id = (db.session.scalar(select(func.max(Counterparty.id))) or 0) + 1
    now = datetime.now().replace(microsecond=0)
    db.session.execute(
        insert(Counterparty.__table__),
        [
            {
                "id": party_id,
                "name": f"Decision Bench LLC {party_id}",
                "country": "RU",
                "tax_id": f"77{party_id:08d}",
                "created_at": now,
            }
        ],
    )
    ids = list(range(start, start + n))
    for first in range(0, n, BATCH):
        chunk = ids[first : first + BATCH]
        invoices = [_draft(pk, party_id, initiator_id, now) for pk in chunk]
        approvers = [
            {"invoice_id": pk, "position": position, "user_id": user_id}
            for pk in chunk
            for position, user_id in enumerate(chain, 1)
        ]
        db.session.execute(insert(Invoice.__table__), invoices)
        db.session.execute(insert(InvoiceApprover.__table__), approvers)
    move_sequences(("counterparty", "invoice", "invoice_approver"))
    db.session.commit()
    return ids


def _draft(pk: int, party_id: int, initiator_id: int, now: datetime) -> dict:
    return {
        "id": pk,
        "number": pk,
        "vendor_invoice_no": f"D-{pk:07d}",
        "amount": Decimal("125000.00") + pk % 1000,
        "currency": "RUB",
        "counterparty_id": party_id,
        "counterparty_name": f"Decision Bench LLC {party_id}",
        "issue_date": date.today() - timedelta(days=3),
        "due_date": date.today() + timedelta(days=27),
        "payment_order_required": False,
        "status": str(InvoiceStatus.DRAFT),
        "initiator_id": initiator_id,
        "lock_version": 1,
        "created_at": now,
        "updated_at": now,
    }


def run_service(app, action):
    """A service call as a request would make it: in a request context, session removed."""
    with app.test_request_context():
        try:
            return action()
        finally:
            db.session.remove()


def user(app, user_id: int):
    return app.appbuilder.sm.get_user_by_id(user_id)


def policy() -> InvoicePolicy:
    return InvoicePolicy(today=date.today())


def submit_all(app, invoice_ids: list[int], initiator_id: int) -> None:
    for pk in invoice_ids:
        run_service(
            app,
            lambda pk=pk: submit_invoice(db.session, user(app, initiator_id), pk, policy()),
        )


def open_tasks(app, invoice_ids: list[int], assignee_id: int) -> dict[int, str]:
    """{invoice id: guid of its open task held by assignee_id}."""
    with app.app_context():
        rows = db.session.execute(
            select(HumanTask.invoice_id, HumanTask.task_guid).where(
                HumanTask.invoice_id.in_(invoice_ids),
                HumanTask.status == TaskStatus.OPEN,
                HumanTask.assignee_user_id == assignee_id,
            )
        ).all()
        db.session.remove()
    return dict(rows)


def prepare_tasks(app, ids: dict[str, int], n: int) -> list[str]:
    """n invoices submitted to APPROVER then NEXT_APPROVER; the guids of APPROVER's tasks."""
    with app.app_context():
        invoice_ids = insert_drafts(n, ids[INITIATOR], [ids[APPROVER], ids[NEXT_APPROVER]])
        db.session.remove()
    submit_all(app, invoice_ids, ids[INITIATOR])
    guids = open_tasks(app, invoice_ids, ids[APPROVER])
    if len(guids) != n:
        raise RuntimeError(f"expected {n} open tasks for {APPROVER}, found {len(guids)}")
    return [guids[pk] for pk in invoice_ids]


# --------------------------------------------------------------------------- the bare step


@dataclass
class EngineResult:
    total_ms: list[float] = field(default_factory=list)
    restore_ms: list[float] = field(default_factory=list)
    complete_ms: list[float] = field(default_factory=list)
    save_ms: list[float] = field(default_factory=list)
    cpu_ms: list[float] = field(default_factory=list)
    state_bytes: int = 0  # stored (compressed)
    state_json_bytes: int = 0  # the JSON inside


class EngineTimer:
    """restore + complete + save of one first-round workflow, again and again (no database)."""

    def __init__(self, app, guid: str, approver_id: int):
        with app.app_context():
            task = db.session.scalars(select(HumanTask).where(HumanTask.task_guid == guid)).one()
            instance = db.session.get(ProcessInstance, task.instance_id)
            self.definition = definition_of(instance.process_version)
            self.state = instance.state
            db.session.remove()
        self.guid = guid
        self.approval = {"by": approver_id, "decision": "approve", "comment": ""}
        self.result = EngineResult(
            state_bytes=len(self.state.encode()),
            state_json_bytes=len(unpack_state(self.state).encode()),
        )

    def run(self, times: int, keep: bool = True) -> EngineResult:
        result = self.result
        for _ in range(times):
            started, cpu = time.perf_counter(), time.process_time()
            workflow = InvoiceWorkflow.restore(self.definition, self.state)
            restored = time.perf_counter()
            workflow.complete(self.guid, {"approval": self.approval})
            completed = time.perf_counter()
            workflow.save()
            saved, cpu = time.perf_counter(), time.process_time() - cpu
            if keep:
                result.cpu_ms.append(cpu * 1000)
                result.total_ms.append((saved - started) * 1000)
                result.restore_ms.append((restored - started) * 1000)
                result.complete_ms.append((completed - restored) * 1000)
                result.save_ms.append((saved - completed) * 1000)
        return result


# --------------------------------------------------------------------------- the request


# What Probe times inside a request: (key, label, depth). Timings are inclusive: a call made
# inside another counts in both (depth shows the nesting on the decision path).
STEPS = (
    ("decide", "decide(), its commit included", 0),
    ("task_for_action", "task_at_hand: standing + task, invoice, process, files, audit head", 1),
    ("load_workflow", "load_workflow: definition_of + restore", 1),
    ("restore", "InvoiceWorkflow.restore", 2),
    ("run_step", "run_step: complete + engine steps", 1),
    ("invoice_revision", "invoice_revision", 1),
    ("audit.record", "audit.record (x2: decision, task_assigned)", 1),
    ("advance", "advance", 1),
    ("sync_tasks", "sync_tasks", 2),
    ("notify", "notify (task_assigned; return/reject: + initiator)", 2),
    ("open_tasks_of", "open_tasks_of (x2: sync_tasks, advance)", 2),
    ("save_state", "save_state: save() + flush", 2),
    ("save", "InvoiceWorkflow.save", 3),
    ("commit", "Session.commit: last flush + COMMIT", 1),
    ("dbapi_commit", "DBAPI COMMIT", 2),
    ("flush", "Session.flush, all (autoflush included)", 1),
)


class Probe:
    """Wall time, calls and SQL statements of the steps of a decision (see STEPS)."""

    def __init__(self, engine, recorder: SqlRecorder):
        self.recorder = recorder
        dialect = engine.dialect
        self.targets = [  # (owner, attribute, key, is classmethod)
            (api_tasks_module, "decide", "decide", False),
            (view_tasks_module, "decide", "decide", False),
            (complete_task_module, "task_to_act_on", "task_for_action", False),
            (complete_task_module, "task_at_hand", "task_for_action", False),
            (complete_task_module, "load_workflow", "load_workflow", False),
            (complete_task_module, "run_step", "run_step", False),
            (complete_task_module, "invoice_revision", "invoice_revision", False),
            (complete_task_module, "advance", "advance", False),
            (audit_module, "record", "audit.record", False),
            (process_runtime_module, "sync_tasks", "sync_tasks", False),
            (process_runtime_module, "notify_holders", "notify", False),
            (complete_task_module, "notify", "notify", False),
            (process_runtime_module, "open_tasks_of", "open_tasks_of", False),
            (process_runtime_module, "save_state", "save_state", False),
            (InvoiceWorkflow, "restore", "restore", True),
            (InvoiceWorkflow, "complete", "complete", False),
            (InvoiceWorkflow, "save", "save", False),
            (Session, "commit", "commit", False),
            (Session, "flush", "flush", False),
            (dialect, "do_commit", "dbapi_commit", False),
        ]
        self.ms: dict[str, float] = defaultdict(float)
        self.sql_ms: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self.statements: dict[str, int] = defaultdict(int)
        self.cpu_ms: dict[str, float] = defaultdict(float)

    def _timed(self, key, function):
        def wrapper(*args, **kwargs):
            first = len(self.recorder.statements)
            started, cpu = time.perf_counter(), time.process_time()
            try:
                return function(*args, **kwargs)
            finally:
                self.ms[key] += (time.perf_counter() - started) * 1000
                self.cpu_ms[key] += (time.process_time() - cpu) * 1000
                self.calls[key] += 1
                sent = self.recorder.statements[first:] if self.recorder.active else []
                self.statements[key] += len(sent)
                self.sql_ms[key] += sum(s.ms for s in sent)

        return wrapper

    @contextmanager
    def installed(self):
        saved = []
        for owner, name, key, is_classmethod in self.targets:
            if not hasattr(owner, name):  # moved by a refactoring: that step goes untimed
                continue
            original = getattr(owner, name)
            own = vars(owner).get(name) if hasattr(owner, "__dict__") else None
            saved.append((owner, name, own))
            if is_classmethod:
                setattr(owner, name, classmethod(self._timed(key, original.__func__)))
            else:
                setattr(owner, name, self._timed(key, own if own is not None else original))
        try:
            yield self
        finally:
            for owner, name, own in reversed(saved):
                if own is None:
                    delattr(owner, name)  # an instance attribute hid the class's method
                else:
                    setattr(owner, name, own)

    def reset(self) -> None:
        for counter in (self.ms, self.sql_ms, self.calls, self.statements, self.cpu_ms):
            counter.clear()

    def snapshot(self) -> dict[str, tuple[float, int, int, float, float]]:
        return {
            key: (
                self.ms[key],
                self.calls[key],
                self.statements[key],
                self.sql_ms[key],
                self.cpu_ms[key],
            )
            for key in self.ms
        }


@dataclass
class RequestResult:
    label: str
    kind: str
    times_ms: list[float] = field(default_factory=list)
    cpu_ms: list[float] = field(default_factory=list)  # this process's CPU time
    db_ms: list[float] = field(default_factory=list)
    steps: list[dict] = field(default_factory=list)  # Probe.snapshot() per request
    statements: list[int] = field(default_factory=list)
    sql: list[Statement] = field(default_factory=list)
    statement_ms: list[list[float]] = field(default_factory=list)
    error: str = ""

    def median_ms(self, index: int) -> float:
        if index < len(self.statement_ms) and self.statement_ms[index]:
            return statistics.median(self.statement_ms[index])
        return self.sql[index].ms

    def step(self, key: str, part: int = 0) -> list[float]:
        """One figure of a step per request: 0 ms, 1 calls, 2 statements, 3 SQL ms, 4 CPU ms."""
        return [snap.get(key, (0.0, 0, 0, 0.0, 0.0))[part] for snap in self.steps]

    def add_statements(self, statements: list[Statement]) -> None:
        self.sql = list(statements)
        self.statements.append(len(statements))
        self.db_ms.append(sum(s.ms for s in statements))
        if not self.statement_ms:
            self.statement_ms = [[] for _ in statements]
        if len(statements) == len(self.statement_ms):
            for times, statement in zip(self.statement_ms, statements, strict=True):
                times.append(statement.ms)


def post_decision(client, headers: dict, kind: str, guid: str) -> str:
    """'' when the decision was recorded, else what went wrong."""
    try:
        if kind == "api":
            response = client.post(
                f"/api/v1/tasks/{guid}/decision",
                json={"decision": "approve", "comment": "Checked against the contract."},
                headers=headers,
            )
            ok = response.status_code == 200 and response.json["result"]["status"] == "done"
        else:
            response = client.post(
                f"/tasks/{guid}/decision",
                data={"decision": "approve", "comment": "Checked against the contract."},
            )
            ok = response.status_code == 302 and "/tasks/" in response.headers.get("Location", "")
    except Exception as exc:  # TESTING=True propagates the view's exception
        return f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
    return "" if ok else f"HTTP {response.status_code}: {response.get_data(as_text=True)[:200]}"


class DecisionTimer:
    """Times decision requests of APPROVER on one app, one fresh task each."""

    def __init__(self, app, recorder: SqlRecorder, kind: str, label: str = ""):
        self.app, self.recorder, self.kind = app, recorder, kind
        if kind == "api":
            self.client, self.headers = login_api_client(app, APPROVER)
        else:
            self.client, self.headers = login_page_client(app, APPROVER, probe="/tasks/")
        # As a browser that follows the redirect: the next page drops the flashed message, so
        # the session cookie does not grow by one message per decision.
        cookie = self.client.get_cookie("session") if kind != "api" else None
        self.session_cookie = cookie.value if cookie is not None else None
        with app.app_context():
            self.probe = Probe(db.engine, recorder)
        self.result = RequestResult(label or KINDS[kind], kind)

    def time(self, guid: str, keep: bool = True) -> bool:
        """One decision; False once a request failed (the error is in the result)."""
        if self.result.error:
            return False
        self.probe.reset()
        if self.session_cookie:
            self.client.set_cookie("session", self.session_cookie)
        with self.probe.installed(), self.recorder.recording() as statements:
            started, cpu = time.perf_counter(), time.process_time()
            self.result.error = post_decision(self.client, self.headers, self.kind, guid)
            elapsed = (time.perf_counter() - started) * 1000
            cpu_ms = (time.process_time() - cpu) * 1000
        if self.result.error:
            self.result.sql = list(statements)
            return False
        if keep:
            self.result.times_ms.append(elapsed)
            self.result.cpu_ms.append(cpu_ms)
            self.result.steps.append(self.probe.snapshot())
            self.result.add_statements(statements)
        return True


def measure_requests(
    app, recorder: SqlRecorder, kind: str, guids: list[str], warmups: int, label: str = ""
) -> RequestResult:
    """One decision per guid: the first `warmups` untimed."""
    timer = DecisionTimer(app, recorder, kind, label)
    for i, guid in enumerate(guids):
        if not timer.time(guid, keep=i >= warmups):
            break
    return timer.result


# --------------------------------------------------------------------------- state size


@dataclass
class StateSize:
    label: str
    size: int  # stored: "z:" + base64(zlib(json)) since the state is kept compressed
    json_size: int  # the JSON inside, uncompressed
    tasks: int  # in the top-level process
    sub_tasks: int  # in subprocesses
    subprocesses: int
    data_bytes: int  # task data + workflow data, serialized


PACKED_PREFIX = "z:"  # app.workflow.engine._pack: "z:" + base64(zlib.compress(json))


def unpack_state(state: str) -> str:
    """The JSON of a stored state, compressed ("z:...") or not (older rows)."""
    if state.startswith(PACKED_PREFIX):
        return zlib.decompress(base64.b64decode(state[len(PACKED_PREFIX) :])).decode()
    return state


def _json_size(value) -> int:
    return len(json.dumps(value, separators=(",", ":")).encode())


def describe_state(label: str, state: str) -> StateSize:
    """Size, tasks and how much of it is data (the rest: task bookkeeping, ids, states)."""
    state_json = unpack_state(state)
    dct = json.loads(state_json)
    tasks = dct.get("tasks", {})
    subprocesses = dct.get("subprocesses", {})
    data = _json_size(dct.get("data", {})) + sum(
        _json_size(t.get("data", {})) for t in tasks.values()
    )
    sub_tasks = 0
    for sub in subprocesses.values():
        sub_tasks += len(sub.get("tasks", {}))
        data += _json_size(sub.get("data", {}))
        data += sum(_json_size(t.get("data", {})) for t in sub.get("tasks", {}).values())
    return StateSize(
        label,
        len(state.encode()),
        len(state_json.encode()),
        len(tasks),
        sub_tasks,
        len(subprocesses),
        data,
    )


def state_of(app, invoice_id: int) -> str:
    with app.app_context():
        state = db.session.scalar(
            select(ProcessInstance.state).where(ProcessInstance.invoice_id == invoice_id)
        )
        db.session.remove()
    return state


def measure_state_growth(app, ids: dict[str, int], rounds: int) -> list[StateSize]:
    """One invoice: submitted, then `rounds` times returned by the approver and resubmitted."""
    with app.app_context():
        [invoice_id] = insert_drafts(1, ids[INITIATOR], [ids[APPROVER], ids[NEXT_APPROVER]])
        db.session.remove()
    submit_all(app, [invoice_id], ids[INITIATOR])
    sizes = [describe_state("round 1: submitted, approver 1 to decide", state_of(app, invoice_id))]
    for n in range(2, rounds + 2):
        guid = open_tasks(app, [invoice_id], ids[APPROVER])[invoice_id]
        comment = f"Round {n - 1}: the VAT line is wrong."
        run_service(
            app,
            lambda g=guid, c=comment: decide(db.session, user(app, ids[APPROVER]), g, "return", c),
        )
        run_service(
            app,
            lambda: resubmit_invoice(db.session, user(app, ids[INITIATOR]), invoice_id, policy()),
        )
        sizes.append(
            describe_state(f"round {n}: returned + resubmitted", state_of(app, invoice_id))
        )
    guid = open_tasks(app, [invoice_id], ids[APPROVER])[invoice_id]
    run_service(app, lambda: decide(db.session, user(app, ids[APPROVER]), guid, "approve", ""))
    sizes.append(
        describe_state(f"round {rounds + 1}: approver 1 approved", state_of(app, invoice_id))
    )
    return sizes


# --------------------------------------------------------------------------- reporting


def print_engine(engine: EngineResult) -> None:
    print("1. Bare engine step (no database): restore + complete(approval) + save")
    print(
        f"   p50 {p50(engine.total_ms):.2f} ms  p95 {p95(engine.total_ms):.2f} ms  "
        f"CPU p50 {p50(engine.cpu_ms):.2f} ms  "
        f"(restore {p50(engine.restore_ms):.2f}, complete + engine steps "
        f"{p50(engine.complete_ms):.2f}, save {p50(engine.save_ms):.2f}; "
        f"{len(engine.total_ms)} runs, state {engine.state_bytes:,} B stored, "
        f"{engine.state_json_bytes:,} B of JSON)"
    )


def print_requests(results: list[RequestResult], engine: EngineResult) -> None:
    bare = p50(engine.total_ms)
    print("\n2./3./5. Full decision request, one fresh open task per request")
    bare_cpu = p50(engine.cpu_ms)
    header = (
        f"   {'request':<40} {'p50 ms':>8} {'p95 ms':>8} {'x bare':>7} {'SQL':>5}  "
        f"{'CPU ms':>7} {'x bare':>7}  target"
    )
    print(header)
    print("   " + "-" * (len(header) - 3))
    for r in results:
        if r.error:
            print(f"   {r.label:<40} FAILED: {r.error[:120]}")
            continue
        ratio = p50(r.times_ms) / bare
        verdict = "ok" if ratio <= TARGET_RATIO else "MISSED"
        print(
            f"   {r.label:<40} {p50(r.times_ms):8.2f} {p95(r.times_ms):8.2f} {ratio:6.1f}x "
            f"{span(r.statements):>5}  {p50(r.cpu_ms):7.2f} {p50(r.cpu_ms) / bare_cpu:6.1f}x  "
            f"{verdict}"
        )
    print(
        f"   Target: the request at most {TARGET_RATIO:.0f}x the bare step "
        f"({TARGET_RATIO * bare:.1f} ms). CPU: this process's CPU time (p50), which other "
        "work on the machine barely changes."
    )
    for r in results:
        if not r.error:
            print_steps(r)


def print_steps(r: RequestResult) -> None:
    decide_ms = r.step("decide")
    outside = [t - d for t, d in zip(r.times_ms, decide_ms, strict=True)]
    engine = [
        a + b + c
        for a, b, c in zip(r.step("restore"), r.step("complete"), r.step("save"), strict=True)
    ]
    rest = [
        d - e - x - c
        for d, e, x, c in zip(
            decide_ms, engine, r.step("decide", 3), r.step("dbapi_commit"), strict=True
        )
    ]
    print(f"\n   Where the time goes, {r.label} (medians over the requests):")
    print(
        f"   request {p50(r.times_ms):.2f} ms = outside decide() {p50(outside):.2f} "
        f"(routing, login check: JWT or session + FAB permission queries, response) "
        f"+ decide() {p50(decide_ms):.2f}"
    )
    print(
        f"   decide() = engine {p50(engine):.2f} (restore + complete + save) "
        f"+ SQL execute {p50(r.step('decide', 3)):.2f} ({p50(r.step('decide', 2)):.0f} statements) "
        f"+ DBAPI COMMIT {p50(r.step('dbapi_commit')):.2f} "
        f"+ the rest {p50(rest):.2f} (SQLAlchemy ORM: building statements, loading and "
        "flushing objects; service Python)"
    )
    print(
        f"   {'step (inclusive)':<50} {'ms':>7} {'calls':>6} {'SQL':>4} {'SQL ms':>7} {'CPU ms':>7}"
    )
    for key, label, depth in STEPS:
        name = "  " * depth + label
        print(
            f"   {name:<50} {p50(r.step(key)):7.2f} {p50(r.step(key, 1)):6.0f} "
            f"{p50(r.step(key, 2)):4.0f} {p50(r.step(key, 3)):7.2f} {p50(r.step(key, 4)):7.2f}"
        )


def print_sizes(sizes: list[StateSize]) -> None:
    print(
        "\n4. Serialized state of one in-flight invoice (ProcessInstance.state, spec excluded): "
        "stored (z: + base64 of zlib) and the JSON inside"
    )
    for s in sizes:
        print(
            f"   {s.label:<44} {s.size:>7,} B stored (+{s.size - sizes[0].size:>5,})  "
            f"{s.json_size:>7,} B JSON (+{s.json_size - sizes[0].json_size:>6,})  "
            f"{s.tasks:>3} tasks + {s.sub_tasks:>3} in {s.subprocesses} subprocesses  "
            f"data {s.data_bytes:>6,} B"
        )
    rounds = [s for s in sizes if "resubmitted" in s.label]
    for what, first, last in (
        ("stored", sizes[0].size, rounds[-1].size if rounds else sizes[0].size),
        ("JSON  ", sizes[0].json_size, rounds[-1].json_size if rounds else sizes[0].json_size),
    ):
        growth = (last - first) / len(rounds) if rounds else 0.0
        ok_first = first < TARGET_FIRST_ROUND_BYTES
        ok_growth = growth <= TARGET_GROWTH_BYTES
        print(
            f"   {what}: first round {first / 1024:.2f} KiB (target < "
            f"{TARGET_FIRST_ROUND_BYTES // 1024} KiB: {'ok' if ok_first else 'MISSED'}); "
            f"growth {growth / 1024:.2f} KiB per rework round over {len(rounds)} rounds "
            f"(target <= {TARGET_GROWTH_BYTES // 1024} KiB: {'ok' if ok_growth else 'MISSED'})"
        )


def print_request_sql(result: RequestResult, width: int) -> None:
    if not result.sql:
        return
    print(
        f"\nSQL of one decision request, {result.label} ({len(result.sql)} statements, "
        f"median {p50(result.db_ms):.2f} ms in the database; ms = median per statement):"
    )
    medians = [result.median_ms(i) for i in range(len(result.sql))]
    print_statements(result.sql, width, medians)


def explain_slowest(app, result: RequestResult, top: int) -> None:
    order = sorted(range(len(result.sql)), key=result.median_ms, reverse=True)[:top]
    explain_statements(app, [(result.median_ms(i), result.sql[i]) for i in order], result.label)


# --------------------------------------------------------------------------- main


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--db",
        help="base URL; default: a SQLite file in a temp dir. "
        "postgresql+psycopg://postgres@127.0.0.1:5432/postgres creates a new "
        "database on that server and drops it at the end",
    )
    parser.add_argument("--requests", type=int, default=30, help="timed decisions per kind")
    parser.add_argument("--warmups", type=int, default=3)
    parser.add_argument(
        "--engine-runs",
        type=int,
        default=300,
        help="timed bare engine steps, spread between the requests",
    )
    parser.add_argument("--rounds", type=int, default=3, help="rework rounds for the state size")
    parser.add_argument("--kinds", default="api,web", help="comma-separated: api, web")
    parser.add_argument("--show-sql", action="store_true", help="print one request's statements")
    parser.add_argument("--explain", type=int, nargs="?", const=3, default=0, metavar="N")
    parser.add_argument("--sql-width", type=int, default=200)
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    quiet()
    with bench_app(args.db) as (app, url):
        return run(app, url, args)


def run(app, url: str, args: argparse.Namespace) -> int:
    print(f"Database: {shown_url(url)}   (load average {load_average()})")
    kinds = [k.strip() for k in args.kinds.split(",") if k.strip()]
    started = time.perf_counter()
    ids = setup_database(app, DECISION_USERS)
    print(describe_process(app))
    per_kind = args.warmups + args.requests
    guids = prepare_tasks(app, ids, per_kind * len(kinds) + 1)
    print(
        f"Prepared {len(guids)} invoices submitted to {APPROVER} (then {NEXT_APPROVER}) in "
        f"{time.perf_counter() - started:.1f} s; {args.warmups} warm-ups + {args.requests} "
        f"timed decisions per kind.\n"
    )
    engine_timer = EngineTimer(app, guids.pop(), ids[APPROVER])
    engine_timer.run(20, keep=False)
    recorder = SqlRecorder()
    with app.app_context():
        recorder.attach(db.engine)
    timers = [DecisionTimer(app, recorder, kind) for kind in kinds]
    # Requests and bare steps take turns, so that both see the same load on the machine.
    steps_between = max(1, args.engine_runs // max(1, args.requests))
    for i in range(per_kind):
        for n, timer in enumerate(timers):
            timer.time(guids[n * per_kind + i], keep=i >= args.warmups)
        engine_timer.run(steps_between, keep=i >= args.warmups)
    engine = engine_timer.result
    results = [timer.result for timer in timers]
    sizes = measure_state_growth(app, ids, args.rounds)
    print_engine(engine)
    print_requests(results, engine)
    print_sizes(sizes)
    for r in results:
        if args.show_sql or r.error:
            print_request_sql(r, args.sql_width)
        if args.explain and not r.error:
            explain_slowest(app, r, args.explain)
    print(f"\nLoad average now {load_average()}: wall times grow with other work on the machine.")
    return 1 if any(r.error for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())

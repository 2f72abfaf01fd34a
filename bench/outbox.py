"""Outbox benchmark at the production shape: worker processes (forked, each running the loop of
`flask worker`), an SMTP sink in a process of its own (bench/smtp_sink.py), PostgreSQL.

The backlog is the mail of the decision load: --invoices invoices submitted through the submit
service, a third of them approved by their first approver, and the task mails (with their
Approve / Return / Reject links) and notices this wrote, queued again and again.

0. What one message costs the worker loop, run in this process: SQL statements and CPU ms.
1. Delivery rate of 1, 2, 4 ... workers draining a backlog: wall clock, and the workers' CPU.
2. The backlog over time while a writer queues --rate messages a second, one worker.
3. Duplicates per thousand kills: a worker kill -9'd at random moments, Message-IDs counted.
4. The claim query with 1,000,000 sent rows in the table (the partial index keeps it flat).

    .venv/bin/python bench/outbox.py --db postgresql+psycopg://postgres@127.0.0.1:5432/postgres
        [--messages 3000] [--invoices 60] [--workers 1,2,4] [--rate 70] [--seconds 30]
        [--kills 1000] [--sent 1000000]

The machine is shared: wall-clock figures are noisy, CPU times less so.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import event, insert, select, text  # noqa: E402

from app import roles  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import OutboxMessage, OutboxStatus  # noqa: E402
from app.models.base import utcnow  # noqa: E402
from app.services.complete_task import decide  # noqa: E402
from app.services.mail_claim import claim_due, new_claim_token  # noqa: E402
from app.worker import run_forever, work_once  # noqa: E402
from bench.common import BATCH, abbreviate, bench_app, load_average, p50, quiet  # noqa: E402
from bench.decision import (  # noqa: E402
    APPROVER,
    DECISION_USERS,
    prepare_tasks,
    run_service,
    setup_database,
    user,
)
from tests.mail_server import free_port  # noqa: E402

LEASE_SECONDS = 5  # short, so the kill run's leftovers are taken over quickly
_serial = iter(range(10**9))


# --------------------------------------------------------------------------- the parts


class SmtpSink:
    """bench/smtp_sink.py in its own process; `received()` reads the Message-IDs it took."""

    def __init__(self, folder: Path):
        self.port, self.path = free_port(), folder / f"sink-{next(_serial)}.txt"
        self.process = subprocess.Popen(  # noqa: S603 - our interpreter, our script
            [
                sys.executable,
                str(Path(__file__).with_name("smtp_sink.py")),
                str(self.port),
                str(self.path),
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout.readline().strip() == "sink ready"

    def received(self) -> list[str]:
        return self.path.read_text().split() if self.path.exists() else []

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def point_at(app, sink: SmtpSink) -> None:
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=sink.port)
    state = app.extensions["mail"]
    state.server, state.port, state.suppress = "127.0.0.1", sink.port, False


def fork_worker(app) -> int:
    """A worker process, as `flask worker` runs one, sharing nothing with this one."""
    pid = os.fork()
    if pid == 0:  # the worker
        try:
            with app.app_context():
                db.engine.dispose(close=False)  # the parent's connections stay the parent's
            run_forever(app, threading.Event())
        finally:
            os._exit(0)
    return pid


def kill(pid: int) -> float:
    """kill -9; returns the CPU seconds the process used."""
    os.kill(pid, signal.SIGKILL)
    _pid, _status, usage = os.wait4(pid, 0)
    return usage.ru_utime + usage.ru_stime


def queue(user_id: int, count: int) -> None:
    now = utcnow()
    with_serial = [next(_serial) for _ in range(count)]
    for offset in range(0, count, BATCH):
        db.session.execute(
            insert(OutboxMessage),
            [
                row(user_id, n, OutboxStatus.PENDING, now)
                for n in with_serial[offset : offset + BATCH]
            ],
        )
        db.session.commit()


def row(user_id: int, n: int, status: str, now) -> dict:
    return {
        "recipient_id": user_id,
        "to_address": "anna@example.com",
        "language": "en",
        "kind": "reminder",
        "params": {},
        "status": status,
        "attempts": 1 if status == OutboxStatus.SENT else 0,
        "next_attempt_at": now,
        "message_id": f"<b{n}@bench>",
        "dedupe_key": f"bench:{n}",
        "created_at": now,
    }


# The columns of a message as the services wrote it; a copy gets its own Message-ID.
MAIL_COLUMNS = (
    "recipient_id",
    "to_address",
    "language",
    "kind",
    "invoice_id",
    "task_guid",
    "params",
    "created_at",
)


def decision_mail(app, ids: dict[str, int], invoices: int) -> list[dict]:
    """The outbox rows of the decision load: `invoices` submitted to two approvers in turn,
    every third approved by the first (the second's task mail then names who waits)."""
    guids = prepare_tasks(app, ids, invoices)
    for guid in guids[::3]:
        run_service(
            app, lambda guid=guid: decide(db.session, user(app, ids[APPROVER]), guid, "approve", "")
        )
    with app.app_context():
        columns = [getattr(OutboxMessage, name) for name in MAIL_COLUMNS]
        rows = db.session.execute(select(*columns).order_by(OutboxMessage.id)).all()
        empty_outbox()
        db.session.remove()
    return [row._asdict() for row in rows]


def queue_mail(templates: list[dict], count: int) -> None:
    """`count` copies of the templates, in turn: a batch holds as many different ones."""
    now = utcnow()
    for offset in range(0, count, BATCH):
        rows = []
        for position in range(offset, min(offset + BATCH, count)):
            n = next(_serial)
            rows.append(
                {
                    **templates[position % len(templates)],
                    "status": OutboxStatus.PENDING,
                    "attempts": 0,
                    "next_attempt_at": now,
                    "message_id": f"<b{n}@bench>",
                    "dedupe_key": f"bench:{n}",
                }
            )
        db.session.execute(insert(OutboxMessage), rows)
        db.session.commit()


def backlog() -> int:
    count = db.session.scalar(
        text("SELECT count(*) FROM outbox WHERE status IN ('pending', 'sending')")
    )
    db.session.commit()
    return count


def wait_until(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def empty_outbox() -> None:
    db.session.execute(text("DELETE FROM outbox"))
    db.session.commit()


# --------------------------------------------------------------------------- the measurements


@dataclass
class PassCosts:
    messages: int
    statements: Counter
    cpu_seconds: float

    @property
    def per_message(self) -> float:
        return sum(self.statements.values()) / self.messages


def cost_per_message(app, folder, templates: list[dict], messages: int) -> PassCosts:
    """The worker loop's passes run here until `messages` are sent (after one pass that fills
    the caches): the statements they sent and the CPU this process spent."""
    sink = SmtpSink(folder)
    point_at(app, sink)
    with app.app_context():
        empty_outbox()
        queue_mail(templates, messages + app.config["OUTBOX_BATCH_SIZE"])
        db.session.remove()
        engine = db.engine
    work_once(app)  # the first pass of a process: templates compiled, queries built
    statements: Counter = Counter()

    def count(_conn, _cursor, statement, *_args):
        statements[" ".join(statement.split())] += 1

    event.listen(engine, "before_cursor_execute", count)
    sent, started = 0, time.process_time()
    try:
        while sent < messages:
            done = work_once(app).get("sent", 0)
            assert done, "a pass sent nothing"
            sent += done
    finally:
        event.remove(engine, "before_cursor_execute", count)
    cpu = time.process_time() - started
    sink.stop()
    return PassCosts(sent, statements, cpu)


def print_costs(costs: PassCosts, batch: int, show_sql: bool) -> None:
    print(
        f"one worker loop in this process, {costs.messages} messages in batches of {batch}: "
        f"{costs.per_message:.2f} SQL statements and "
        f"{costs.cpu_seconds * 1000 / costs.messages:.2f} CPU ms per message"
    )
    if show_sql:
        for sql, times in costs.statements.most_common():
            print(f"  {times / costs.messages:6.2f} per message  {abbreviate(sql, 110)}")


def drain_rate(app, folder, templates, workers: int, messages: int) -> tuple[float, float]:
    """(messages/s, CPU ms per message) of `workers` processes draining `messages`."""
    sink = SmtpSink(folder)
    point_at(app, sink)
    with app.app_context():
        empty_outbox()
        queue_mail(templates, messages)
        db.session.remove()
    started = time.perf_counter()
    pids = [fork_worker(app) for _ in range(workers)]
    done = wait_until(lambda: len(sink.received()) >= messages, timeout=600)
    elapsed = time.perf_counter() - started
    cpu = sum(kill(pid) for pid in pids)
    sink.stop()
    assert done, "the backlog did not drain"
    return messages / elapsed, cpu * 1000 / messages


def backlog_over_time(app, folder, templates, rate: float, seconds: int) -> None:
    """One worker while a writer queues `rate` messages a second: the backlog every 2 s."""
    sink = SmtpSink(folder)
    point_at(app, sink)
    with app.app_context():
        empty_outbox()
        db.session.remove()
    pid = fork_worker(app)
    stop, written = threading.Event(), [0]

    def writer():
        with app.app_context():
            started = time.monotonic()
            while not stop.is_set():
                due = int((time.monotonic() - started) * rate) - written[0]
                if due:
                    queue_mail(templates, due)
                    written[0] += due
                time.sleep(0.05)
            db.session.remove()

    thread = threading.Thread(target=writer)
    thread.start()
    print(f"\nbacklog while a writer queues {rate:.0f} messages/s, one worker:")
    print("     s   written  delivered  backlog")
    started = time.monotonic()
    with app.app_context():
        while time.monotonic() - started < seconds:
            time.sleep(2)
            print(
                f"  {time.monotonic() - started:4.0f}  {written[0]:8d}  "
                f"{len(sink.received()):9d}  {backlog():7d}"
            )
        stop.set()
        thread.join()
        drained = wait_until(lambda: backlog() == 0, timeout=120)
        print(
            f"  writer stopped; backlog drained {'yes' if drained else 'NO'}, "
            f"{time.monotonic() - started - seconds:.1f} s later"
        )
        db.session.remove()
    kill(pid)
    sink.stop()


def duplicates_per_kills(app, folder, templates, kills: int) -> None:
    """kill -9 a busy worker at random moments `kills` times; then one more worker finishes."""
    sink = SmtpSink(folder)
    point_at(app, sink)
    total = kills * 25
    with app.app_context():
        empty_outbox()
        queue_mail(templates, total)
        db.session.remove()
    random.seed(15)
    started = time.perf_counter()
    for _ in range(kills):
        pid = fork_worker(app)
        time.sleep(random.uniform(0.02, 0.4))  # noqa: S311 - a bench's dice
        kill(pid)
    during = len(sink.received())
    kill_seconds = time.perf_counter() - started
    pid = fork_worker(app)
    done = wait_until(lambda: len(set(sink.received())) >= total, timeout=600)
    kill(pid)
    received = sink.received()
    sink.stop()
    doubled = len(received) - len(set(received))
    print(
        f"\nkills: {kills} kill -9 at random moments over {kill_seconds:.0f} s, "
        f"{during} messages delivered meanwhile; all {total} delivered afterwards: "
        f"{'yes' if done else 'NO'}"
    )
    print(
        f"duplicates: {doubled} ({doubled * 1000 / kills:.1f} per thousand kills, "
        f"{doubled * 1000 / max(len(received), 1):.2f} per thousand messages)"
    )


def claim_times(app, user_id: int, sent: int) -> tuple[float, float]:
    """p50 of claiming the same batch of due rows, without and then with `sent` sent rows."""
    with app.app_context():
        empty_outbox()
        now = utcnow()
        queue(user_id, 10)
        empty = _claim_p50(now)
        for offset in range(0, sent, BATCH):
            db.session.execute(
                insert(OutboxMessage),
                [
                    row(user_id, next(_serial), OutboxStatus.SENT, now)
                    for _ in range(min(BATCH, sent - offset))
                ],
            )
            db.session.commit()
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text("ANALYZE outbox"))
            db.session.commit()
        return empty, _claim_p50(now)


def _claim_p50(now) -> float:
    times = []
    for _ in range(20):
        db.session.execute(
            text(
                "UPDATE outbox SET next_attempt_at = :now, claimed_by = NULL "
                "WHERE status = 'pending'"
            ),
            {"now": now},
        )
        db.session.commit()
        started = time.perf_counter()
        claimed = claim_due(db.session, now + timedelta(seconds=1), new_claim_token(), 10)
        times.append((time.perf_counter() - started) * 1000)
        assert len(claimed) == 10
    return p50(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default=None)
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--invoices", type=int, default=60, help="invoices of the mail backlog")
    parser.add_argument("--show-sql", action="store_true", help="the statements per message")
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--rate", type=float, default=70)
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--kills", type=int, default=1000)
    parser.add_argument("--sent", type=int, default=1_000_000)
    args = parser.parse_args()
    quiet()
    with (
        tempfile.TemporaryDirectory(prefix="invoiceflow_outbox_") as tmp,
        bench_app(args.db, "outbox") as (app, url),
    ):
        folder = Path(tmp)
        app.config.update(OUTBOX_LEASE_SECONDS=LEASE_SECONDS, WORKER_INTERVAL_SECONDS=0.2)
        ids = setup_database(app, {**DECISION_USERS, "anna": roles.APPROVER})
        user_id, templates = ids["anna"], decision_mail(app, ids, args.invoices)
        kinds = Counter(str(row["kind"]) for row in templates)
        batch = app.config["OUTBOX_BATCH_SIZE"]
        print(
            f"database: {url.split(':')[0]}   load average: {load_average()}   "
            f"batch {batch}, lease {LEASE_SECONDS} s"
        )
        print(f"the mail: {len(templates)} messages in turn ({dict(kinds)})")
        print_costs(cost_per_message(app, folder, templates, args.messages), batch, args.show_sql)
        for workers in map(int, args.workers.split(",")):
            rate, cpu = drain_rate(app, folder, templates, workers, args.messages)
            print(
                f"delivery, {workers} worker(s), local SMTP: {rate:7.1f} messages/s   "
                f"({cpu:.2f} CPU ms per message in the workers; target >= 80/s for one)"
            )
        if args.seconds:
            backlog_over_time(app, folder, templates, args.rate, args.seconds)
        if args.kills:
            duplicates_per_kills(app, folder, templates, args.kills)
        if args.sent:
            empty, full = claim_times(app, user_id, args.sent)
            print(
                f"\nclaim of 10 due rows, p50: {empty:6.2f} ms with no sent rows, "
                f"{full:6.2f} ms with {args.sent:,} sent rows"
            )
        print(f"load average at the end: {load_average()}")


if __name__ == "__main__":
    main()

"""Benchmark: diagrams that ask for too much, checked and then forced into the database.

    cd /work/main && .venv/bin/python bench/hostile.py
    .venv/bin/python bench/hostile.py --db postgresql+psycopg://postgres@127.0.0.1:5432/postgres

Builds a fresh database (a SQLite file by default) with the roles and the real process, then for
each hostile diagram of tests/workflow/hostile.py (the default process with one hostile edit):

1. the check: app.workflow.lint.lint(xml, roles) as "Save and check" calls it; how long it took,
   the peak of Python memory it allocated (tracemalloc), and whether it refused the diagram;
2. the action: the diagram written straight into the database as the current version (as if
   the check had been bypassed), then an invoice submitted through the submit service; how long
   the submit took, its Python memory peak, the longest pause another thread of the server saw
   meanwhile (a heartbeat every 10 ms: the diagram's code must not hold the interpreter), and
   how it ended (refused at run time with the message's start, or run).

Then the peak resident memory of this process and of the sandbox processes that were stopped.
Figures only: nothing is asserted. Not a test: pytest never collects it.
"""

from __future__ import annotations

import argparse
import resource
import sys
import threading
import time
import tracemalloc
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select, update  # noqa: E402

from app.errors import InvoiceFlowError  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import HumanTask, Invoice, ProcessVersion  # noqa: E402
from app.role_defaults import seed_roles  # noqa: E402
from app.services.process_versions import seed_process_versions  # noqa: E402
from app.services.publish_process import existing_roles  # noqa: E402
from app.workflow.definitions import forget_definitions, sha256_of  # noqa: E402
from app.workflow.lint import has_errors, lint  # noqa: E402
from bench.common import PROCESSES_DIR, bench_app, load_average, quiet, shown_url  # noqa: E402
from tests.factories import Factories  # noqa: E402
from tests.workflow import hostile  # noqa: E402
from tests.workflow.scenario import Scenario  # noqa: E402

CASES = {
    "default diagram (for comparison)": hostile.DEFAULT,
    "2**(10**9) in a script": hostile.POWER,
    "2 ** (amount * 10**8), from data": hostile.POWER_FROM_DATA,
    "len('a' * 10**10)": hostile.REPETITION,
    "'a' * (amount * 10**9), from data": hostile.REPETITION_FROM_DATA,
    "parallel multi-instance x 100,000": hostile.CARDINALITY,
    "multi-instance x amount * 10**7, from data": hostile.CARDINALITY_FROM_DATA,
    "call activity calling its own process": hostile.SELF_CALL,
    "reminder R/PT1S": hostile.EVERY_SECOND,
    "reminder R300/PT1S, from data": hostile.EVERY_SECOND_FROM_DATA,
    "nested lists printed (2**40 items)": hostile.CPU_BURNER,
    "1 MB, 7,000 script tasks": hostile.huge_diagram(),
    "parallel splits in a row (3 ** 10 paths)": hostile.SPLITS_IN_A_ROW,
    "1 MB, 1,990 elements (the limit)": hostile.largest_diagram(),
}


class Heartbeat:
    """Another thread of the server: how long it ever waited for the interpreter."""

    def __init__(self, every: float = 0.01):
        self.every, self.longest, self._stop = every, 0.0, threading.Event()
        self._thread = threading.Thread(target=self._beat, daemon=True)

    def _beat(self):
        last = time.perf_counter()
        while not self._stop.wait(self.every):
            now = time.perf_counter()
            self.longest = max(self.longest, now - last - self.every)
            last = now

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@contextmanager
def measured(traced: bool):
    """Yields a dict filled on exit with seconds and memory: with `traced`, the peak of Python
    allocations (tracemalloc, which slows Python code down); otherwise how far the process's
    peak resident memory rose (0 when it stayed below an earlier peak)."""
    figures, before = {}, peak_rss_mb()
    if traced:
        tracemalloc.start()
    started = time.perf_counter()
    try:
        yield figures
    finally:
        figures["seconds"] = time.perf_counter() - started
        if traced:
            figures["peak_mb"] = tracemalloc.get_traced_memory()[1] / 2**20
            tracemalloc.stop()
        else:
            figures["peak_mb"] = peak_rss_mb() - before


def check(app, xml: str) -> tuple[dict, str]:
    with app.test_request_context():
        roles = existing_roles(db.session)
        with measured(traced=False) as figures:
            problems = lint(xml, roles, "invoice_approval")
        with measured(traced=True) as traced:  # again, for its allocations
            lint(xml, roles, "invoice_approval")
        figures["peak_mb"] = traced["peak_mb"]
        db.session.remove()
    errors = [p for p in problems if p.severity == "error"]
    verdict = f"refused: {errors[0].message[:60]}" if has_errors(problems) else "accepted"
    return figures, verdict


def force(app, xml: str) -> None:
    """The diagram as the current version, written straight into the table."""
    with app.app_context():
        version = db.session.scalar(select(func.max(ProcessVersion.version))) + 1
        db.session.execute(update(ProcessVersion).values(is_current=False))
        db.session.add(
            ProcessVersion(
                process_id="invoice_approval",
                version=version,
                bpmn_xml=xml,
                sha256=sha256_of(xml),
                is_current=True,
                note="forced",
            )
        )
        db.session.commit()
        db.session.remove()
    forget_definitions()


def submit(app, case: Scenario) -> tuple[dict, float, str]:
    with Heartbeat() as heartbeat, measured(traced=False) as figures:
        try:
            case.submit()
            outcome = "ran"
        except InvoiceFlowError as exc:
            outcome = f"refused: {str(exc).removeprefix('The process could not continue: ')[:60]}"
    with app.app_context():
        status = db.session.get(Invoice, case.invoice_id).status
        tasks = db.session.scalar(
            select(func.count()).where(HumanTask.invoice_id == case.invoice_id)
        )
        db.session.remove()
    if outcome != "ran":
        outcome += f" (status {status}, {tasks} tasks)"
    return figures, heartbeat.longest, outcome


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="a PostgreSQL URL (default: a SQLite file)")
    args = parser.parse_args()
    quiet()
    with bench_app(args.db, "hostile") as (app, url):
        with app.app_context():
            db.create_all()
            seed_roles(app.appbuilder)
            seed_process_versions(db.session, PROCESSES_DIR)
            db.session.remove()
        print(f"database: {shown_url(url)}   load average: {load_average()}")
        make, first = Factories(app), None
        rows = []
        for name, xml in CASES.items():
            checked, verdict = check(app, xml)
            force(app, xml)
            case = Scenario(app, make, approvers=1) if first is None else None
            case = case or Scenario.with_people(first, make)
            first = first or case
            acted, pause, outcome = submit(app, case)
            rows.append((name, len(xml), checked, verdict, acted, pause, outcome))
        print_table(rows)
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"\npeak resident memory: this process {own:.0f} MB, ", end="")
    print(f"the largest sandbox process that was stopped {children:.0f} MB")


def print_table(rows) -> None:
    print(
        "\ncheck: seconds, Python allocations' peak (MB); submit: seconds, rise of the peak "
        "resident memory (MB), longest pause of another thread (s)\n"
        f"{'case':<44} {'KB':>5}  {'check s':>7} {'MB':>5}  {'check says':<40}"
        f"  {'submit s':>8} {'MB':>5} {'pause s':>7}  at run time"
    )
    for name, size, checked, verdict, acted, pause, outcome in rows:
        print(
            f"{name:<44} {size // 1024:>5}  {checked['seconds']:>7.3f} {checked['peak_mb']:>5.1f}"
            f"  {verdict[:40]:<40}  {acted['seconds']:>8.3f} {acted['peak_mb']:>5.1f}"
            f" {pause:>7.3f}  {outcome}"
        )


if __name__ == "__main__":
    main()

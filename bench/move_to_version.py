"""Benchmark: the move screen and moving running invoices to a new version.

    cd /work/main && .venv/bin/python bench/move_to_version.py [--invoices 200]
    .venv/bin/python bench/move_to_version.py --db postgresql+psycopg://postgres@127.0.0.1:5432/postgres

Builds a fresh database with the default process, submits N invoices (two approvers; every
third has its first approval), publishes the default process with an added stage (the tests'
WITH_ACCOUNTING_CHECK), then times, as the administrator:
1. the move screen's overview (every running invoice diffed and moved in memory, nothing saved);
2. moving them all (one transaction).
Wall-clock and CPU time are printed: the machine is shared, so wall time is noisy.
Not a test: pytest never collects it.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import roles  # noqa: E402
from app.extensions import db  # noqa: E402
from app.role_defaults import seed_roles  # noqa: E402
from app.services.complete_task import decide  # noqa: E402
from app.services.move_to_version import move_overview, move_to_version  # noqa: E402
from app.services.process_versions import seed_process_versions  # noqa: E402
from app.services.submit_invoice import submit_invoice  # noqa: E402
from bench.common import bench_app, quiet, shown_url  # noqa: E402
from tests.factories import Factories  # noqa: E402
from tests.running_changes.diagrams import WITH_ACCOUNTING_CHECK  # noqa: E402
from tests.workflow.scenario import force_current_version, policy  # noqa: E402


def timed(action):
    wall, cpu = time.perf_counter(), time.process_time()
    result = action()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def seed(app, count: int) -> tuple[int, int]:
    with app.app_context():
        db.create_all()
        seed_roles(app.appbuilder)
        seed_process_versions(db.session, app.config["PROCESSES_DIR"])
        db.session.commit()
        db.session.remove()
    make = Factories(app)
    ivan = make.user("ivan", roles.INITIATOR)
    anna, boris = make.user("anna", roles.APPROVER), make.user("boris", roles.APPROVER)
    adam = make.user("adam", roles.ADMIN)
    party = make.counterparty()
    with app.test_request_context():
        sm = app.appbuilder.sm
        for n in range(count):
            invoice = make.invoice(ivan, party, approvers=[anna, boris])
            submit_invoice(db.session, sm.get_user_by_id(ivan), invoice, policy())
            if n % 3 == 0:
                task = db.session.execute(
                    db.text(
                        "SELECT task_guid FROM human_task WHERE invoice_id=:i AND status='open'"
                    ),
                    {"i": invoice},
                ).scalar()
                decide(db.session, sm.get_user_by_id(anna), task, "approve", "")
        db.session.remove()
    force_current_version(app, WITH_ACCOUNTING_CHECK, "with an accounting check")
    with app.app_context():
        version = db.session.execute(db.text("SELECT max(id) FROM process_version")).scalar()
        db.session.remove()
    return adam, version


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default=None)
    parser.add_argument("--invoices", type=int, default=200)
    args = parser.parse_args()
    quiet()
    with bench_app(args.db, "move") as (app, url):
        print(f"database: {shown_url(url)}; running invoices: {args.invoices}")
        adam, version = seed(app, args.invoices)
        with app.test_request_context():
            actor = app.appbuilder.sm.get_user_by_id(adam)
            overview, wall, cpu = timed(lambda: move_overview(db.session, actor, version))
            db.session.rollback()
            n = len(overview.rows)
            print(
                f"overview: {n} invoices, {len(overview.movable)} movable: "
                f"{wall * 1000:.0f} ms wall, {cpu * 1000:.0f} ms CPU "
                f"({wall * 1000 / n:.1f} ms wall per invoice)"
            )
            moved, wall, cpu = timed(lambda: move_to_version(db.session, actor, version))
            print(
                f"move all: {len(moved)} invoices in one transaction: "
                f"{wall * 1000:.0f} ms wall, {cpu * 1000:.0f} ms CPU "
                f"({wall * 1000 / len(moved):.1f} ms wall per invoice)"
            )
            db.session.remove()


if __name__ == "__main__":
    main()

"""Where a request's CPU goes: cProfile over decisions, card pages, My tasks and the list.

    cd /work/main && .venv/bin/python bench/profile_requests.py
    .venv/bin/python bench/profile_requests.py --db sqlite --requests 50 --top 40

In-process with Flask's test client (the "test" config; a fresh PostgreSQL database by
default), signed in as an approver with a session: --requests form decisions (one fresh task
each), then as many GETs of an invoice card, My tasks and the invoice list. Prints, per kind,
the CPU ms per request and the functions with the most cumulative time, so that per-request
permission and menu work, template rendering, the diagram, audit hashing and SQLAlchemy show
up by name. Not a test (the file is not named test_*).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.extensions import db  # noqa: E402
from app.models import HumanTask  # noqa: E402
from bench.common import bench_app, login_page_client, quiet, shown_url  # noqa: E402
from bench.decision import (  # noqa: E402
    APPROVER,
    DECISION_USERS,
    prepare_tasks,
    setup_database,
)

PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def invoice_of(app, guid: str) -> int:
    with app.app_context():
        found = db.session.query(HumanTask.invoice_id).filter_by(task_guid=guid).scalar()
        db.session.remove()
    return found


def profile(label: str, calls, top: int, sort: str) -> None:
    profiler = cProfile.Profile()
    cpu, wall = time.process_time(), time.perf_counter()
    profiler.enable()
    for call in calls:
        response = call()
        if response.status_code >= 400:
            raise RuntimeError(f"{label}: HTTP {response.status_code}")
    profiler.disable()
    n = len(calls)
    cpu_ms = (time.process_time() - cpu) * 1000 / n
    wall_ms = (time.perf_counter() - wall) * 1000 / n
    print(f"\n=== {label}: {n} requests, {cpu_ms:.1f} ms CPU / {wall_ms:.1f} ms wall each ===")
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats(sort).print_stats(top)
    body = out.getvalue()
    print(body[body.find("   ncalls") :])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default=PG, help="base URL, or 'sqlite' for a SQLite file")
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--top", type=int, default=35)
    parser.add_argument(
        "--sort", default="cumulative", help="pstats sort key (cumulative, tottime)"
    )
    args = parser.parse_args(argv)
    quiet()
    base = None if args.db == "sqlite" else args.db
    with bench_app(base, name="profile") as (app, url):
        print(f"Database: {shown_url(url)}")
        ids = setup_database(app, DECISION_USERS)
        guids = prepare_tasks(app, ids, args.requests + 5)
        client, _ = login_page_client(app, APPROVER, probe="/tasks/")
        form = {"decision": "approve", "comment": "Checked against the contract."}
        for guid in guids[:5]:  # warm-up: caches, compiled statements
            client.post(f"/tasks/{guid}/decision", data=form)
        decided = guids[5:]
        card = f"/invoices/show/{invoice_of(app, decided[0])}"
        for path in (card, "/tasks/", "/invoices/list/"):
            client.get(path)
        n = args.requests
        clean = client.get_cookie("session").value

        def decide(guid):
            # As a browser that follows the redirect: the next page drops the flashed message,
            # so the session cookie does not grow by one message per decision.
            client.set_cookie("session", clean)
            return client.post(f"/tasks/{guid}/decision", data=form)

        profile(
            "decision (form POST)",
            [lambda g=g: decide(g) for g in decided],
            args.top,
            args.sort,
        )
        for label, path in (
            ("invoice card", card),
            ("My tasks", "/tasks/"),
            ("list", "/invoices/list/"),
        ):
            profile(label, [lambda p=path: client.get(p)] * n, args.top, args.sort)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Where a request's CPU goes: cProfile over decisions, card pages, My tasks and the list.

    cd /work/main && .venv/bin/python bench/profile_requests.py
    .venv/bin/python bench/profile_requests.py --db sqlite --requests 50 --top 40
    .venv/bin/python bench/profile_requests.py --kinds form,api --rounds 5
    .venv/bin/python bench/profile_requests.py --kinds card,mine,list --waiting 30

In-process with Flask's test client (the "test" config; a fresh PostgreSQL database by
default), signed in as an approver (a session for the form, a JWT for the API): --requests
decisions per round (one fresh task each), then as many GETs of an invoice card, My tasks and
the invoice list (--waiting: that many more tasks stay open for the approver, rows of My tasks
as a busy approver sees it). Prints, per kind, the CPU ms per request without the profiler
(best of --rounds rounds: the machine is shared, and CPU time, unlike wall time, barely
depends on what else runs), then one profiled round with a CPU-time clock, whose functions
with the most cumulative time name per-request permission and menu work, template rendering,
the diagram, audit hashing and SQLAlchemy. Not a test (the file is not named test_*).
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
from bench.common import (  # noqa: E402
    bench_app,
    login_api_client,
    login_page_client,
    quiet,
    shown_url,
)
from bench.decision import (  # noqa: E402
    APPROVER,
    DECISION_USERS,
    prepare_tasks,
    setup_database,
)

PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
KINDS = ("form", "api", "card", "mine", "list")
FORM = {"decision": "approve", "comment": "Checked against the contract."}
WARMUPS = 5


def invoice_of(app, guid: str) -> int:
    with app.app_context():
        found = db.session.query(HumanTask.invoice_id).filter_by(task_guid=guid).scalar()
        db.session.remove()
    return found


def cpu_ms_per_request(calls) -> float:
    started = time.process_time()
    for call in calls:
        response = call()
        if response.status_code >= 400:
            raise RuntimeError(f"HTTP {response.status_code}")
    return (time.process_time() - started) * 1000 / len(calls)


def profile(label: str, calls, best_ms: float, top: int, sort: str) -> None:
    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    profiled_ms = cpu_ms_per_request(calls)
    profiler.disable()
    print(
        f"\n=== {label}: {best_ms:.2f} ms CPU per request (best round, no profiler); "
        f"{profiled_ms:.1f} ms under the profiler, {len(calls)} requests ==="
    )
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats(sort).print_stats(top)
    body = out.getvalue()
    print(body[body.find("   ncalls") :])


class Requests:
    """The calls of each kind: decisions take a fresh task each, reads repeat one page."""

    def __init__(self, app, guids: list[str]):
        self.guids = list(guids)
        self.page, _ = login_page_client(app, APPROVER, probe="/tasks/")
        self.api, self.headers = login_api_client(app, APPROVER)
        self.clean = None
        for _ in range(WARMUPS):  # caches, compiled statements
            self.form_decision(self.guids.pop())()
            self.api_decision(self.guids.pop())()
        self.card_path = f"/invoices/show/{invoice_of(app, self.guids[-1])}"
        self.clean = self.page.get_cookie("session").value

    def form_decision(self, guid: str):
        def call():
            # As a browser that follows the redirect: the next page drops the flashed message,
            # so the session cookie does not grow by one message per decision.
            if self.clean:
                self.page.set_cookie("session", self.clean)
            return self.page.post(f"/tasks/{guid}/decision", data=FORM)

        return call

    def api_decision(self, guid: str):
        path = f"/api/v1/tasks/{guid}/decision"
        return lambda: self.api.post(path, json=FORM, headers=self.headers)

    def batch(self, kind: str, n: int) -> list:
        if kind == "form":
            return [self.form_decision(self.guids.pop()) for _ in range(n)]
        if kind == "api":
            return [self.api_decision(self.guids.pop()) for _ in range(n)]
        path = {"card": self.card_path, "mine": "/tasks/", "list": "/invoices/list/"}[kind]
        return [lambda: self.page.get(path)] * n


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default=PG, help="base URL, or 'sqlite' for a SQLite file")
    parser.add_argument("--requests", type=int, default=40, help="requests per round")
    parser.add_argument("--rounds", type=int, default=3, help="unprofiled rounds, best kept")
    parser.add_argument(
        "--kinds", default=",".join(KINDS), help="comma-separated: " + ",".join(KINDS)
    )
    parser.add_argument(
        "--waiting", type=int, default=0, help="more open tasks on the approver's My tasks"
    )
    parser.add_argument("--top", type=int, default=35)
    parser.add_argument("--no-profile", action="store_true", help="CPU ms per request only")
    parser.add_argument(
        "--sort", default="cumulative", help="pstats sort key (cumulative, tottime)"
    )
    args = parser.parse_args(argv)
    quiet()
    kinds = [k.strip() for k in args.kinds.split(",") if k.strip()]
    decisions = sum(k in ("form", "api") for k in kinds)
    base = None if args.db == "sqlite" else args.db
    with bench_app(base, name="profile") as (app, url):
        print(f"Database: {shown_url(url)}")
        ids = setup_database(app, DECISION_USERS)
        per_kind = args.requests * (args.rounds + (0 if args.no_profile else 1))
        guids = prepare_tasks(app, ids, per_kind * decisions + 2 * WARMUPS + 1 + args.waiting)
        requests = Requests(app, guids)
        best = {
            kind: min(
                cpu_ms_per_request(requests.batch(kind, args.requests)) for _ in range(args.rounds)
            )
            for kind in kinds
        }
        for kind in kinds:
            print(
                f"{kind:<6} {best[kind]:6.2f} ms CPU per request (best of {args.rounds} rounds "
                f"of {args.requests})"
            )
        if not args.no_profile:
            for kind in kinds:
                profile(kind, requests.batch(kind, args.requests), best[kind], args.top, args.sort)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark: exporting the invoice list (CSV and XLSX) over 10,000 invoices.

    cd /work/main && .venv/bin/python bench/export.py
    .venv/bin/python bench/export.py --invoices 50000 --runs 3 \
        --db postgresql+psycopg://postgres@127.0.0.1:5432/test

Seeds a fresh database with bench/invoice_list.py's seeding (invoices, counterparties, process
rows and human tasks: holders and waiting times are real joins), signs in, then downloads each
export through Flask's test client, reading the whole file, and prints the median time, the
rows and bytes it held and the SQL statements it sent. The goal: 10,000 rows in under 3 s.

Not a test: pytest never collects it (the file is not named test_*).
"""

from __future__ import annotations

import argparse
import io
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (  # noqa: E402
    SqlRecorder,
    bench_app,
    load_average,
    login_page_client,
    p50,
    quiet,
    shown_url,
    span,
)
from bench.invoice_list import seed  # noqa: E402

TARGET_SECONDS = 3.0
VIEW = "InvoiceView"
# (label, who, url): the finance director sees every invoice; an initiator about a quarter.
SCENARIOS = [
    ("CSV, every invoice", "finance", "/invoices/export.csv"),
    ("XLSX, every invoice", "finance", "/invoices/export.xlsx"),
    (
        "CSV, by holder",
        "finance",
        f"/invoices/export.csv?_oc_{VIEW}=holder&_od_{VIEW}=asc",
    ),
    ("XLSX, overdue only", "finance", "/invoices/export.xlsx?overdue=1"),
    ("CSV, an initiator's own", "initiator", "/invoices/export.csv"),
    (
        "list page, by waiting since",
        "finance",
        f"/invoices/list/?_oc_{VIEW}=waiting_since&_od_{VIEW}=asc",
    ),
]


def rows_in(url: str, body: bytes) -> int:
    if ".xlsx" in url:
        import openpyxl  # noqa: PLC0415 - only to count what the file holds

        sheet = openpyxl.load_workbook(io.BytesIO(body), read_only=True).active
        return sum(1 for _row in sheet.iter_rows()) - 1
    if ".csv" in url:
        return body.count(b"\r\n") - 1
    return body.count(b'data-test="invoice-row"')


def measure(app, recorder: SqlRecorder, client, url: str, runs: int):
    client.get(url).get_data()  # warm: caches, the compiled statements
    times, cpu, statements = [], [], []
    body = b""
    for _ in range(runs):
        with recorder.recording() as sent:
            started, started_cpu = time.perf_counter(), time.process_time()
            response = client.get(url)
            body = response.get_data()
            times.append(time.perf_counter() - started)
            cpu.append(time.process_time() - started_cpu)
        if response.status_code != 200:
            raise RuntimeError(f"{url}: {response.status_code} {body[:200]!r}")
        statements.append(len(sent))
    return times, cpu, statements, body


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--invoices", type=int, default=10_000)
    parser.add_argument("--counterparties", type=int, default=500)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--db", help="a PostgreSQL URL (default: a SQLite file)")
    args = parser.parse_args()
    quiet()
    with bench_app(args.db, "export") as (app, url):
        app.config["EXPORT_MAX_ROWS"] = max(app.config["EXPORT_MAX_ROWS"], args.invoices)
        started = time.perf_counter()
        seed(app, args.invoices, args.counterparties, run_analyze=True)
        print(f"database: {shown_url(url)}")
        print(f"seeded {args.invoices} invoices in {time.perf_counter() - started:.1f} s")
        print(f"load average: {load_average()}; {args.runs} runs each, medians\n")
        recorder = SqlRecorder()
        with app.app_context():
            from app.extensions import db  # noqa: PLC0415 - the engine of this app

            recorder.attach(db.engine)
        clients = {who: login_page_client(app, who)[0] for who in ("finance", "initiator")}
        # Wall time is what a person waits; CPU time (this process) shows the cost on a machine
        # other work shares.
        print(f"{'scenario':<30} {'median':>8} {'CPU':>7} {'rows':>7} {'size':>9} {'SQL':>5}  goal")
        for label, who, path in SCENARIOS:
            times, cpu, statements, body = measure(app, recorder, clients[who], path, args.runs)
            median = p50(times)
            goal = "ok" if median < TARGET_SECONDS else f"over {TARGET_SECONDS:.0f} s"
            print(
                f"{label:<30} {median:>7.2f}s {p50(cpu):>6.2f}s {rows_in(path, body):>7} "
                f"{len(body) / 1024:>7.0f}kB {span(statements):>5}  {goal}"
            )


if __name__ == "__main__":
    main()

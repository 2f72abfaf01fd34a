"""Benchmark: exporting the invoice list (CSV and XLSX) over 10,000 invoices.

    cd /work/main && .venv/bin/python bench/export.py
    .venv/bin/python bench/export.py --invoices 50000 --runs 3 \
        --db postgresql+psycopg://postgres@127.0.0.1:5432/test

Seeds a fresh database with bench/invoice_list.py's seeding (invoices, counterparties, process
rows and human tasks: holders and waiting times are real joins), signs in, then downloads each
export through Flask's test client, reading the whole file, and prints the median time, the
rows and bytes it held and the SQL statements it sent. The goal: 10,000 rows in under 3 s.

First it compares the two XLSX writers on the same rows in memory (no database, no web): the
app's XlsxWriter in constant_memory mode against openpyxl's write-only mode (what the export used
before), wall and CPU time. The machine is shared: wall times are noisy, CPU times less so.

Not a test: pytest never collects it (the file is not named test_*).
"""

from __future__ import annotations

import argparse
import io
import sys
import time
from datetime import date, datetime, timedelta
from decimal import Decimal
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


def sample_rows(count: int):
    """`count` list rows as the database gives them, without the database."""
    from app.services.invoice_list import InvoiceRow  # noqa: PLC0415 - after sys.path

    started = datetime(2026, 11, 2, 9, 30)
    for n in range(count):
        yield InvoiceRow(
            n, 1000 + n, date(2026, 10, 1) + timedelta(days=n % 30),
            f"Counterparty {n % 500} LLC", Decimal("12345.67") + n, "RUB", "in_approval",
            "Approval", f"Approver {n % 40}", True, started + timedelta(minutes=n),
            date(2026, 12, 1), f"Initiator {n % 60}", False, {"ru": "Согласование"},
        )  # fmt: skip


def openpyxl_write_only(rows, count, target, title, reader) -> None:
    """The export's former writer, kept here to compare against: openpyxl, write-only mode."""
    from openpyxl import Workbook  # noqa: PLC0415 - only for the comparison
    from openpyxl.cell import WriteOnlyCell  # noqa: PLC0415

    from app.services import invoice_export as export  # noqa: PLC0415

    formats = {14: "mm-dd-yy", 22: "m/d/yy h:mm"}
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=title)
    sheet.freeze_panes = "A2"
    sheet.append(export.headings(reader))
    statuses = export.status_labels()

    def cell(value, currency):
        if isinstance(value, Decimal):
            number_format = export.XLSX_AMOUNT[2]
        elif isinstance(value, datetime):
            number_format = formats[export.XLSX_DATETIME]
        elif isinstance(value, date):
            number_format = formats[export.XLSX_DATE]
        else:
            return value
        styled = WriteOnlyCell(sheet, value=value)
        styled.number_format = number_format
        return styled

    for row in rows:
        sheet.append([cell(value, row.currency) for value in export.cells(row, statuses, reader)])
    book.save(target)


def compare_writers(app, count: int, runs: int) -> None:
    from app.services.invoice_export import Reader, write_xlsx  # noqa: PLC0415

    reader = Reader("en", "Europe/Moscow")
    writers = [
        ("XlsxWriter constant_memory", write_xlsx),
        ("openpyxl write-only", openpyxl_write_only),
    ]
    print(f"XLSX writers, {count} rows in memory, {runs} runs each, medians")
    print(f"{'writer':<30} {'median':>8} {'CPU':>7} {'size':>9}")
    with app.test_request_context():
        for label, write in writers:
            times, cpu, size = [], [], 0
            for _ in range(runs):
                target = io.BytesIO()
                started, started_cpu = time.perf_counter(), time.process_time()
                write(sample_rows(count), count, target, "Invoices", reader)
                times.append(time.perf_counter() - started)
                cpu.append(time.process_time() - started_cpu)
                size = len(target.getvalue())
            print(f"{label:<30} {p50(times):>7.2f}s {p50(cpu):>6.2f}s {size / 1024:>7.0f}kB")
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--invoices", type=int, default=10_000)
    parser.add_argument("--counterparties", type=int, default=500)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--db", help="a PostgreSQL URL (default: a SQLite file)")
    args = parser.parse_args()
    quiet()
    with bench_app(args.db, "export") as (app, url):
        compare_writers(app, args.invoices, args.runs)
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

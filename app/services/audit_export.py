"""Export of an audit search: the events it matches (every page) as CSV or XLSX, through the
invoice export's helpers: the same formula neutralisation, the same XLSX cell writer and options,
times on the reader's clock."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import BinaryIO

import xlsxwriter
from sqlalchemy.orm import Session

from app.domain.time_zones import in_zone
from app.i18n import _
from app.services.audit_search import AuditQuery, AuditRow, count_audit, each_event
from app.services.invoice_export import (
    XLSX_OPTIONS,
    ExportTooLargeError,
    Reader,
    _CellWriter,
    _sheet_title,
    _take,
    neutralised,
)

CSV_BATCH_ROWS = 500
COLUMNS = (
    ("created_at", _("Time")),
    ("actor", _("Who")),
    ("action", _("Action")),
    ("invoice_number", _("Invoice")),
    ("chain", _("Chain")),
    ("sequence", _("No. in the chain")),
    ("details", _("Details")),
    ("hash", _("Hash")),
)
XLSX_WIDTHS = (18, 30, 30, 10, 16, 10, 60, 66)


@dataclass(frozen=True)
class AuditExport:
    count: int
    rows: Iterator[AuditRow]


def start_audit_export(session: Session, actor, query: AuditQuery, max_rows: int) -> AuditExport:
    """The events the search matches, newest first. Raises PermissionDeniedError (403) and
    ExportTooLargeError (422) when there are more than `max_rows`."""
    count = count_audit(session, actor, query)
    if count > max_rows:
        raise ExportTooLargeError(
            _(
                "The search matches %(count)s events; an export holds at most %(limit)s. "
                "Narrow it (for example by period) and export again.",
                count=count,
                limit=max_rows,
            )
        )
    return AuditExport(count, each_event(session, actor, query, max_rows))


def audit_file_name(today: date, extension: str) -> str:
    return f"audit-{today.isoformat()}.{extension}"


def headings(reader: Reader) -> list[str]:
    return [
        f"{label} ({reader.time_zone})" if key == "created_at" else str(label)
        for key, label in COLUMNS
    ]


def cells(row: AuditRow, actions: Mapping[str, object], reader: Reader) -> list:
    """The row's values in COLUMNS' order, text neutralised, the time on the reader's clock."""
    values = [
        in_zone(row.created_at, reader.time_zone).replace(tzinfo=None, microsecond=0),
        row.actor_name,
        str(actions.get(row.action, row.action)),
        row.invoice_number,
        row.chain,
        row.sequence,
        json.dumps(row.details, ensure_ascii=False, sort_keys=True),
        row.hash,
    ]
    return [neutralised(value) for value in values]


def audit_csv_chunks(
    rows: Iterator[AuditRow], delimiter: str, actions: Mapping[str, object], reader: Reader
) -> Iterator[bytes]:
    """UTF-8 with a byte order mark, a heading line, then the rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow([neutralised(heading) for heading in headings(reader)])
    yield ("\ufeff" + _take(buffer)).encode("utf-8")
    for n, row in enumerate(rows, start=1):
        writer.writerow(_csv_text(value) for value in cells(row, actions, reader))
        if n % CSV_BATCH_ROWS == 0:
            yield _take(buffer).encode("utf-8")
    yield _take(buffer).encode("utf-8")


def _csv_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return str(value)


def write_audit_xlsx(
    rows: Iterator[AuditRow],
    count: int,
    target: BinaryIO,
    title: str,
    actions: Mapping[str, object],
    reader: Reader,
) -> None:
    """One sheet: the heading row frozen, a filter over the rows, every text written as text."""
    book = xlsxwriter.Workbook(target, XLSX_OPTIONS)
    sheet = book.add_worksheet(_sheet_title(title))
    for index, width in enumerate(XLSX_WIDTHS):
        sheet.set_column(index, index, width)
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, count, len(COLUMNS) - 1)
    bold = book.add_format({"bold": True})
    for column, heading in enumerate(headings(reader)):
        sheet.write_string(0, column, heading, bold)
    write = _CellWriter(book, sheet)
    for number, row in enumerate(rows, start=1):
        for column, value in enumerate(cells(row, actions, reader)):
            write(number, column, value, "")
    book.close()

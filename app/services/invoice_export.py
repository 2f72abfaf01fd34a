"""Export of the invoice list: the rows its filter shows on every page, as CSV or XLSX.

Rows are read from the database in batches and written as they come (openpyxl's write-only
mode keeps a workbook's memory flat). Both formats hold the same cells: numbers and amounts as
numbers (with the currency column beside), dates as dates, text made safe from spreadsheet
formulas by neutralised(), the one function both writers call.
"""

from __future__ import annotations

import csv
import functools
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import BinaryIO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from sqlalchemy.orm import Session

from app.domain.labels import status_label
from app.domain.money import CurrencyError, minor_units, plain_amount
from app.domain.time_zones import in_zone
from app.errors import InvoiceFlowError
from app.i18n import _
from app.models import InvoiceStatus
from app.services.invoice_filter import InvoiceFilter
from app.services.invoice_list import (
    COLUMNS,
    InvoiceRow,
    Narrow,
    Order,
    count_invoices,
    each_invoice,
)
from app.services.stage_names import stage_in

# A spreadsheet runs a cell starting with one of these as a formula (tab and carriage return:
# some programs drop them, then run what follows).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_BATCH_ROWS = 500
# Excel's built-in formats 14 and 22 show a date (a date and time) the way the reader's
# computer writes dates: 01.12.2026 in Russian, 12/1/2026 in American English.
XLSX_DATE = "mm-dd-yy"
XLSX_DATETIME = "m/d/yy h:mm"
XLSX_AMOUNT = {0: "#,##0", 2: "#,##0.00", 3: "#,##0.000"}
XLSX_WIDTHS = {"counterparty_name": 36, "stage": 24, "holder": 24, "initiator": 24}


@dataclass(frozen=True)
class Reader:
    """Whose export it is: stages in their language, times on their clock."""

    language: str
    time_zone: str


class ExportTooLargeError(InvoiceFlowError):
    """The filter matches more rows than an export may hold (422)."""

    status_code = 422


def neutralised(value):
    """Text a spreadsheet would run as a formula, made plain text by a leading apostrophe.
    Numbers, dates and empty cells pass unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


@dataclass(frozen=True)
class Export:
    count: int
    rows: Iterator[InvoiceRow]


def start_export(
    session: Session,
    actor,
    criteria: InvoiceFilter,
    order: Order,
    today: date,
    max_rows: int,
    narrow: Narrow | None = None,
) -> Export:
    """The invoices the actor may see that the filter matches, in the list's order; raises
    ExportTooLargeError when there are more than `max_rows`."""
    count = count_invoices(session, actor, criteria, today, narrow)
    if count > max_rows:
        raise ExportTooLargeError(
            _(
                "The filter matches %(count)s invoices; an export holds at most %(limit)s. "
                "Narrow the filter (for example by due date) and export again.",
                count=count,
                limit=max_rows,
            )
        )
    return Export(count, each_invoice(session, actor, criteria, order, today, max_rows, narrow))


def export_file_name(today: date, extension: str) -> str:
    return f"invoices-{today.isoformat()}.{extension}"


def headings(reader: Reader) -> list[str]:
    """The list's column names; the time column names the reader's zone."""
    return [
        f"{label} ({reader.time_zone})" if key in _TIMES else str(label) for key, label in COLUMNS
    ]


_KEYS = tuple(key for key, _label in COLUMNS)
_STATUS_AT = _KEYS.index("status")
_STAGE_AT = _KEYS.index("stage")
_TIMES = frozenset({"waiting_since"})


def status_labels() -> dict[str, str]:
    """Each status's name in the reader's language, looked up once per export."""
    return {status.value: str(status_label(status)) for status in InvoiceStatus}


def cells(row: InvoiceRow, statuses: dict[str, str], reader: Reader) -> list:
    """The row's values in COLUMNS' order, as typed values; text already neutralised; times
    on the reader's wall clock."""
    values = [
        _on_clock(getattr(row, key), reader) if key in _TIMES else getattr(row, key)
        for key in _KEYS
    ]
    values[_STATUS_AT] = statuses.get(row.status, row.status)
    values[_STAGE_AT] = stage_in(reader.language, row.stage, row.stage_translations)
    return [neutralised(value) for value in values]


def _on_clock(moment: datetime | None, reader: Reader) -> datetime | None:
    return None if moment is None else in_zone(moment, reader.time_zone).replace(tzinfo=None)


# --------------------------------------------------------------------------- CSV


def csv_chunks(
    rows: Iterator[InvoiceRow], delimiter: str, decimal_mark: str, reader: Reader
) -> Iterator[bytes]:
    """UTF-8 with a byte order mark (so Excel reads the encoding), a heading line, then the rows;
    amounts with `decimal_mark`, dates as YYYY-MM-DD."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow([neutralised(heading) for heading in headings(reader)])
    yield ("\ufeff" + _take(buffer)).encode("utf-8")
    statuses = status_labels()
    for n, row in enumerate(rows, start=1):
        values = cells(row, statuses, reader)
        writer.writerow(_csv_text(value, row.currency, decimal_mark) for value in values)
        if n % CSV_BATCH_ROWS == 0:
            yield _take(buffer).encode("utf-8")
    yield _take(buffer).encode("utf-8")


def _take(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


def _csv_text(value, currency: str, decimal_mark: str) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return plain_amount(value, currency).replace(".", decimal_mark)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


# --------------------------------------------------------------------------- XLSX


def write_xlsx(
    rows: Iterator[InvoiceRow], count: int, target: BinaryIO, title: str, reader: Reader
) -> None:
    """A workbook of one sheet: the heading row frozen, with a filter over the rows."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=title[:31])
    for index, (key, _label) in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = XLSX_WIDTHS.get(key, 14)
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{count + 1}"
    bold = Font(bold=True)
    sheet.append([_styled(sheet, heading, font=bold) for heading in headings(reader)])
    statuses = status_labels()
    for row in rows:
        values = cells(row, statuses, reader)
        sheet.append([_xlsx_cell(sheet, value, row.currency) for value in values])
    book.save(target)


def _xlsx_cell(sheet, value, currency: str):
    if isinstance(value, str):
        # Control characters have no place in a workbook's XML: openpyxl refuses them.
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    if isinstance(value, Decimal):
        return _styled(sheet, value, number_format=_amount_format(currency))
    if isinstance(value, datetime):
        return _styled(sheet, value.replace(microsecond=0), number_format=XLSX_DATETIME)
    if isinstance(value, date):
        return _styled(sheet, value, number_format=XLSX_DATE)
    return value


def _styled(sheet, value, number_format: str | None = None, font: Font | None = None):
    cell = WriteOnlyCell(sheet, value=value)
    if number_format is not None:
        cell.number_format = number_format
    if font is not None:
        cell.font = font
    return cell


@functools.lru_cache(maxsize=256)
def _amount_format(currency: str) -> str:
    try:
        places = minor_units(currency)
    except CurrencyError:
        places = 2
    return XLSX_AMOUNT.get(places, XLSX_AMOUNT[2])

"""The XLSX writer (XlsxWriter, constant_memory) keeps every text a text: formula-like text is
neutralised and never becomes a formula, control characters are dropped, amounts stay numbers."""

from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal

import openpyxl

from app.services.invoice_export import Reader, write_xlsx
from app.services.invoice_list import InvoiceRow


def row(counterparty: str, holder: str | None = "Anna Tester") -> InvoiceRow:
    return InvoiceRow(
        1, 49, date(2026, 11, 2), counterparty, Decimal("1234.50"), "RUB", "in_approval",
        "Approval", holder, True, datetime(2026, 11, 3, 9, 30), None, "Ivan Tester", False,
    )  # fmt: skip


def written(app, rows) -> list:
    target = io.BytesIO()
    with app.test_request_context():
        write_xlsx(iter(rows), len(rows), target, "Invoices: [all]", Reader("en", "UTC"))
    sheet = openpyxl.load_workbook(io.BytesIO(target.getvalue())).active
    return [list(line) for line in sheet.iter_rows()]


def test_text_that_looks_like_a_formula_or_a_link_stays_text(app):
    _heading, first, second = written(
        app, [row('=HYPERLINK("http://x.example")'), row("http://x.example", holder="+7 1")]
    )
    assert first[2].value == '\'=HYPERLINK("http://x.example")' and first[2].data_type == "s"
    assert second[2].value == "http://x.example" and second[2].hyperlink is None
    assert second[7].value == "'+7 1" and second[7].data_type == "s"


def test_control_characters_are_dropped_and_values_keep_their_types(app):
    _heading, line = written(app, [row("Acme\x07 Supplies\x00")])
    assert line[2].value == "Acme Supplies"
    assert line[3].data_type == "n" and line[3].number_format == "#,##0.00"
    assert line[1].is_date and line[8].is_date and line[9].value is None


def test_the_sheet_is_named_within_excels_rules(app):
    target = io.BytesIO()
    with app.test_request_context():
        write_xlsx(iter([]), 0, target, "Счета: [все] / 2026" * 3, Reader("ru", "UTC"))
    book = openpyxl.load_workbook(io.BytesIO(target.getvalue()))
    title = book.active.title
    assert len(title) <= 31 and not set(title) & set("[]:*?/\\")

"""The bank's statement comes back: each payment found proposes paying its invoice.

Importing a statement (1C Client-Bank format, windows-1251 or UTF-8) keeps each document as a
line, matched to an invoice awaiting payment (app/services/statement_matching.py) or left
unmatched for a person. A finance director confirms the proposals in one step: each becomes the
invoice's payment through the payment use case (pay_invoice: the process, its rules, the audit
and the initiator's notice), dated the day the money left the account, and the line names the
payment. Where an invoice requires a payment order file, the confirmation must bring one for it
(the rule holds: nothing is paid without it). An unmatched line is resolved by a person: matched
to an invoice by its number, or dismissed with a note.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.client_bank_format import (
    ClientBankFormatError,
    Payer,
    day,
    read_day,
    read_exchange,
)
from app.domain.ids import parse_id
from app.errors import FileTooLargeError, InvoiceNotEditableError, NotFoundError, ValidationError
from app.i18n import _
from app.models import (
    BankStatement,
    BankStatementLine,
    Invoice,
    InvoiceStatus,
    LineStatus,
    Payment,
)
from app.models.base import utcnow
from app.permissions import PAY, require
from app.services import audit, use_case
from app.services.attachments import IncomingFile
from app.services.pay_invoice import pay_invoice
from app.services.statement_matching import line_from_document, match_line, open_proposal
from app.storage import FileStorage

NOTE_LIMIT = 1000
# The payment use case without its own commit: the confirmation pays every line in one
# transaction (its own @use_case), so it pays all of them or none.
_record_payment = pay_invoice.__wrapped__


class StatementAlreadyImportedError(InvoiceNotEditableError):
    """The same file (by SHA-256) was imported before (409)."""


@use_case
def import_statement(
    session: Session, actor, file_name: str, data: bytes, payer: Payer, max_bytes: int
) -> BankStatement:
    """Read the statement and match its lines. Raises PermissionDeniedError, FileTooLargeError,
    ValidationError (on `file`: not a readable statement), StatementAlreadyImportedError."""
    require(actor, PAY)
    if len(data) > max_bytes:
        raise FileTooLargeError(_("The statement is larger than %(n)s bytes.", n=max_bytes))
    if not data.strip():
        raise ValidationError({"file": [_("Choose the bank statement file: this one is empty.")]})
    digest = hashlib.sha256(data).hexdigest()
    before = session.scalar(select(BankStatement).where(BankStatement.sha256 == digest))
    if before is not None:
        raise StatementAlreadyImportedError(
            _("This statement was imported already (statement %(id)s).", id=before.id)
        )
    try:
        exchange = read_exchange(data)
        lines = [line_from_document(n, d) for n, d in enumerate(exchange.documents, start=1)]
        period = (
            read_day(exchange.header.get("ДатаНачала")),
            read_day(exchange.header.get("ДатаКонца")),
        )
    except ClientBankFormatError as exc:
        raise ValidationError({"file": [str(exc)]}) from exc
    if not lines:
        raise ValidationError({"file": [_("The statement holds no payment documents.")]})
    statement = BankStatement(
        file_name=(file_name or "statement.txt")[:255],
        sha256=digest,
        account=(exchange.header.get("РасчСчет") or "")[:34] or None,
        period_start=period[0],
        period_end=period[1],
        imported_by_id=actor.id,
        imported_at=utcnow(),
    )
    session.add(statement)
    session.flush()
    taken: set[int] = set()
    for line in lines:
        line.statement_id = statement.id
        match_line(session, line, payer, taken)
        session.add(line)
    session.flush()
    _audit_import(session, actor, statement, lines)
    return statement


def _audit_import(session, actor, statement: BankStatement, lines) -> None:
    proposed = [line for line in lines if line.status == LineStatus.PROPOSED]
    audit.record(
        session,
        "bank_statement_imported",
        actor.id,
        {
            "statement_id": statement.id,
            "file_name": statement.file_name,
            "sha256": statement.sha256,
            "lines": len(lines),
            "proposed": len(proposed),
            "unmatched": len(lines) - len(proposed),
        },
    )


def get_statement(session: Session, actor, statement_id) -> BankStatement:
    """Raises PermissionDeniedError, NotFoundError."""
    require(actor, PAY)
    pk = parse_id(statement_id)
    statement = session.get(BankStatement, pk) if pk else None
    if statement is None:
        raise NotFoundError(_("Bank statement not found."))
    return statement


def recent_statements(session: Session, actor, limit: int = 20) -> list[BankStatement]:
    require(actor, PAY)
    return list(
        session.scalars(select(BankStatement).order_by(BankStatement.id.desc()).limit(limit))
    )


@dataclass
class Confirmation:
    paid: list[tuple[BankStatementLine, Payment]] = field(default_factory=list)
    stale: list[BankStatementLine] = field(default_factory=list)  # paid meanwhile: unmatched now


@use_case
def confirm_payments(
    session: Session,
    actor,
    statement_id,
    line_ids: list | None,
    orders: dict[int, IncomingFile],
    storage: FileStorage,
    max_file_size: int,
    today: date,
) -> Confirmation:
    """Pay the invoices the statement's proposals name (all of them, or those in `line_ids`),
    in one transaction. `orders`: a payment order file per line id. Raises
    PermissionDeniedError, NotFoundError, ValidationError (nothing to confirm, a payment order
    missing where the invoice requires one, a payment the payment rules refuse),
    ConcurrentEditError."""
    statement = get_statement(session, actor, statement_id)
    lines = _proposals(statement, line_ids)
    _require_orders(lines, orders)
    result = Confirmation()
    for line in lines:
        invoice = session.get(Invoice, line.invoice_id)
        if invoice.status != InvoiceStatus.AWAITING_PAYMENT:
            line.status, line.reason, line.invoice_id = LineStatus.UNMATCHED, "already_paid", None
            result.stale.append(line)
            continue
        payment = _pay(
            session, actor, line, invoice, orders.get(line.id), storage, max_file_size, today
        )
        line.status, line.payment_id = LineStatus.PAID, payment.id
        line.resolved_by_id, line.resolved_at = actor.id, utcnow()
        result.paid.append((line, payment))
    session.flush()
    return result


def _proposals(statement: BankStatement, line_ids) -> list[BankStatementLine]:
    proposals = [line for line in statement.lines if line.status == LineStatus.PROPOSED]
    if line_ids:
        wanted = {parse_id(raw) for raw in line_ids}
        if None in wanted or not wanted <= {line.id for line in statement.lines}:
            raise ValidationError({"lines": [_("Give lines of this statement by their ids.")]})
        proposals = [line for line in proposals if line.id in wanted]
    if not proposals:
        raise ValidationError({"lines": [_("No proposed payment to confirm.")]})
    return proposals


def _require_orders(lines, orders: dict) -> None:
    missing = [
        _("Invoice #%(n)s requires the payment order: attach it.", n=line.invoice.number)
        for line in lines
        if line.invoice.payment_order_required and line.id not in orders
    ]
    if missing:
        raise ValidationError({"payment_order": [str(m) for m in missing]})


def _pay(session, actor, line, invoice, order, storage, max_file_size, today) -> Payment:
    paid_on = line.debited_on or line.document_date or today
    reference = f"п/п № {line.document_number or '—'} от {day(line.document_date or paid_on)}"
    data = {"paid_on": paid_on.isoformat(), "amount": str(line.amount), "reference": reference}
    payment = _record_payment(
        session, actor, invoice.id, data, order, storage, max_file_size, today
    )
    audit.record(session, "paid_from_statement", actor.id, _line_details(line, payment), invoice.id)
    return payment


def _line_details(line: BankStatementLine, payment: Payment | None = None) -> dict:
    details = {
        "statement_id": line.statement_id,
        "line_id": line.id,
        "document_number": line.document_number,
        "document_date": line.document_date,
        "debited_on": line.debited_on,
        "amount": line.amount,
        "payer_account": line.payer_account,
        "recipient_inn": line.recipient_inn,
        "recipient_account": line.recipient_account,
        "purpose": line.purpose,
    }
    if payment is not None:
        details["payment_id"] = payment.id
    return details


@use_case
def resolve_line(session: Session, actor, line_id, data: dict) -> BankStatementLine:
    """A person resolves an unmatched line: {"action": "match", "invoice": <number>} proposes
    that invoice (awaiting payment, with the line's recipient INN and amount);
    {"action": "dismiss", "note": "..."} says it pays no invoice here. Raises
    PermissionDeniedError, NotFoundError, ValidationError, InvoiceNotEditableError."""
    require(actor, PAY)
    pk = parse_id(line_id)
    locked = select(BankStatementLine).where(BankStatementLine.id == pk)
    line = session.scalar(locked.with_for_update(of=BankStatementLine)) if pk else None
    if line is None:
        raise NotFoundError(_("Statement line not found."))
    if line.status != LineStatus.UNMATCHED:
        raise InvoiceNotEditableError(_("This line is resolved already."))
    action = str(data.get("action") or "")
    if action == "dismiss":
        _dismiss(line, actor, data)
    elif action == "match":
        _match_by_hand(session, line, data)
    else:
        raise ValidationError({"action": [_("Choose to match the line or to dismiss it.")]})
    line.resolved_by_id, line.resolved_at = actor.id, utcnow()
    session.flush()
    action_name = "statement_line_dismissed" if action == "dismiss" else "statement_line_matched"
    details = {**_line_details(line), "note": line.note, "invoice_id": line.invoice_id}
    audit.record(session, action_name, actor.id, details, line.invoice_id)
    return line


def _dismiss(line: BankStatementLine, actor, data: dict) -> None:
    note = " ".join(str(data.get("note") or "").split())
    if not note:
        raise ValidationError({"note": [_("Say why the line pays no invoice here.")]})
    if len(note) > NOTE_LIMIT:
        raise ValidationError({"note": [_("Use at most %(n)s characters.", n=NOTE_LIMIT)]})
    line.status, line.note = LineStatus.DISMISSED, note


def _match_by_hand(session: Session, line: BankStatementLine, data: dict) -> None:
    number = parse_id(str(data.get("invoice") or "").strip().lstrip("#"))
    invoice = session.scalar(select(Invoice).where(Invoice.number == number)) if number else None
    if invoice is None:
        raise ValidationError({"invoice": [_("No invoice has this number.")]})
    problems = []
    if invoice.status != InvoiceStatus.AWAITING_PAYMENT:
        problems.append(_("Invoice #%(n)s is not awaiting payment.", n=invoice.number))
    if invoice.counterparty_tax_id != line.recipient_inn:
        problems.append(_("The line pays another INN than the invoice's counterparty's."))
    if invoice.amount != line.amount:
        problems.append(_("The line's amount is not the invoice's."))
    if open_proposal(session, invoice.id) is not None:
        problems.append(_("Another statement line already proposes this invoice."))
    if problems:
        raise ValidationError({"invoice": [str(p) for p in problems]})
    line.status, line.invoice_id, line.reason = LineStatus.PROPOSED, invoice.id, None
    note = " ".join(str(data.get("note") or "").split())[:NOTE_LIMIT]
    line.note = note or None

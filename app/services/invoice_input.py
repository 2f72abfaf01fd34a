"""Turning raw card input (form, JSON or CLI) into checked values, with a message per field."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.dates import DateError, ReaderDate, parse_date
from app.domain.ids import parse_id
from app.domain.money import AmountError, CurrencyError, minor_units, parse_amount
from app.i18n import _
from app.models import Counterparty
from app.models.user import User, holds_role
from app.roles import APPROVER
from app.services.directories import entry_id_or_error

TEXT_LIMITS = {
    "vendor_invoice_no": 64,
    "contract_no": 64,
    "client_request_no": 64,
    "justification": 5000,
}
CARD_FIELDS = (
    "amount",
    "currency",
    "vat_amount",
    "counterparty_id",
    "issue_date",
    "due_date",
    "vendor_invoice_no",
    "contract_no",
    "client_request_no",
    "justification",
    "payment_order_required",
    "department_id",
    "cost_centre_id",
)


@dataclass(frozen=True)
class InvoicePolicy:
    today: date
    issue_date_margin_days: int = 3
    default_currency: str = "RUB"
    max_approvers: int = 3

    @classmethod
    def from_config(cls, config, today: date | None = None) -> InvoicePolicy:
        return cls(
            today=today or date.today(),
            issue_date_margin_days=config["ISSUE_DATE_FUTURE_MARGIN_DAYS"],
            default_currency=config["DEFAULT_CURRENCY"],
            max_approvers=config["MAX_APPROVERS"],
        )


@dataclass
class CleanInvoice:
    values: dict[str, Any] = field(default_factory=dict)
    approver_ids: list[int] | None = None  # None: leave the approvers as they are


class _Errors(dict):
    def add(self, name: str, message) -> None:
        self.setdefault(name, []).append(message)


def clean_invoice_input(
    session: Session, data: dict[str, Any], policy: InvoicePolicy, initiator_id: int
) -> tuple[CleanInvoice, dict[str, list]]:
    """Check every field; return the clean values and the errors (empty when all is well)."""
    errors = _Errors()
    clean = CleanInvoice()
    values = clean.values
    values["currency"] = currency = _currency(data.get("currency"), policy, errors)
    payable = currency if "currency" not in errors else None
    values["amount"] = _amount(data.get("amount"), payable, errors)
    values["vat_amount"] = _optional_amount(data.get("vat_amount"), payable, errors)
    values["counterparty_id"] = _counterparty(session, data.get("counterparty_id"), errors)
    values["issue_date"] = _issue_date(data.get("issue_date"), policy, errors)
    values["due_date"] = _date(data.get("due_date"), "due_date", errors)
    for name, limit in TEXT_LIMITS.items():
        values[name] = _text(data.get(name), name, limit, errors)
    values["payment_order_required"] = _flag(
        data.get("payment_order_required"), "payment_order_required", errors
    )
    for kind in ("department", "cost_centre"):
        values[f"{kind}_id"] = _directory_entry(session, kind, data.get(f"{kind}_id"), errors)
    _cross_checks(values, errors)
    if "approvers" in data:
        clean.approver_ids = _approvers(session, data["approvers"], policy, initiator_id, errors)
    return clean, dict(errors)


def _amount(raw, currency: str | None, errors: _Errors) -> Decimal | None:
    try:
        return parse_amount(raw, currency)
    except AmountError as exc:
        errors.add("amount", exc.args[0])
        return None


def _optional_amount(raw, currency: str | None, errors: _Errors) -> Decimal | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    try:
        return parse_amount(raw, currency, allow_zero=True)
    except AmountError as exc:
        errors.add("vat_amount", exc.args[0])
        return None


def _currency(raw, policy: InvoicePolicy, errors: _Errors) -> str:
    code = (raw or policy.default_currency) if isinstance(raw, str | None) else ""
    code = code.strip().upper()
    try:
        minor_units(code)
    except CurrencyError as exc:
        errors.add("currency", exc.args[0])
    return code


def _counterparty(session: Session, raw, errors: _Errors) -> int | None:
    if raw in (None, ""):
        errors.add("counterparty_id", _("Choose the counterparty."))
        return None
    pk = parse_id(raw)
    if pk is None or session.get(Counterparty, pk) is None:
        errors.add("counterparty_id", _("This counterparty does not exist."))
        return None
    return pk


def _directory_entry(session: Session, kind: str, raw, errors: _Errors) -> int | None:
    pk, message = entry_id_or_error(session, kind, raw)
    if message:
        errors.add(f"{kind}_id", message)
    return pk


def _date(raw, name: str, errors: _Errors) -> date | None:
    try:
        return parse_date(raw)
    except DateError as exc:
        errors.add(name, exc.args[0])
        return None


def _issue_date(raw, policy: InvoicePolicy, errors: _Errors) -> date | None:
    if raw in (None, ""):
        errors.add("issue_date", _("Enter the issue date."))
        return None
    value = _date(raw, "issue_date", errors)
    latest = policy.today + timedelta(days=policy.issue_date_margin_days)
    if value is not None and value > latest:
        message = _("The issue date may not be later than %(d)s.", d=ReaderDate(latest))
        errors.add("issue_date", message)
    return value


def _text(raw, name: str, limit: int, errors: _Errors) -> str | None:
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, str | int):
        errors.add(name, _("Enter text here."))
        return None
    text = str(raw).replace("\r\n", "\n").strip()
    if "\x00" in text:
        errors.add(name, _("This text contains a character that is not allowed."))
    if len(text) > limit:
        errors.add(name, _("Use at most %(n)s characters (this has %(m)s).", n=limit, m=len(text)))
    return text or None


def _flag(raw, name: str, errors: _Errors) -> bool:
    if isinstance(raw, str):
        return raw.strip().lower() in ("1", "true", "y", "yes", "on")
    if raw is not None and not isinstance(raw, bool | int):
        errors.add(name, _("Answer yes or no."))
        return False
    return bool(raw)


def _cross_checks(values: dict[str, Any], errors: _Errors) -> None:
    issue, due = values.get("issue_date"), values.get("due_date")
    if issue and due and due < issue:
        errors.add("due_date", _("The due date may not be before the issue date."))
    amount, vat = values.get("amount"), values.get("vat_amount")
    if amount is not None and vat is not None and vat > amount:
        errors.add("vat_amount", _("VAT may not exceed the invoice amount."))


def _approvers(
    session: Session, raw, policy: InvoicePolicy, initiator_id: int, errors: _Errors
) -> list[int]:
    ids = _approver_ids(raw, errors)
    if ids is None:
        return []
    if len(ids) > policy.max_approvers:
        errors.add("approvers", _("Choose at most %(n)s approvers.", n=policy.max_approvers))
    if len(set(ids)) != len(ids):
        errors.add("approvers", _("Each approver may appear only once."))
    if initiator_id in ids:
        errors.add("approvers", _("The initiator cannot approve their own invoice."))
    eligible = set(
        session.scalars(
            select(User.id).where(User.id.in_(ids), User.active.is_(True), holds_role(APPROVER))
        )
    )
    if any(pk not in eligible for pk in ids):
        errors.add("approvers", _("Approvers must be active users with the Approver role."))
    return ids


def _approver_ids(raw, errors: _Errors) -> list[int] | None:
    if raw in (None, ""):
        return []
    if not isinstance(raw, list | tuple):
        errors.add("approvers", _("Give the approvers as a list of user ids."))
        return None
    ids = []
    for item in raw:
        if item in (None, ""):
            continue
        pk = parse_id(item)
        if pk is None:
            errors.add("approvers", _("%(v)s is not a user id.", v=str(item)[:20]))
            return None
        ids.append(pk)
    return ids

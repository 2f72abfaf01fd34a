"""Counterparties: who invoices come from, identified by country and tax id."""

from __future__ import annotations

from babel import Locale
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from app.domain.ids import parse_id
from app.domain.search import like_escaped
from app.domain.tax_ids import TaxIdError, clean_account, clean_bic, clean_tax_id
from app.errors import NotFoundError, PermissionDeniedError, ValidationError
from app.i18n import _
from app.models import Counterparty, Invoice
from app.roles import ADMIN, FINANCE_DIRECTOR, INITIATOR, has_role
from app.services import audit, use_case

FIELDS = ("name", "country", "tax_id", "bank_name", "bank_bic", "bank_account")
_COUNTRIES = frozenset(code for code in Locale("en").territories if len(code) == 2)
EDITOR_ROLES = (ADMIN, INITIATOR, FINANCE_DIRECTOR)


@use_case
def save_counterparty(
    session: Session, actor, data: dict, counterparty_id: int | None = None
) -> Counterparty:
    """Create or update a counterparty. Raises ValidationError, NotFoundError,
    PermissionDeniedError."""
    if not has_role(actor, *EDITOR_ROLES):
        raise PermissionDeniedError(_("You may not change counterparties."))
    existing = _load(session, counterparty_id) if counterparty_id is not None else None
    merged = {**({f: getattr(existing, f) for f in FIELDS} if existing else {}), **data}
    values, errors = _clean(merged)
    if not errors and _tax_id_taken(session, values, counterparty_id):
        errors["tax_id"] = [_("Another counterparty in this country has this tax id.")]
    if errors:
        raise ValidationError(errors)
    counterparty = existing or Counterparty()
    before = {f: getattr(counterparty, f) for f in FIELDS}
    for name, value in values.items():
        setattr(counterparty, name, value)
    session.add(counterparty)
    session.flush()
    if existing and before["name"] != values["name"]:
        session.execute(
            update(Invoice)
            .where(Invoice.counterparty_id == counterparty.id)
            .values(counterparty_name=values["name"])
            .execution_options(synchronize_session=False)
        )
    changes = {f: {"old": before[f], "new": values[f]} for f in FIELDS if before[f] != values[f]}
    action = "counterparty_updated" if existing else "counterparty_created"
    details = {"counterparty_id": counterparty.id, "changes": changes}
    audit.record(session, action, actor.id, details)
    return counterparty


def _load(session: Session, counterparty_id) -> Counterparty:
    pk = parse_id(counterparty_id)
    counterparty = session.get(Counterparty, pk) if pk else None
    if counterparty is None:
        raise NotFoundError(_("Counterparty not found."))
    return counterparty


def _clean(data: dict) -> tuple[dict, dict]:
    errors: dict[str, list] = {}
    values = {"name": " ".join(str(data.get("name") or "").split())}
    if not values["name"]:
        errors["name"] = [_("Enter the counterparty's name.")]
    elif len(values["name"]) > 255:
        errors["name"] = [_("Use at most %(n)s characters.", n=255)]
    country = str(data.get("country") or "RU").strip().upper()
    if country not in _COUNTRIES:
        errors["country"] = [_("Use a two-letter ISO 3166 country code, e.g. RU.")]
    values["country"] = country
    values["bank_name"] = " ".join(str(data.get("bank_name") or "").split())[:255] or None
    checks = (
        ("tax_id", lambda: clean_tax_id(country, str(data.get("tax_id") or ""))),
        ("bank_bic", lambda: clean_bic(country, _str(data.get("bank_bic")))),
    )
    for name, check in checks:
        try:
            values[name] = check()
        except TaxIdError as exc:
            errors[name] = [exc.args[0]]
            values[name] = None
    try:
        values["bank_account"] = clean_account(
            country, values.get("bank_bic"), _str(data.get("bank_account"))
        )
    except TaxIdError as exc:
        errors["bank_account"] = [exc.args[0]]
    return values, errors


def _str(value) -> str | None:
    return None if value is None else str(value)


def _tax_id_taken(session: Session, values: dict, counterparty_id) -> bool:
    query = select(Counterparty.id).where(
        Counterparty.country == values["country"], Counterparty.tax_id == values["tax_id"]
    )
    if counterparty_id is not None:
        query = query.where(Counterparty.id != parse_id(counterparty_id))
    return session.scalar(query.limit(1)) is not None


def search_counterparties(session: Session, text: str, limit: int, offset: int = 0) -> list:
    """Counterparties whose name contains `text` or whose tax id starts with it, by name: the
    card's counterparty box asks page by page instead of loading the table."""
    query = select(Counterparty).order_by(Counterparty.name, Counterparty.id)
    text = (text or "").strip()[:100]
    if text:
        pattern = like_escaped(text)
        query = query.where(
            or_(
                Counterparty.name.ilike(f"%{pattern}%", escape="\\"),
                Counterparty.tax_id.like(f"{pattern}%", escape="\\"),
            )
        )
    return list(session.scalars(query.limit(limit).offset(offset)))

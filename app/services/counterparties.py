"""Counterparties: who invoices come from, identified by country and tax id."""

from __future__ import annotations

from babel import Locale
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.domain.ids import parse_id
from app.domain.search import like_escaped
from app.domain.tax_ids import (
    TaxIdError,
    clean_account,
    clean_bic,
    clean_corr_account,
    clean_kpp,
    clean_tax_id,
)
from app.errors import NotFoundError, ValidationError
from app.i18n import _
from app.models import Counterparty, NotificationKind
from app.models.user import User, holds_role
from app.permissions import Action, require
from app.roles import FINANCE_DIRECTOR
from app.services import audit, use_case
from app.services.counterparty_snapshot import follow_counterparty
from app.services.notify import notify

FIELDS = (
    "name",
    "country",
    "tax_id",
    "kpp",
    "bank_name",
    "bank_bic",
    "bank_account",
    "bank_corr_account",
)
FIELD_LABELS = {
    "name": _("Name"),
    "country": _("Country"),
    "tax_id": _("Tax id (INN)"),
    "bank_name": _("Bank"),
    "bank_bic": _("BIC"),
    "bank_account": _("Account number"),
    "kpp": _("KPP"),
    "bank_corr_account": _("Correspondent account"),
}
_COUNTRIES = frozenset(code for code in Locale("en").territories if len(code) == 2)
# Granted on the Roles screen (seeded in app/security.py): adding a counterparty, and changing
# one that exists, whose bank details payments may already rely on. Flask-AppBuilder's own
# pairs of the counterparty screens (app/web/views/counterparties.py).
ADD_COUNTERPARTIES = Action("can_add", "Counterparty", _("add counterparties"))
CHANGE_COUNTERPARTIES = Action("can_write", "Counterparty", _("change counterparties"))


@use_case
def create_counterparty(session: Session, actor, data: dict) -> Counterparty:
    """Add a counterparty; audited, and every finance director is told (its bank details will
    be paid to). Raises ValidationError, PermissionDeniedError."""
    require(actor, ADD_COUNTERPARTIES)
    values = _valid(session, data, None)
    counterparty = Counterparty(**values)
    session.add(counterparty)
    session.flush()
    changes = {f: {"old": None, "new": v} for f, v in values.items() if v is not None}
    details = {"counterparty_id": counterparty.id, "changes": changes}
    event = audit.record(session, "counterparty_created", actor.id, details)
    _tell_finance_directors(
        session, actor, counterparty, changes, event.id, NotificationKind.COUNTERPARTY_ADDED
    )
    return counterparty


@use_case
def change_counterparty(session: Session, actor, counterparty_id, data: dict) -> Counterparty:
    """Change a counterparty's name, tax id or bank details; audited with the old and new
    values, and every finance director is told. Raises NotFoundError, ValidationError,
    PermissionDeniedError."""
    require(actor, CHANGE_COUNTERPARTIES)
    counterparty = _load(session, counterparty_id)
    before = {f: getattr(counterparty, f) for f in FIELDS}
    values = _valid(session, {**before, **data}, counterparty.id)
    changes = {f: {"old": before[f], "new": values[f]} for f in FIELDS if before[f] != values[f]}
    if not changes:
        return counterparty
    for name, value in values.items():
        setattr(counterparty, name, value)
    session.flush()
    follow_counterparty(session, counterparty)
    details = {"counterparty_id": counterparty.id, "changes": changes}
    event = audit.record(session, "counterparty_updated", actor.id, details)
    _tell_finance_directors(session, actor, counterparty, changes, event.id)
    return counterparty


def _valid(session: Session, data: dict, counterparty_id: int | None) -> dict:
    values, errors = _clean(data)
    if not errors and _tax_id_taken(session, values, counterparty_id):
        errors["tax_id"] = [_("Another counterparty in this country has this tax id.")]
    if errors:
        raise ValidationError(errors)
    return values


def _tell_finance_directors(
    session: Session,
    actor,
    counterparty,
    changes,
    event_id,
    kind: str = NotificationKind.COUNTERPARTY_CHANGED,
) -> None:
    """In the app and by mail, which no one can turn off: a changed account, or a new
    counterparty nobody checked, is how money goes astray."""
    directors = select(User.id).where(holds_role(FINANCE_DIRECTOR), User.active.is_(True))
    notify(
        session,
        kind,
        session.scalars(directors),
        event=f"{kind}:{event_id}",
        params={
            "by": actor.id,
            "counterparty_id": counterparty.id,
            "name": counterparty.name,
            "changes": changes,
        },
    )


def _load(session: Session, counterparty_id) -> Counterparty:
    """The row, locked until commit on PostgreSQL: two directors changing it at once are taken
    one after the other, so each audit event's old values are what the change replaced."""
    pk = parse_id(counterparty_id)
    counterparty = (
        session.get(Counterparty, pk, with_for_update=True, populate_existing=True) if pk else None
    )
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
        ("kpp", lambda: clean_kpp(country, _str(data.get("kpp")))),
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
    try:
        values["bank_corr_account"] = clean_corr_account(
            country, values.get("bank_bic"), _str(data.get("bank_corr_account"))
        )
    except TaxIdError as exc:
        errors["bank_corr_account"] = [exc.args[0]]
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

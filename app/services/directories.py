"""Departments and cost centres: directories admins manage, which the card names for the rules."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.ids import parse_id
from app.errors import NotFoundError, ValidationError
from app.i18n import _
from app.models import CostCentre, Department
from app.permissions import Action, require
from app.services import audit, use_case

FIELDS = ("code", "name", "active")
FIELD_LABELS = {"code": _("Code"), "name": _("Name"), "active": _("Offered on new cards")}
# A code is what a rule table compares (`"Capex"`): letters, digits, dot, dash, underscore.
_CODE = re.compile(r"^[\w.\-]{1,32}$")
DIRECTORIES = {"department": Department, "cost_centre": CostCentre}
MANAGE = {
    "department": Action("can_write", "Department", _("manage departments")),
    "cost_centre": Action("can_write", "CostCentre", _("manage cost centres")),
}


@use_case
def save_directory_entry(session: Session, actor, kind: str, entry_id, data: dict):
    """Add (entry_id None) or change a department or cost centre; audited with the old and new
    values. Raises NotFoundError, ValidationError, PermissionDeniedError."""
    require(actor, MANAGE[kind])
    model = DIRECTORIES[kind]
    entry = _load(session, model, entry_id) if entry_id is not None else None
    before = {f: getattr(entry, f) for f in FIELDS} if entry else dict.fromkeys(FIELDS)
    values = _valid(session, model, {**before, **data}, entry.id if entry else None)
    changes = {f: {"old": before[f], "new": values[f]} for f in FIELDS if before[f] != values[f]}
    if entry is None:
        entry = model(**values)
        session.add(entry)
    elif not changes:
        return entry
    else:
        for name, value in values.items():
            setattr(entry, name, value)
    session.flush()
    details = {f"{kind}_id": entry.id, "changes": changes}
    audit.record(session, f"{kind}_saved", actor.id, details)
    return entry


def offered_entries(session: Session, kind: str, keep_id: int | None = None) -> list:
    """The active entries, by name, plus the one a card already names (it may be retired)."""
    model = DIRECTORIES[kind]
    condition = model.active.is_(True)
    if keep_id is not None:
        condition = condition | (model.id == keep_id)
    return list(session.scalars(select(model).where(condition).order_by(model.name, model.id)))


def entry_id_or_error(session: Session, kind: str, raw) -> tuple[int | None, str | None]:
    """The id of an existing entry, None for none chosen, or an error message."""
    if raw in (None, ""):
        return None, None
    pk = parse_id(raw)
    if pk is None or session.get(DIRECTORIES[kind], pk) is None:
        if kind == "department":
            return None, _("This department does not exist.")
        return None, _("This cost centre does not exist.")
    return pk, None


def _load(session: Session, model, entry_id):
    pk = parse_id(entry_id)
    entry = session.get(model, pk, with_for_update=True) if pk else None
    if entry is None:
        raise NotFoundError(_("This entry does not exist."))
    return entry


def _valid(session: Session, model, data: dict, entry_id: int | None) -> dict:
    errors: dict[str, list] = {}
    code = str(data.get("code") or "").strip()
    name = str(data.get("name") or "").strip()
    if not _CODE.match(code):
        errors["code"] = [_("Use 1 to 32 letters, digits, dots, dashes or underscores.")]
    elif _code_taken(session, model, code, entry_id):
        errors["code"] = [_("Another entry has this code.")]
    if not name or len(name) > 255:
        errors["name"] = [_("Enter a name of at most 255 characters.")]
    if errors:
        raise ValidationError(errors)
    active = data.get("active")
    return {"code": code, "name": name, "active": True if active is None else bool(active)}


def _code_taken(session: Session, model, code: str, entry_id: int | None) -> bool:
    query = select(model.id).where(model.code == code)
    if entry_id is not None:
        query = query.where(model.id != entry_id)
    return session.scalar(query) is not None

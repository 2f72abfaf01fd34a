"""The invoice list's filter: read from a URL's parameters (a bookmark, a shared link) into
plain values, written back, and the choices the filter bar offers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from app.domain.dates import DateError, parse_date
from app.domain.ids import parse_id
from app.domain.search import like_escaped
from app.errors import InvoiceFlowError
from app.i18n import _
from app.models import HumanTask, Invoice, InvoiceStatus
from app.models.user import User
from app.services.visibility import visible_invoices_clause

TEXT_LIMIT = 255  # stage and role names are no longer


class InvoiceFilterError(InvoiceFlowError):
    """A filter value in the URL cannot be read."""


@dataclass(frozen=True)
class InvoiceFilter:
    """What the list is narrowed to; None (False for `overdue`) leaves a filter out."""

    status: str | None = None
    stage: str | None = None
    initiator: int | None = None
    approver: int | None = None
    holder: int | None = None  # a person holding one of the invoice's open tasks
    holder_role: str | None = None  # a role an unassigned open task is offered to
    due_from: date | None = None
    due_to: date | None = None
    overdue: bool = False

    @property
    def people(self) -> list[int]:
        return sorted({p for p in (self.initiator, self.approver, self.holder) if p is not None})

    def as_parameters(self) -> dict[str, str]:
        """The filter as URL parameters (read_filter reads them back)."""
        found = {}
        for field in fields(self):
            value = getattr(self, field.name)
            if value is None or value is False:
                continue
            found[field.name] = "1" if value is True else str(value)
        return found


PARAMETERS = tuple(field.name for field in fields(InvoiceFilter))
# Each filter's name on the filter bar and in messages about its value.
LABELS = {
    "status": _("Status"),
    "stage": _("Stage"),
    "initiator": _("Initiator"),
    "approver": _("Approver"),
    "holder": _("Holder"),
    "holder_role": _("Waiting for role"),
    "due_from": _("Due from"),
    "due_to": _("Due to"),
    "overdue": _("Overdue only"),
}
_YES, _NO = ("1", "true", "yes", "on"), ("", "0", "false", "no", "off")


def read_filter(parameters: Mapping[str, str]) -> tuple[InvoiceFilter, list[str]]:
    """The filter URL parameters name (other parameters are not filters), and a message for
    each value that cannot be read: that filter is left out, as a shared link may be stale."""
    raw = {name: (parameters.get(name) or "").strip() for name in PARAMETERS}
    values: dict[str, object] = {}
    ignored: list[str] = []
    for name in PARAMETERS:
        try:
            values[name] = _READERS[name](name, raw[name])
        except InvoiceFilterError as exc:
            ignored.append(str(exc.message))
    if values.get("due_from") and values.get("due_to") and values["due_from"] > values["due_to"]:
        ignored.append(str(_("The due date range ends before it starts.")))
        values["due_from"] = values["due_to"] = None
    return InvoiceFilter(**values), ignored


def _status(name: str, raw: str) -> str | None:
    if raw and raw not in set(InvoiceStatus):
        raise InvoiceFilterError(_("There is no invoice status %(value)s.", value=raw[:40]))
    return raw or None


def _person(name: str, raw: str) -> int | None:
    if not raw:
        return None
    person = parse_id(raw)
    if person is None:
        raise InvoiceFilterError(_("The filter %(name)s names no person.", name=LABELS[name]))
    return person


def _text(name: str, raw: str) -> str | None:
    if len(raw) > TEXT_LIMIT:
        raise InvoiceFilterError(_("The filter %(name)s is too long.", name=LABELS[name]))
    return raw or None


def _date(name: str, raw: str) -> date | None:
    try:
        return parse_date(raw)
    except DateError as exc:
        raise InvoiceFilterError(
            _("%(name)s: %(problem)s", name=LABELS[name], problem=exc)
        ) from None


def _flag(name: str, raw: str) -> bool:
    if raw.lower() in _YES:
        return True
    if raw.lower() in _NO:
        return False
    raise InvoiceFilterError(_("The filter %(name)s is either 1 or 0.", name=LABELS[name]))


_READERS = {
    "status": _status,
    "stage": _text,
    "initiator": _person,
    "approver": _person,
    "holder": _person,
    "holder_role": _text,
    "due_from": _date,
    "due_to": _date,
    "overdue": _flag,
}


@dataclass(frozen=True)
class FilterChoices:
    stages: list[str]  # stages of the invoices the actor may see
    roles: list[str]  # roles tasks have been offered to (the process's lanes)
    people: dict[int, User]  # the people the filter names, by id


def filter_choices(session: Session, actor, criteria: InvoiceFilter) -> FilterChoices:
    """What the filter bar offers: stages and roles to choose from, and the chosen people's
    names."""
    visible = visible_invoices_clause(actor)
    if visible is None:
        stages = distinct_values(Invoice.stage)
    else:  # a loose scan would rebuild the visibility subplans once per stage: no faster
        stages = select(Invoice.stage).where(Invoice.stage.is_not(None), visible).distinct()
    people = {}
    if criteria.people:
        chosen = session.scalars(select(User).where(User.id.in_(criteria.people)))
        people = {user.id: user for user in chosen}
    return FilterChoices(
        sorted(session.scalars(stages)),
        list(session.scalars(distinct_values(HumanTask.candidate_role))),
        people,
    )


def distinct_values(column):
    """The distinct non-null values of an indexed column, ascending.

    A loose index scan: one index probe per value found (min(column) above the last one), where
    SELECT DISTINCT reads every row; a handful of stages or roles over 100,000s of rows."""
    first = select(func.min(column).label("value"))
    found = first.cte("found_values", recursive=True)
    above = select(func.min(column)).where(column > found.c.value)
    found = found.union_all(select(above.scalar_subquery()).where(found.c.value.is_not(None)))
    return select(found.c.value).where(found.c.value.is_not(None)).order_by(found.c.value)


def search_people(session: Session, text: str, limit: int, offset: int = 0) -> list:
    """Active and former users whose name or user name contains `text` (for the filters:
    an invoice's initiator may have left)."""
    query = select(User).order_by(User.last_name, User.first_name, User.id)
    text = (text or "").strip()[:100]
    if text:
        pattern = f"%{like_escaped(text)}%"
        query = query.where(
            or_(
                *(
                    c.ilike(pattern, escape="\\")
                    for c in (User.first_name, User.last_name, User.username)
                )
            )
        )
    return list(session.scalars(query.limit(limit).offset(offset)))

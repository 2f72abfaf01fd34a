"""Audit search for auditors and administrators: every audit event, across invoices and the
system chain, filtered by actor, action, invoice and period, newest first.

Pages are keyset pages over (created_at, id), never OFFSET: a cursor names the last (or first)
event of the page seen, so page 20,000 costs what page one costs. The indexes behind it are
(created_at, id), (actor_id, created_at, id) and (action, created_at, id): bench/audit_search.py.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Select, func, select, tuple_
from sqlalchemy.orm import Session

from app.domain.dates import DateError, parse_date
from app.domain.ids import parse_id
from app.domain.time_zones import zone
from app.errors import ValidationError
from app.i18n import _
from app.models import AuditEvent, Invoice
from app.models.user import User
from app.permissions import Action, require

READ_AUDIT_TRAIL = Action("can_read", "AuditTrail", _("search the audit trail"))
PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
ACTION_PATTERN = re.compile(r"^[a-z_]{1,40}$")
CURSOR_PATTERN = re.compile(r"^(\d{8}T\d{12})-(\d{1,18})$")
CURSOR_FORMAT = "%Y%m%dT%H%M%S%f"
EXPORT_BATCH = 1_000


@dataclass(frozen=True)
class Cursor:
    """A position between events: the (created_at, id) of the event a page ended (or began) at."""

    created_at: datetime
    id: int

    def __str__(self) -> str:
        return f"{self.created_at.strftime(CURSOR_FORMAT)}-{self.id}"

    @classmethod
    def parse(cls, text: str) -> Cursor:
        """Raises ValueError for anything a page did not write."""
        match = CURSOR_PATTERN.match(text or "")
        if match is None:
            raise ValueError(text)
        return cls(datetime.strptime(match[1], CURSOR_FORMAT), int(match[2]))

    @classmethod
    def of(cls, event) -> Cursor:
        return cls(event.created_at, event.id)


@dataclass(frozen=True)
class AuditQuery:
    actor_id: int | None = None
    action: str | None = None
    invoice_number: int | None = None
    since: date | None = None  # the first day, in the reader's time zone
    until: date | None = None  # the last day (included), in the reader's time zone
    time_zone: str = "UTC"

    def as_args(self) -> dict[str, str]:
        """The filter as the URL parameters read_query() reads back."""
        values = {
            "actor": self.actor_id,
            "action": self.action,
            "invoice": self.invoice_number,
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
        }
        return {key: str(value) for key, value in values.items() if value is not None}


def read_query(args: Mapping[str, str], time_zone: str) -> AuditQuery:
    """The filter from URL parameters: actor (a user id), action, invoice (its number, with or
    without #), since and until (dates). Raises ValidationError naming each bad one."""
    errors: dict[str, list] = {}
    actor_id = _optional_id(args.get("actor"), "actor", _("Choose a user from the list."), errors)
    invoice = (args.get("invoice") or "").strip().lstrip("#")
    number = _optional_id(invoice, "invoice", _("Give the invoice's number."), errors)
    action = (args.get("action") or "").strip() or None
    if action is not None and not ACTION_PATTERN.match(action):
        errors["action"] = [_("Choose an action from the list.")]
    since = _optional_date(args.get("since"), "since", errors)
    until = _optional_date(args.get("until"), "until", errors)
    if since and until and since > until:
        errors["until"] = [_("The period ends before it begins.")]
    if errors:
        raise ValidationError(errors)
    return AuditQuery(actor_id, action, number, since, until, time_zone)


def _optional_id(raw, name: str, message, errors: dict) -> int | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    value = parse_id(raw)
    if value is None:
        errors[name] = [message]
    return value


def _optional_date(raw, name: str, errors: dict) -> date | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        return parse_date(raw)
    except DateError as exc:
        errors[name] = [str(exc)]
        return None


@dataclass(frozen=True)
class Direction:
    """Which page: the newest (no cursor), older than a cursor, newer than one, or the oldest."""

    after: Cursor | None = None  # older than this
    before: Cursor | None = None  # newer than this
    last: bool = False  # the oldest page

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> Direction:
        """Raises ValidationError for a cursor no page wrote."""
        try:
            after = Cursor.parse(args["after"]) if args.get("after") else None
            before = Cursor.parse(args["before"]) if args.get("before") else None
        except ValueError as exc:
            message = _("This page link is damaged: start again.")
            raise ValidationError({"cursor": [message]}) from exc
        return cls(after, before, last=args.get("last") == "1" and not (after or before))


@dataclass(frozen=True)
class AuditRow:
    id: int
    created_at: datetime
    chain: str
    sequence: int
    action: str
    details: dict
    hash: str
    invoice_id: int | None
    invoice_number: int | None
    actor_id: int | None
    actor_username: str | None
    actor_first_name: str | None
    actor_last_name: str | None

    @property
    def actor_name(self) -> str:
        if self.actor_id is None:
            return ""
        return f"{self.actor_first_name} {self.actor_last_name} ({self.actor_username})"


@dataclass(frozen=True)
class AuditPage:
    query: AuditQuery
    rows: list[AuditRow]
    newer: Cursor | None  # the cursor of a "previous" (newer) page, if there is one
    older: Cursor | None  # the cursor of a "next" (older) page, if there is one
    actor: User | None = None  # the person the filter names, to show in its box


def search_audit(
    session: Session, actor, query: AuditQuery, direction: Direction, size: int = PAGE_SIZE
) -> AuditPage:
    """One page of events, newest first. Raises PermissionDeniedError (403)."""
    require(actor, READ_AUDIT_TRAIL)
    size = min(max(size, 1), MAX_PAGE_SIZE)
    selected = _matching(session, query)
    if selected is None:
        return AuditPage(query, [], None, None)
    keys = (AuditEvent.created_at, AuditEvent.id)
    backwards = direction.before is not None or direction.last
    if direction.before is not None:
        selected = selected.where(tuple_(*keys) > tuple(vars(direction.before).values()))
    if direction.after is not None:
        selected = selected.where(tuple_(*keys) < tuple(vars(direction.after).values()))
    order = [k.asc() for k in keys] if backwards else [k.desc() for k in keys]
    fetched = [_row(r) for r in session.execute(selected.order_by(*order).limit(size + 1))]
    more, rows = len(fetched) > size, fetched[:size]
    if backwards:
        rows.reverse()
    if not rows:
        return AuditPage(query, [], None, None, _named(session, query))
    first, last = Cursor.of(rows[0]), Cursor.of(rows[-1])
    if backwards:
        newer, older = (first if more else None), (None if direction.last else last)
    else:
        newer, older = (first if direction.after else None), (last if more else None)
    return AuditPage(query, rows, newer, older, _named(session, query))


def count_audit(session: Session, actor, query: AuditQuery) -> int:
    """How many events match. Raises PermissionDeniedError (403)."""
    require(actor, READ_AUDIT_TRAIL)
    selected = _matching(session, query)
    if selected is None:
        return 0
    return session.scalar(select(func.count()).select_from(selected.subquery()))


def each_event(session: Session, actor, query: AuditQuery, limit: int) -> Iterator[AuditRow]:
    """Every matching event, newest first, at most `limit`: read in keyset batches (for the
    export). Raises PermissionDeniedError (403)."""
    require(actor, READ_AUDIT_TRAIL)
    direction, given = Direction(), 0
    while given < limit:
        page = search_audit(session, actor, query, direction, min(EXPORT_BATCH, limit - given))
        yield from page.rows
        given += len(page.rows)
        if page.older is None:
            return
        direction = Direction(after=page.older)


_COLUMNS = (
    AuditEvent.id,
    AuditEvent.created_at,
    AuditEvent.chain,
    AuditEvent.sequence,
    AuditEvent.action,
    AuditEvent.details,
    AuditEvent.hash,
    AuditEvent.invoice_id,
    Invoice.number.label("invoice_number"),
    AuditEvent.actor_id,
    User.username.label("actor_username"),
    User.first_name.label("actor_first_name"),
    User.last_name.label("actor_last_name"),
)


def _matching(session: Session, query: AuditQuery) -> Select | None:
    """The filtered SELECT, unordered; None when the invoice named does not exist."""
    selected = (
        select(*_COLUMNS)
        .select_from(AuditEvent)
        .outerjoin(Invoice, Invoice.id == AuditEvent.invoice_id)
        .outerjoin(User, User.id == AuditEvent.actor_id)
    )
    if query.invoice_number is not None:
        invoice_id = session.scalar(
            select(Invoice.id).where(Invoice.number == query.invoice_number)
        )
        if invoice_id is None:
            return None
        selected = selected.where(AuditEvent.invoice_id == invoice_id)
    if query.actor_id is not None:
        selected = selected.where(AuditEvent.actor_id == query.actor_id)
    if query.action is not None:
        selected = selected.where(AuditEvent.action == query.action)
    if query.since is not None:
        selected = selected.where(AuditEvent.created_at >= _utc_midnight(query.since, query))
    if query.until is not None:
        end = _utc_midnight(query.until + timedelta(days=1), query)
        selected = selected.where(AuditEvent.created_at < end)
    return selected


def _utc_midnight(day: date, query: AuditQuery) -> datetime:
    """The day's start on the reader's clock, as the naive UTC the database holds."""
    local = datetime.combine(day, time.min, tzinfo=zone(query.time_zone))
    return local.astimezone(UTC).replace(tzinfo=None)


def _row(record) -> AuditRow:
    return AuditRow(**record._mapping)


def _named(session: Session, query: AuditQuery) -> User | None:
    return session.get(User, query.actor_id) if query.actor_id is not None else None

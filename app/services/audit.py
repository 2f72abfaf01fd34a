"""The audit trail: insert-only events in hash chains, one per invoice plus one for the system."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import String, Text, cast, literal, select
from sqlalchemy import event as orm_events
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, make_transient_to_detached, scoped_session
from sqlalchemy.orm.util import identity_key

from app.errors import ConcurrentEditError
from app.i18n import _
from app.models.audit import SYSTEM_CHAIN, AuditEvent, invoice_chain
from app.models.base import utcnow
from app.services.webhook_events import queue_deliveries

GENESIS = "0" * 64
# Each lost race means another writer succeeded, so N concurrent writers need at most N tries.
APPEND_ATTEMPTS = 50


def record(
    session: Session,
    action: str,
    actor_id: int | None,
    details: dict[str, Any] | None = None,
    invoice_id: int | None = None,
) -> AuditEvent:
    """Append an event to the invoice's chain (or the system chain) and return it."""
    chain = invoice_chain(invoice_id) if invoice_id else SYSTEM_CHAIN
    body = {
        "chain": chain,
        "invoice_id": invoice_id,
        "actor_id": actor_id,
        "action": action,
        "details": _jsonable(details or {}),
    }
    heads = _known_heads(session)
    for _attempt in range(APPEND_ATTEMPTS):
        # A chain this transaction appended to needs no read: its uncommitted event holds the
        # next sequence number, so no other writer can take the one after it. A head the
        # caller read with its own query (expect_head) needs none either: should another writer
        # have appended since, the insert finds the number taken and the loop reads the head.
        head = heads.get(chain) or _head(session, chain)
        event = _insert_unless_taken(session, _event_after(head, body))
        if event is not None:
            heads[chain] = Head(event.sequence, event.hash)
            queue_deliveries(session, event)  # webhooks: same transaction as the change
            return event
        # Another transaction appended to this chain first: build on its event instead.
        heads.pop(chain, None)
    raise ConcurrentEditError(_("The audit trail is busy: try again."))


_COLUMNS = [column.key for column in AuditEvent.__table__.columns if column.key != "id"]


def _event_after(head, body: dict) -> dict:
    """The row of the event after `head` (no ORM object: only its hash is computed here)."""
    values = dict.fromkeys(_COLUMNS)
    values.update(
        body,
        sequence=(head.sequence + 1) if head else 1,
        created_at=utcnow(),
        prev_hash=head.hash if head else GENESIS,
    )
    content = _canonical(*(values[key] for key in _HASHED))
    values["hash"] = _hash(values["prev_hash"], content)
    return values


# What canonical() hashes, in _canonical()'s order.
_HASHED = ("chain", "sequence", "invoice_id", "actor_id", "action", "details", "created_at")


def _insert_unless_taken(session: Session, values: dict) -> AuditEvent | None:
    """INSERT ... ON CONFLICT DO NOTHING: a sequence number taken meanwhile gives None and
    leaves the transaction usable (no savepoint needed).

    A plain Core insert on the session's connection (the ORM's insert would build and load an
    object through its bulk path): the event returned is made from the row written, and is
    added to the session as already stored, so it is no second INSERT and lazy-loads its actor
    like one read back."""
    if session.autoflush and session.new:  # the invoice or user it names may be pending
        session.flush()  # (changes to rows already stored can wait for the next flush)
    connection = session.connection()
    event_id = connection.execute(_insert_statement(connection.dialect.name), values).scalar()
    if event_id is None:
        return None
    stale = session.identity_map.get(identity_key(AuditEvent, event_id))
    if stale is not None:  # an event of a rolled-back transaction whose id was given again
        session.expunge(stale)
    event = AuditEvent(id=event_id, **values)
    make_transient_to_detached(event)
    session.add(event)
    return event


_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


@cache
def _insert_statement(dialect: str):
    """Built once per dialect (building it costs more than running it)."""
    insert = _INSERTS.get(dialect)
    if insert is None:
        raise NotImplementedError(f"the audit trail supports SQLite and PostgreSQL, not {dialect}")
    table = AuditEvent.__table__
    return (
        insert(table)
        .on_conflict_do_nothing(index_elements=["chain", "sequence"])
        .returning(table.c.id)
    )


@dataclass(frozen=True)
class Head:
    sequence: int
    hash: str


def _known_heads(session: Session) -> dict[str, Head]:
    """Heads this transaction appended: a second event on a chain needs no read. Kept per
    transaction and dropped on any rollback (a savepoint's too), so a rolled-back append is
    never built on."""
    plain = session() if isinstance(session, scoped_session) else session
    transaction = plain.get_transaction()
    if transaction is None:
        return {}
    known = plain.info.get("audit_heads")
    if known is None or known[0] is not transaction:
        known = (transaction, {})
        plain.info["audit_heads"] = known
    return known[1]


def invoice_head_columns(invoice_id) -> tuple:
    """(sequence, hash) of the last event of the invoice's chain, as scalar subqueries on the
    SQL expression `invoice_id`: a caller's query reads the head with what it reads anyway,
    and hands it to expect_head()."""
    chain = literal(invoice_chain(""), String) + cast(invoice_id, String)
    last = (
        select(AuditEvent.sequence)
        .where(AuditEvent.chain == chain)
        .order_by(AuditEvent.sequence.desc())
        .limit(1)
    )
    return (
        last.scalar_subquery().label("audit_sequence"),
        last.with_only_columns(AuditEvent.hash).scalar_subquery().label("audit_hash"),
    )


def expect_head(session: Session, invoice_id: int, sequence: int | None, hash_: str | None):
    """The head of the invoice's chain as the caller's query read it in this transaction: the
    next record() builds on it without reading it again (see invoice_head_columns)."""
    if sequence is not None and hash_ is not None:
        _known_heads(session).setdefault(invoice_chain(invoice_id), Head(sequence, hash_))


@orm_events.listens_for(Session, "after_soft_rollback")
def _forget_heads(session: Session, _previous_transaction) -> None:
    session.info.pop("audit_heads", None)


def _head(session: Session, chain: str):
    """(sequence, hash) of the chain's last event, or None."""
    return session.execute(
        select(AuditEvent.sequence, AuditEvent.hash)
        .where(AuditEvent.chain == chain)
        .order_by(AuditEvent.sequence.desc())
        .limit(1)
    ).first()


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


# One encoder for every event: json.dumps with options would build a new one per call.
_CANONICAL_JSON = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical(event: AuditEvent) -> str:
    """The event's hashed content."""
    return _canonical(
        event.chain,
        event.sequence,
        event.invoice_id,
        event.actor_id,
        event.action,
        event.details,
        event.created_at,
    )


def _canonical(chain, sequence, invoice_id, actor_id, action, details, created_at) -> str:
    body = {
        "chain": chain,
        "sequence": sequence,
        "invoice_id": invoice_id,
        "actor_id": actor_id,
        "action": action,
        "details": details,
        "created_at": created_at.isoformat(timespec="microseconds"),
    }
    return _CANONICAL_JSON.encode(body)


def event_hash(event: AuditEvent) -> str:
    return _hash(event.prev_hash, canonical(event))


def _hash(prev_hash: str, content: str) -> str:
    return hashlib.sha256((prev_hash + content).encode()).hexdigest()


@dataclass
class ChainReport:
    chain: str
    length: int
    head: str
    broken_at: int | None = None
    problem: str | None = None
    last_sequence: int = 0
    # The sequence an anchor recorded as this chain's head, and the hash stored there now.
    anchored_sequence: int | None = None
    anchored_hash: str | None = None


# Rows fetched per round trip; on PostgreSQL a server-side cursor streams them.
VERIFY_BATCH = 10_000
# The details come as the stored text and are parsed here: several times faster than the
# driver's JSON conversion, which would otherwise take a third of the walk.
_WALKED = (
    AuditEvent.chain,
    AuditEvent.sequence,
    AuditEvent.invoice_id,
    AuditEvent.actor_id,
    AuditEvent.action,
    cast(AuditEvent.details, Text).label("details"),
    AuditEvent.created_at,
    AuditEvent.prev_hash,
    AuditEvent.hash,
)
_PARSE_JSON = json.JSONDecoder().decode


def verify(session: Session, anchored: Mapping[str, int] | None = None) -> list[ChainReport]:
    """Walk every chain; report its head and the first event that breaks it, if any.

    `anchored` maps a chain to the sequence an anchor recorded as its head: the hash stored at
    that sequence is noted in the report. Rows are streamed as plain tuples, never loaded whole.
    """
    anchored = anchored or {}
    reports: list[ChainReport] = []
    report = None
    # Core rows on the session's connection: no ORM loading step per row.
    rows = session.connection().execute(
        select(*_WALKED)
        .order_by(AuditEvent.chain, AuditEvent.sequence)
        .execution_options(yield_per=VERIFY_BATCH)
    )
    for event in rows:
        if report is None or event.chain != report.chain:
            report = ChainReport(event.chain, 0, GENESIS)
            report.anchored_sequence = anchored.get(event.chain)
            reports.append(report)
        if report.broken_at is None:
            _check_link(report, event)
        report.length += 1
        report.last_sequence = event.sequence
        if event.sequence == report.anchored_sequence:
            report.anchored_hash = event.hash
    return reports


def _check_link(report: ChainReport, event) -> None:
    """`event` is a walked row: its details are still JSON text."""
    if event.sequence != report.length + 1:
        report.broken_at, report.problem = event.sequence, "sequence gap"
    elif event.prev_hash != report.head:
        report.broken_at, report.problem = event.sequence, "previous hash does not match"
    elif event.hash != _walked_hash(event):
        report.broken_at, report.problem = event.sequence, "content does not match its hash"
    else:
        report.head = event.hash


def _walked_hash(event) -> str:
    try:
        details = _PARSE_JSON(event.details)
    except ValueError:
        return ""  # not JSON: it cannot be what was hashed
    content = _canonical(
        event.chain,
        event.sequence,
        event.invoice_id,
        event.actor_id,
        event.action,
        details,
        event.created_at,
    )
    return _hash(event.prev_hash, content)

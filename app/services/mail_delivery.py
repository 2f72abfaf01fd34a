"""Delivering the outbox: claim a small batch, then for each message mark the attempt, send it,
record the outcome at once; retry with backoff; give up after MAX_ATTEMPTS. What the batch's
messages read to be written (invoices, tasks, names, decision links) the mailer reads once for
the whole batch before the first goes out (its `prepare`), so a message costs the database only
its two writes, in one commit.

Several workers may run at once. A claim leases a few rows to one worker (FOR UPDATE SKIP LOCKED
on PostgreSQL) for a short lease, renewed as the batch goes, so a worker that dies delays the rest
of its batch by one lease at most. An attempt is committed as `sending` before the message goes
out, and `sent` once the server accepted it, in the same commit as the next message's `sending`
(or at the end of the batch): still before anything else goes out. A message goes out twice only
when its worker (or the database) stopped between the server's acceptance and that commit. Its
outcome is then unknown, and it is sent again once the lease is over, with the same Message-ID
(delivery is at-least-once).

A server that cannot be reached stops the batch (the rest of it waits, due, without an attempt
counted) and the messages it refused wait for it: it is tried again once every PROBE_EVERY, and
the first message it accepts pulls them all forward (app/services/mail_waiting.py).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Protocol

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from app.models import OutboxMessage, OutboxStatus
from app.services.mail_claim import BATCH_SIZE, LEASE, claim_due, new_claim_token, outbox_update
from app.services.mail_waiting import PENDING, Probe, claim_probe, last_try, pull_forward, resting

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8


class Mailer(Protocol):
    def connection(self):
        """A context manager: one connection for a batch of messages."""

    def send(self, message: OutboxMessage) -> None: ...

    # Optional: `prepare(messages)` reads what a batch's messages need, for them all, before
    # the first is sent (a mailer without it reads per message).


@dataclass(frozen=True)
class DeliverySettings:
    server: str = "folder"  # host:port of the SMTP server, which failures and recoveries name
    batch_size: int = BATCH_SIZE
    lease: timedelta = LEASE

    @classmethod
    def from_config(cls, config) -> DeliverySettings:
        server = config.get("MAIL_SERVER")
        return cls(
            server=f"{server}:{config.get('MAIL_PORT')}" if server else "folder",
            batch_size=int(config.get("OUTBOX_BATCH_SIZE", BATCH_SIZE)),
            lease=timedelta(seconds=float(config.get("OUTBOX_LEASE_SECONDS", LEASE.seconds))),
        )


def header_value(text: str) -> str:
    """One line: a line break (CR, LF or any Unicode one) in a header value would start a
    header of its own, such as a Bcc the sender never meant."""
    return " ".join(part.strip() for part in str(text).splitlines() if part.strip())


class PermanentDeliveryError(Exception):
    """The server refused for good (5xx): retrying would not help."""


class ServerUnavailableError(Exception):
    """The server could not take any message now (unreachable, connection lost, 421, a 4xx to
    the message as a whole): the rest of the batch waits, and this message waits for it."""


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, 8 ... minutes, at most 6 hours."""
    return timedelta(minutes=min(2 ** (attempts - 1), 360))


class _Batch:
    """The rows one claim leased, and the application's clock as it runs on during the batch."""

    def __init__(
        self,
        ids: list[int],
        token: str,
        now: datetime,
        settings: DeliverySettings,
        probe: Probe | None = None,
    ):
        self.ids, self.token, self.settings, self.probe = ids, token, settings, probe
        self.started_at, self._started = now, time.monotonic()
        self.lease_until = now + settings.lease
        self.pulled_forward = False
        self.unsaved: dict | None = None  # an acceptance recorded and not committed yet
        self.unreachable = ""  # what the server said when it could not take the batch

    def now(self) -> datetime:
        return self.started_at + timedelta(seconds=time.monotonic() - self._started)

    def renew_lease(self, session: Session, rest: list[int]) -> None:
        """Half the lease gone: extend it for the rows not tried yet (same transaction as the
        next attempt's mark)."""
        now = self.now()
        if not rest or now < self.lease_until - self.settings.lease / 2:
            return
        self.lease_until = now + self.settings.lease
        session.execute(
            outbox_update(
                OutboxMessage.id.in_(rest), OutboxMessage.claimed_by == self.token, PENDING
            ).values(next_attempt_at=self.lease_until)
        )


def deliver_due(
    session: Session, mailer: Mailer, now: datetime, settings: DeliverySettings | None = None
) -> dict:
    """Send one claimed batch over one connection, or the probe of a server messages wait for.
    Returns counts; `server_down` is 1 when the server could not be reached (the caller then
    pauses); nothing is tried while that server rests (mail_waiting.PROBE_EVERY)."""
    settings = settings or DeliverySettings()
    counts = {"sent": 0, "retry": 0, "failed": 0, "server_down": 0}
    last = last_try(session, settings.server)
    if resting(last, now):
        session.rollback()
        return counts
    token = new_claim_token()
    ids, probe = claim_due(session, now, token, settings.batch_size, settings.lease), None
    if not ids and last is not None:
        probe = claim_probe(session, settings.server, now, token, settings.lease)
        ids = [probe.message_id] if probe else []
        counts["probed"] = len(ids)
    if not ids:
        return counts
    batch = _Batch(ids, token, now, settings, probe)
    batch.pulled_forward = last is None  # no message waited for the server: none to pull forward
    messages = _detached(session, ids)
    _prepare(mailer, [messages[pk] for pk in ids if pk in messages])
    with mailer.connection():
        try:
            _deliver_batch(session, mailer, batch, messages, counts)
        except BaseException:
            _save_acceptance(session, batch)
            raise
        if batch.unsaved:
            session.commit()  # before the connection's QUIT, which a slow server may hold up
    return counts


def _deliver_batch(session, mailer, batch: _Batch, messages: dict, counts: dict) -> None:
    ids = batch.ids
    for position, message_id in enumerate(ids):
        message = messages.get(message_id)
        outcome = _deliver_one(session, mailer, batch, message, ids[position + 1 :])
        if outcome is None:
            continue  # its lease ran out and another worker took it
        counts[outcome] += 1
        if outcome == "server_down":
            _give_back(session, batch, ids[position + 1 :])
            break


def _save_acceptance(session: Session, batch: _Batch) -> None:
    """A statement after an acceptance failed (the next message's mark, a lost connection):
    that message did go out, so its `sent` is recorded on its own, if the database takes it.
    Otherwise it is sent again after its lease. (Writing it twice is harmless.)"""
    accepted, batch.unsaved = batch.unsaved, None
    session.rollback()
    if accepted is None:
        return
    try:
        session.connection().execute(_sent_statement(), accepted)
        session.commit()
    except Exception:  # noqa: BLE001 - the batch's own failure is the one raised
        log.warning("outbox: message %s was sent but could not be recorded", accepted["row_id"])
        session.rollback()


def _detached(session: Session, ids: list[int]) -> dict[int, OutboxMessage]:
    """The batch's rows and recipients in one query, out of the session: the commit after each
    message does not make them load again."""
    rows = session.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(ids))).unique().all()
    for row in rows:
        session.expunge(row)
        if row.recipient is not None and row.recipient in session:  # one person, many rows
            session.expunge(row.recipient)
    session.commit()
    return {row.id: row for row in rows}


def _prepare(mailer: Mailer, messages: list[OutboxMessage]) -> None:
    prepare = getattr(mailer, "prepare", None)
    if prepare is not None:
        prepare(messages)


def _deliver_one(session, mailer, batch: _Batch, message, rest: list[int]) -> str | None:
    if message is None or message.claimed_by != batch.token:
        return None
    message_id = message.id
    unknown = message.status == OutboxStatus.SENDING  # a worker died during its last attempt
    if unknown and message.attempts >= MAX_ATTEMPTS:  # it stops every worker that tries it
        error = ServerUnavailableError("outcome unknown: the worker stopped at every attempt")
        return _record(session, message_id, "failed", status=OutboxStatus.FAILED, error=error)
    batch.renew_lease(session, rest)
    attempts = _mark_attempt(session, batch, message_id, unknown)
    if attempts is None:
        return None
    message.attempts = attempts  # a detached copy: never written back
    try:
        mailer.send(message)
    except PermanentDeliveryError as exc:
        return _record(session, message_id, "failed", status=OutboxStatus.FAILED, error=exc)
    except ServerUnavailableError as exc:
        return _retry(session, batch, message, exc, waiting=True)
    except Exception as exc:  # noqa: BLE001 - any other failure is retried
        return _retry(session, batch, message, exc, waiting=False)
    return _accepted(session, batch, message_id)


def _mark_attempt(session: Session, batch: _Batch, message_id: int, unknown: bool) -> int | None:
    """Committed before the message goes out: `sending`, since when, one more attempt, and this
    message's own lease. Returns the attempts, None when the row is no longer ours."""
    now = batch.now()
    parameters = {
        "row_id": message_id,
        "token": batch.token,
        "started_at": now,
        "lease_until": now + batch.settings.lease,
    }
    # On the session's connection (no ORM handling of the statement: the commit expires what
    # the session holds of the row).
    attempts = session.connection().execute(_mark_statement(unknown), parameters).scalar()
    session.commit()  # the previous message's acceptance with it
    batch.unsaved = None
    return attempts


# The statements of every message are built once (building one costs more than running it).
@cache
def _mark_statement(unknown: bool):
    values = {
        "status": OutboxStatus.SENDING,
        "attempts": OutboxMessage.attempts + 1,
        "attempt_started_at": bindparam("started_at"),
        "next_attempt_at": bindparam("lease_until"),
    }
    if unknown:
        values["last_error"] = "outcome unknown: the worker stopped during the attempt"
    return (
        outbox_update(
            OutboxMessage.id == bindparam("row_id"),
            OutboxMessage.claimed_by == bindparam("token"),
        )
        .values(**values)
        .returning(OutboxMessage.attempts)
    )


@cache
def _sent_statement():
    return outbox_update(OutboxMessage.id == bindparam("row_id")).values(
        status=OutboxStatus.SENT, sent_at=bindparam("accepted_at"), claimed_by=None
    )


def _accepted(session: Session, batch: _Batch, message_id: int) -> str:
    """The server took it: recorded now, committed with the next message's mark (before that
    one goes out) or at the end of the batch. The first acceptance of a batch also pulls
    forward what waits for this server, when something did."""
    if not batch.pulled_forward:
        batch.pulled_forward = True
        pull_forward(session, batch.settings.server, batch.started_at)
    accepted = {"row_id": message_id, "accepted_at": batch.now()}
    session.connection().execute(_sent_statement(), accepted)
    batch.unsaved = accepted
    return "sent"


def _retry(session, batch: _Batch, message: OutboxMessage, exc: Exception, waiting: bool) -> str:
    if waiting and batch.probe is not None:
        return _still_away(session, batch, message.id, exc)
    attempts = message.attempts  # reloaded after the mark: this attempt included
    if attempts >= MAX_ATTEMPTS:
        outcome = "server_down" if waiting else "failed"
        _record(session, message.id, outcome, status=OutboxStatus.FAILED, error=exc)
        return outcome
    now = batch.now()
    if waiting:
        batch.unreachable = _describe(exc)
    return _record(
        session,
        message.id,
        "server_down" if waiting else "retry",
        status=OutboxStatus.PENDING,
        error=exc,
        next_attempt_at=now + backoff(attempts),
        waiting_for_server=batch.settings.server if waiting else None,
        claimed_by=None,
    )


def _still_away(session: Session, batch: _Batch, message_id: int, exc: Exception) -> str:
    """A probe found the server still away: its message waits as before, the attempt given
    back, at its own backoff's time."""
    batch.unreachable = _describe(exc)
    return _record(
        session,
        message_id,
        "server_down",
        status=OutboxStatus.PENDING,
        error=exc,
        attempts=OutboxMessage.attempts - 1,
        next_attempt_at=batch.probe.due_at,
        waiting_for_server=batch.settings.server,
        claimed_by=None,
    )


def _give_back(session: Session, batch: _Batch, rest: list[int]) -> None:
    """The server is unreachable: the rows not tried are due again, no attempt counted."""
    if rest:
        session.execute(
            outbox_update(
                OutboxMessage.id.in_(rest), OutboxMessage.claimed_by == batch.token, PENDING
            ).values(
                next_attempt_at=batch.started_at,
                claimed_by=None,
                last_error=f"not tried yet: {batch.unreachable}"[:2000],
            )
        )
        session.commit()


def _record(session: Session, message_id: int, outcome: str, error=None, **values) -> str:
    if error is not None:
        values["last_error"] = _describe(error)
    session.execute(outbox_update(OutboxMessage.id == message_id).values(**values))
    session.commit()
    return outcome


def _describe(error: Exception) -> str:
    if isinstance(error, PermanentDeliveryError | ServerUnavailableError):
        return str(error)[:2000]
    return f"{type(error).__name__}: {error}"[:2000]

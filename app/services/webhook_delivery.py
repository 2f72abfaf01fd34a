"""Delivering webhooks from the outbox table `webhook_delivery`, as mail is delivered
(app/services/mail_delivery.py): claim a small batch with a separate SELECT ... FOR UPDATE SKIP
LOCKED and an UPDATE that leases it, mark each attempt `sending` before the request, record the
outcome right after; retry 5xx, 408, 429, timeouts and connection failures with backoff; give
up after MAX_ATTEMPTS.

Per invoice and subscription the receiver gets the events in the order of the invoice's audit
chain: a delivery is not claimed while an earlier one of its invoice to the same subscription is
still pending or being sent (delivered or given up, it no longer holds the next one back).
Delivery is at-least-once: a worker that dies after the receiver answered sends it again after
its lease, with the same delivery id.
"""

from __future__ import annotations

import calendar
import json
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Protocol

from sqlalchemy import Integer, and_, bindparam, exists, literal_column, or_, select, update
from sqlalchemy.orm import Session, aliased

from app.domain.webhook_addresses import AddressRefusedError, Allowlist
from app.models import WebhookDelivery, WebhookDeliveryStatus
from app.services.webhook_sender import Answer, HttpSender, signed_headers

LEASE = timedelta(seconds=30)
BATCH_SIZE = 10
MAX_ATTEMPTS = 8
RETRIED_STATUSES = {408, 429}
ERROR_LIMIT = 2000
Delivery = WebhookDelivery
_CLAIMABLE_STATUSES = (literal_column("'pending'"), literal_column("'sending'"))
# Literals, not bound parameters: only then may the database use the partial index.
CLAIMABLE = Delivery.status.in_(_CLAIMABLE_STATUSES)


class Sender(Protocol):
    def send(self, url: str, body: bytes, headers: dict) -> Answer: ...


@dataclass(frozen=True)
class WebhookSettings:
    allowlist: Allowlist = Allowlist()
    timeout: float = 5.0
    batch_size: int = BATCH_SIZE
    lease: timedelta = LEASE

    @classmethod
    def from_config(cls, config) -> WebhookSettings:
        return cls(
            allowlist=Allowlist.parse(config.get("WEBHOOK_ALLOWED_HOSTS", "")),
            timeout=float(config.get("WEBHOOK_TIMEOUT_SECONDS", 5)),
            batch_size=int(config.get("WEBHOOK_BATCH_SIZE", BATCH_SIZE)),
            lease=timedelta(seconds=float(config.get("WEBHOOK_LEASE_SECONDS", LEASE.seconds))),
        )

    def sender(self) -> HttpSender:
        return HttpSender(self.allowlist, timeout=self.timeout)


def backoff(attempts: int) -> timedelta:
    """30 s, 1, 2, 4 ... minutes, at most 6 hours."""
    return timedelta(seconds=min(30 * 2 ** (attempts - 1), 6 * 3600))


def claim_due(session: Session, now: datetime, token: str, limit: int, lease: timedelta):
    """Lease due deliveries that wait for no earlier one of their invoice to `token`.
    (Two statements, as for mail: PostgreSQL may run a LIMIT subquery inside an UPDATE more
    than once.)"""
    due = session.scalars(_due_statement(), {"now": now, "limit": limit}).all()
    if not due:
        session.rollback()
        return []
    claimed = session.scalars(
        _update(Delivery.id.in_(due), CLAIMABLE, Delivery.next_attempt_at <= now)
        .values(next_attempt_at=now + lease, claimed_by=token)
        .returning(Delivery.id)
    ).all()
    session.commit()
    return sorted(claimed)


@cache  # built once: building it (the alias above all) costs more than running it
def _due_statement():
    earlier = aliased(Delivery)
    held_back = exists().where(
        earlier.subscription_id == Delivery.subscription_id,
        earlier.invoice_id == Delivery.invoice_id,
        earlier.status.in_(_CLAIMABLE_STATUSES),
        or_(
            earlier.sequence < Delivery.sequence,
            and_(earlier.sequence == Delivery.sequence, earlier.id < Delivery.id),
        ),
    )
    return (
        select(Delivery.id)
        .where(CLAIMABLE, Delivery.next_attempt_at <= bindparam("now"), ~held_back)
        .order_by(Delivery.next_attempt_at, Delivery.id)
        .limit(bindparam("limit", type_=Integer))
        .with_for_update(skip_locked=True, of=Delivery)
    )


class _Batch:
    def __init__(self, token: str, now: datetime, settings: WebhookSettings):
        self.token, self.settings = token, settings
        self.started_at, self._started = now, time.monotonic()
        self.lease_until = now + settings.lease

    def now(self) -> datetime:
        return self.started_at + timedelta(seconds=time.monotonic() - self._started)

    def renew_lease(self, session: Session, rest: list[int]) -> None:
        now = self.now()
        if rest and now >= self.lease_until - self.settings.lease / 2:
            self.lease_until = now + self.settings.lease
            session.execute(
                _update(Delivery.id.in_(rest), Delivery.claimed_by == self.token).values(
                    next_attempt_at=self.lease_until
                )
            )


def deliver_due(
    session: Session, now: datetime, settings: WebhookSettings | None = None, sender=None
) -> dict:
    """Send one claimed batch. Returns counts of delivered, retry and failed."""
    settings = settings or WebhookSettings()
    counts = {"delivered": 0, "retry": 0, "failed": 0}
    batch = _Batch(uuid.uuid4().hex, now, settings)
    ids = claim_due(session, now, batch.token, settings.batch_size, settings.lease)
    if not ids:
        return counts
    own = sender is None
    sender = sender or settings.sender()
    try:
        for position, delivery_id in enumerate(ids):
            outcome = _deliver_one(session, sender, batch, delivery_id, ids[position + 1 :])
            if outcome is not None:
                counts[outcome] += 1
    finally:
        if own:
            sender.close()
    return counts


def _deliver_one(session, sender: Sender, batch: _Batch, delivery_id: int, rest) -> str | None:
    delivery = session.get(Delivery, delivery_id)
    if delivery is None or delivery.claimed_by != batch.token:
        session.rollback()
        return None  # its lease ran out and another worker took it
    subscription = delivery.subscription
    url, uid = subscription.url, delivery.delivery_uid
    secrets = subscription.signing_secrets(batch.now())
    event, body = delivery.event, _body(delivery.payload)
    if not subscription.active:
        return _record(session, delivery_id, "failed", error="the subscription is switched off")
    if delivery.status == WebhookDeliveryStatus.SENDING and delivery.attempts >= MAX_ATTEMPTS:
        error = "outcome unknown: the worker stopped at every attempt"
        return _record(session, delivery_id, "failed", error=error)
    if secrets[0] is None:
        return _record(session, delivery_id, "failed", error="the secret cannot be opened")
    batch.renew_lease(session, rest)
    attempts = _mark_attempt(session, batch, delivery_id)
    if attempts is None:
        return None
    stamp = calendar.timegm(batch.now().utctimetuple())
    try:
        answer = sender.send(url, body, signed_headers(secrets, stamp, body, event, uid))
    except AddressRefusedError as exc:
        if exc.reason == "the host name does not resolve":
            return _retry(session, batch, delivery_id, attempts, error=_refusal(exc))
        return _record(session, delivery_id, "failed", error=_refusal(exc))
    except Exception as exc:  # noqa: BLE001 - timeouts, refused connections: tried again
        return _retry(session, batch, delivery_id, attempts, error=f"{type(exc).__name__}: {exc}")
    return _answered(session, batch, delivery_id, attempts, answer)


def _body(payload: dict) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


def _refusal(exc: AddressRefusedError) -> str:
    return f"address refused: {exc.reason}" + (f" ({exc.host})" if exc.host else "")


def _mark_attempt(session: Session, batch: _Batch, delivery_id: int) -> int | None:
    """Committed before the request: `sending`, one more attempt, this delivery's own lease."""
    now = batch.now()
    attempts = session.scalar(
        _update(Delivery.id == delivery_id, Delivery.claimed_by == batch.token)
        .values(
            status=WebhookDeliveryStatus.SENDING,
            attempts=Delivery.attempts + 1,
            attempt_started_at=now,
            next_attempt_at=now + batch.settings.lease,
        )
        .returning(Delivery.attempts)
    )
    session.commit()
    return attempts


def _answered(session, batch: _Batch, delivery_id: int, attempts: int, answer: Answer) -> str:
    code, excerpt = answer.status_code, answer.excerpt
    seen = {"last_status_code": code, "last_response": excerpt}
    if 200 <= code < 300:
        return _record(
            session,
            delivery_id,
            "delivered",
            status=WebhookDeliveryStatus.DELIVERED,
            delivered_at=batch.now(),
            last_error=None,
            **seen,
        )
    if code >= 500 or code in RETRIED_STATUSES:
        return _retry(session, batch, delivery_id, attempts, error=f"HTTP {code}", **seen)
    why = "a redirect (not followed)" if 300 <= code < 400 else f"HTTP {code}"
    return _record(session, delivery_id, "failed", error=f"refused by the receiver: {why}", **seen)


def _retry(session, batch: _Batch, delivery_id: int, attempts: int, error: str, **values) -> str:
    if attempts >= MAX_ATTEMPTS:
        return _record(session, delivery_id, "failed", error=error, **values)
    return _record(
        session,
        delivery_id,
        "retry",
        error=error,
        status=WebhookDeliveryStatus.PENDING,
        next_attempt_at=batch.now() + backoff(attempts),
        **values,
    )


def _record(session: Session, delivery_id: int, outcome: str, error=None, **values) -> str:
    values.setdefault("status", WebhookDeliveryStatus.FAILED)
    if error is not None:
        values["last_error"] = str(error)[:ERROR_LIMIT]
    values["claimed_by"] = None
    session.execute(_update(Delivery.id == delivery_id).values(**values))
    session.commit()
    return outcome


def _update(*conditions):
    return update(Delivery).where(*conditions).execution_options(synchronize_session=False)

"""Webhook deliveries queued from the audit trail: the one place every event is recorded.

`audit.record` calls `queue_deliveries` for each event it appends, so a delivery is written in
the same transaction as the change it reports (the transactional outbox, as for mail). The
invoice's status in the body is the one the transaction leaves: the event is often recorded
before the process has moved on, so each queued body gets its status just before the commit.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import event as orm_events
from sqlalchemy import select
from sqlalchemy.orm import Session, scoped_session

from app.models import Invoice, WebhookDelivery, WebhookEvent, WebhookSubscription
from app.models.audit import AuditEvent
from app.models.json_rows import json_rows, json_value, rows_of
from app.models.user import User

# The audit actions behind each webhook event.
EVENT_OF_ACTION = {
    "submitted": WebhookEvent.SUBMITTED,
    "resubmitted": WebhookEvent.SUBMITTED,
    "approved": WebhookEvent.APPROVED,
    "returned": WebhookEvent.RETURNED,
    "rejected": WebhookEvent.REJECTED,
    "paid": WebhookEvent.PAID,
    "paid_from_statement": WebhookEvent.PAID,
    "withdrawn": WebhookEvent.WITHDRAWN,
    "task_assigned": WebhookEvent.TASK_ASSIGNED,
}
_QUEUED = "webhook_deliveries_queued"
# The active subscriptions (id, events), read once per transaction: a decision records several
# events, and each would otherwise read them again.
_WANTING = "webhook_subscriptions_wanting"


def queue_deliveries(session: Session, event: AuditEvent) -> list[WebhookDelivery]:
    """One delivery per active subscription that wants the event (none for other events)."""
    name = EVENT_OF_ACTION.get(event.action)
    if name is None or event.invoice_id is None:
        return []
    wanted = [pk for pk, events in _active_subscriptions(session) if name in events]
    if not wanted:
        return []
    body = event_body(session, name, event)
    queued = []
    for subscription_id in wanted:
        uid = str(uuid.uuid4())
        delivery = WebhookDelivery(
            subscription_id=subscription_id,
            delivery_uid=uid,
            event=name,
            invoice_id=event.invoice_id,
            sequence=event.sequence,
            audit_event_id=event.id,
            payload={**body, "delivery_id": uid},
            next_attempt_at=event.created_at,
            created_at=event.created_at,
        )
        session.add(delivery)
        queued.append(delivery)
    _queued(session).extend(queued)
    return queued


def _active_subscriptions(session: Session) -> list[tuple[int, tuple[str, ...]]]:
    info = _plain(session).info
    if _WANTING not in info:
        with session.no_autoflush:  # the invoice's pending changes do not change who subscribed
            rows = session.execute(
                select(WebhookSubscription.id, WebhookSubscription.events).where(
                    WebhookSubscription.active.is_(True)
                )
            ).all()
        _remember(info, rows)
    return info[_WANTING]


def active_subscriptions_column():
    """For a query the transaction makes anyway before it records events (the task a decision
    acts on): the active subscriptions as json_rows of (id, events), so that queueing the
    deliveries reads none (remember_subscriptions())."""
    return (
        select(json_rows(WebhookSubscription.id, WebhookSubscription.events))
        .where(WebhookSubscription.active.is_(True))
        .scalar_subquery()
    )


def remember_subscriptions(session: Session, read: str | None) -> None:
    """What active_subscriptions_column() read, kept for this transaction."""
    rows = [(pk, json_value(events)) for pk, events in rows_of(read)]
    _remember(_plain(session).info, rows)


def _remember(info: dict, rows) -> None:
    info[_WANTING] = sorted((pk, tuple(events or ())) for pk, events in rows)


def event_body(session: Session, name: str, event: AuditEvent) -> dict[str, Any]:
    """What the receiver reads (signed as it is serialized); `status` is filled at commit."""
    invoice = session.get(Invoice, event.invoice_id)
    actor = session.get(User, event.actor_id) if event.actor_id else None
    details = event.details or {}
    body: dict[str, Any] = {
        "event": name,
        "event_id": event.id,
        "occurred_at": event.created_at.isoformat(timespec="seconds") + "Z",
        "invoice": {
            "id": invoice.id,
            "number": invoice.number,
            "amount": str(invoice.amount),
            "currency": invoice.currency,
            "status": str(invoice.status),
        },
        "actor": _person(actor),
    }
    if details.get("comment"):
        body["comment"] = details["comment"]
    if name == WebhookEvent.TASK_ASSIGNED:
        body["task"] = {
            "id": details.get("task"),
            "step": details.get("name"),
            "assignee_id": details.get("assignee_id"),
            "role": details.get("role"),
        }
    return body


def _person(user) -> dict | None:
    if user is None:
        return None  # the process itself (a task handed out, a timer)
    return {
        "id": user.id,
        "username": user.username,
        "name": f"{user.first_name} {user.last_name}".strip(),
    }


def _plain(session):
    return session() if isinstance(session, scoped_session) else session


def _queued(session) -> list[WebhookDelivery]:
    return _plain(session).info.setdefault(_QUEUED, [])


@orm_events.listens_for(Session, "before_commit")
def _fill_in_statuses(session: Session) -> None:
    """The invoice's status as the transaction leaves it, in every body it queued."""
    session.info.pop(_WANTING, None)
    for delivery in session.info.pop(_QUEUED, []):
        invoice = session.get(Invoice, delivery.invoice_id)
        if invoice is None:
            continue
        body = dict(delivery.payload)
        body["invoice"] = {**body["invoice"], "status": str(invoice.status)}
        delivery.payload = body


@orm_events.listens_for(Session, "after_soft_rollback")
def _forget_queued(session: Session, _previous_transaction) -> None:
    session.info.pop(_QUEUED, None)
    session.info.pop(_WANTING, None)

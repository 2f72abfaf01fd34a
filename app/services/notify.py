"""Notifications: in-app always, e-mail through the outbox unless the user turned it off.

Written in the caller's transaction: they exist exactly when the change they report does.
"""

from __future__ import annotations

import uuid
from functools import cache, lru_cache

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import Select, bindparam, insert, select
from sqlalchemy.orm import Session

from app.models import (
    HumanTask,
    Notification,
    OutboxMessage,
    OutboxStatus,
    UserPreference,
)
from app.models.user import User
from app.services import task_holders, task_recipients


def holders_of(session: Session, task: HumanTask) -> list[int]:
    """Everyone who may act on the task now (task_holders' rule: its assignee or the active
    holders of its lane's role who may act on it, or their deputies while they are away)."""
    return list(task_recipients.holders_of(session, task))


def notify_holders(
    session: Session, kind: str, task: HumanTask, event: str, params: dict, invoice=None
) -> dict[int, int]:
    """Tell everyone who may act on the task; a deputy's notice says on whose behalf. Returns
    whom it told, each with whose task it is for them (task_recipients.holders_of())."""
    card = task_holders.Card.of(invoice) if invoice is not None else None
    addresses: dict[int, task_recipients.Address] = {}
    held = task_recipients.holders_of(session, task, card=card, addresses=addresses)
    by_principal: dict[int | None, list[int]] = {}
    for holder, principal in held.items():
        by_principal.setdefault(None if principal == holder else principal, []).append(holder)
    for principal, holders in by_principal.items():
        extra = {} if principal is None else {"on_behalf_of": principal}
        notify(
            session,
            kind,
            holders,
            event=event,
            invoice_id=task.invoice_id,
            task_guid=task.task_guid,
            params={**params, **extra},
            addresses=addresses,
        )
    return held


def notify(
    session: Session,
    kind: str,
    user_ids,
    event: str,
    invoice_id: int | None = None,
    task_guid: str | None = None,
    params: dict | None = None,
    addresses: dict[int, task_recipients.Address] | None = None,
) -> int:
    """Notify each user once per `event` (a stable reference to what happened). `addresses`:
    those of the users already read (task_recipients.holders_of()), so that none is read again."""
    ids = sorted({int(pk) for pk in user_ids if pk is not None})
    if not ids:
        return 0
    recipients = _addresses(session, ids, addresses or {})
    notices, mails = [], []
    for user in recipients:
        notices.append(
            {
                "user_id": user.id,
                "kind": kind,
                "invoice_id": invoice_id,
                "task_guid": task_guid,
                "params": params or {},
            }
        )
        if user.email and kind not in user.email_off:
            mails.append(_outbox_row(user, kind, event, invoice_id, task_guid, params))
    _insert(session, Notification, notices)
    _insert(session, OutboxMessage, mails)
    return len(recipients)


def _insert(session: Session, model, rows: list[dict]) -> None:
    """Plain Core inserts on the session's connection: nothing reads these rows back in the
    transaction that writes them, so no ORM object is built, loaded or flushed for them. Rows
    still pending in the session (an invoice just created) are flushed first: they may be
    what these rows refer to."""
    if not rows:
        return
    if session.new:
        session.flush()
    session.connection().execute(_insert_of(model), rows)


@cache
def _insert_of(model):
    return insert(model.__table__)


def _addresses(session: Session, ids: list[int], known: dict) -> list[task_recipients.Address]:
    """The active users of `ids`, from those known or read in one query."""
    if all(pk in known for pk in ids):
        return [known[pk] for pk in ids]
    return [
        task_recipients.Address(
            row.id,
            row.email,
            row.UserPreference.language if row.UserPreference else None,
            tuple(row.UserPreference.email_off or ()) if row.UserPreference else (),
        )
        for row in session.execute(_recipients_query(), {"ids": ids})
    ]


@cache
def _recipients_query() -> Select:
    """The active users of :ids with their preferences (built once, run with the ids)."""
    return (
        select(User.id, User.email, UserPreference)
        .outerjoin(UserPreference, UserPreference.user_id == User.id)
        .where(User.id.in_(bindparam("ids", expanding=True)), User.active.is_(True))
    )


def _outbox_row(user, kind, event, invoice_id, task_guid, params) -> dict:
    bad_address = _invalid_address(user.email)
    return {  # the other columns take the model's defaults, as with the ORM
        "recipient_id": user.id,
        "to_address": user.email,
        "language": user.language or "",
        "kind": kind,
        "invoice_id": invoice_id,
        "task_guid": task_guid,
        "params": params or {},
        "message_id": f"<{uuid.uuid4().hex}@invoiceflow>",
        "dedupe_key": f"{kind}:{event}:{user.id}",
        # An address that cannot work is shown to admins at once and never retried.
        "status": OutboxStatus.FAILED if bad_address else OutboxStatus.PENDING,
        "last_error": bad_address,
    }


@lru_cache(maxsize=4096)  # the same few addresses again and again: checked once per process
def _invalid_address(address: str) -> str | None:
    try:
        validate_email(address, check_deliverability=False)
    except EmailNotValidError as exc:
        return f"invalid address {address!r}: {exc}"[:2000]
    return None

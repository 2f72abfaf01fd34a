"""Notifications: in-app always, e-mail through the outbox unless the user turned it off.

Written in the caller's transaction: they exist exactly when the change they report does.
"""

from __future__ import annotations

import uuid

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import (
    FormKind,
    HumanTask,
    Invoice,
    InvoiceApprover,
    Notification,
    OutboxMessage,
    OutboxStatus,
    UserPreference,
)
from app.models.user import User, holds_role


def holders_of(session: Session, task: HumanTask) -> list[int]:
    """The person holding a task, or every active holder of its lane's role who may act on it
    (as My tasks offers it): never the initiator, nor for a payment one of the approvers."""
    if task.assignee_user_id is not None:
        return [task.assignee_user_id]
    initiator = select(Invoice.initiator_id).where(Invoice.id == task.invoice_id)
    query = select(User.id).where(
        holds_role(task.candidate_role),
        User.active.is_(True),
        User.id != initiator.scalar_subquery(),
    )
    if task.form == FormKind.PAYMENT:
        approvers = select(InvoiceApprover.user_id).where(
            InvoiceApprover.invoice_id == task.invoice_id
        )
        query = query.where(User.id.not_in(approvers))
    return list(session.scalars(query.order_by(User.id)))


def notify(
    session: Session,
    kind: str,
    user_ids,
    event: str,
    invoice_id: int | None = None,
    task_guid: str | None = None,
    params: dict | None = None,
) -> int:
    """Notify each user once per `event` (a stable reference to what happened)."""
    ids = sorted({int(pk) for pk in user_ids if pk is not None})
    if not ids:
        return 0
    recipients = session.execute(
        select(User.id, User.email, UserPreference)
        .outerjoin(UserPreference, UserPreference.user_id == User.id)
        .where(User.id.in_(ids), User.active.is_(True))
    ).all()
    for user in recipients:  # rows with .id, .email and .UserPreference (None when unset)
        preference = user.UserPreference
        session.add(
            Notification(
                user_id=user.id,
                kind=kind,
                invoice_id=invoice_id,
                task_guid=task_guid,
                params=params or {},
            )
        )
        if user.email and kind not in (preference.email_off if preference else []):
            session.add(_outbox_row(user, preference, kind, event, invoice_id, task_guid, params))
    session.flush()
    return len(recipients)


def _outbox_row(user, preference, kind, event, invoice_id, task_guid, params) -> OutboxMessage:
    bad_address = _invalid_address(user.email)
    return OutboxMessage(
        recipient_id=user.id,
        to_address=user.email,
        language=(preference.language if preference else None) or "",
        kind=kind,
        invoice_id=invoice_id,
        task_guid=task_guid,
        params=params or {},
        message_id=f"<{uuid.uuid4().hex}@invoiceflow>",
        dedupe_key=f"{kind}:{event}:{user.id}",
        # An address that cannot work is shown to admins at once and never retried.
        status=OutboxStatus.FAILED if bad_address else OutboxStatus.PENDING,
        last_error=bad_address,
    )


def _invalid_address(address: str) -> str | None:
    try:
        validate_email(address, check_deliverability=False)
    except EmailNotValidError as exc:
        return f"invalid address {address!r}: {exc}"[:2000]
    return None

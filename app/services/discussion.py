"""The discussion on an invoice: its participants write, everyone who may see the invoice reads.

Participants are collected from the invoice and its process, never chosen by hand: the initiator,
the approvers, and whoever holds or held a task on it (for an open task offered to a role, every
active holder of that role). A message may be edited or deleted by its author for a few minutes;
nothing is ever physically deleted, and every post, edit and delete is an audit event.
Once the invoice is closed people may still discuss it, but a message brings no files to the
card any more (app/services/card_rules.py): closing documents are added from the card.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.errors import (
    InvoiceFlowError,
    PermissionDeniedError,
    ValidationError,
)
from app.i18n import _
from app.models import (
    AttachmentKind,
    DiscussionMessage,
    HumanTask,
    Invoice,
    NotificationKind,
    TaskStatus,
)
from app.services import audit, use_case
from app.services.attachments import IncomingFile, store_files
from app.services.card_rules import check_contributor, files_may_join, may_contribute
from app.services.notify import holders_of, notify
from app.services.visibility import get_visible_invoice, get_visible_row
from app.storage import FileStorage

TEXT_LIMIT = 5000
NOTIFICATION_TEXT_LIMIT = 500
CHANGE_WINDOW = timedelta(minutes=5)
# A thread's updates come in pages of at most this many messages.
UPDATES_LIMIT = 50
# Updates are asked "since" the time of the previous answer, less this: a message committed
# just after that answer was read, but stamped before it, still comes (again, harmlessly).
UPDATES_OVERLAP = timedelta(seconds=10)


class MessageLockedError(InvoiceFlowError):
    """The message can no longer change: deleted, or posted too long ago."""

    status_code = 409


@dataclass
class Discussion:
    invoice: Invoice
    messages: list[DiscussionMessage]
    can_post: bool
    actor_id: int
    now: datetime
    can_attach: bool = True  # whether a message may bring files to the card now

    def can_change(self, message: DiscussionMessage) -> bool:
        return may_change(self.actor_id, message, self.now)


@dataclass
class DiscussionUpdate:
    """What changed in a thread since a reader last looked: new, edited and deleted messages."""

    messages: list[DiscussionMessage]
    since: int  # the newest message id the reader now has
    more: bool  # another page is waiting
    actor_id: int
    now: datetime

    def can_change(self, message: DiscussionMessage) -> bool:
        return may_change(self.actor_id, message, self.now)


def participant_ids(session: Session, invoice: Invoice, tasks=None) -> set[int]:
    """Everyone taking part in the invoice's process, past or present. `tasks`: every task of
    the invoice when the caller has read them already (the card does)."""
    ids = {invoice.initiator_id, *(approver.user_id for approver in invoice.approvers)}
    if tasks is None:
        tasks = session.execute(
            select(
                HumanTask.assignee_user_id,
                HumanTask.completed_by_id,
                HumanTask.candidate_role,
                HumanTask.status,
                HumanTask.invoice_id,
                HumanTask.form,
            ).where(HumanTask.invoice_id == invoice.id)
        )
    for task in tasks:
        ids.update(pk for pk in (task.assignee_user_id, task.completed_by_id) if pk is not None)
        if task.status == TaskStatus.OPEN and task.assignee_user_id is None:
            ids.update(holders_of(session, task))
    return ids


def load_discussion(session: Session, actor, invoice_id, now: datetime) -> Discussion:
    """The thread, oldest first. Raises NotFoundError when the actor may not see the invoice."""
    invoice = get_visible_invoice(session, actor, invoice_id)
    return discussion_of_invoice(session, actor, invoice, now)


def discussion_of_invoice(
    session: Session, actor, invoice: Invoice, now: datetime, tasks=None
) -> Discussion:
    """The thread of an invoice the actor was already found to see (the card reads it once,
    and gives the invoice's tasks it has read: see participant_ids)."""
    messages = list(
        session.scalars(
            select(DiscussionMessage)
            .where(DiscussionMessage.invoice_id == invoice.id)
            .order_by(DiscussionMessage.created_at, DiscussionMessage.id)
        ).unique()
    )
    can_post = actor.id in participant_ids(session, invoice, tasks)
    can_attach = may_contribute(actor) and files_may_join(actor, invoice, [AttachmentKind.OTHER])
    return Discussion(invoice, messages, can_post, actor.id, now, can_attach)


def discussion_updates(
    session: Session, actor, invoice_id, since_id: int, changed_after: datetime, now: datetime
) -> DiscussionUpdate:
    """Messages after `since_id` (a page of them), and those the reader has that were posted,
    edited or deleted after `changed_after`, oldest first. Raises NotFoundError when the actor
    may not see the invoice."""
    invoice = get_visible_invoice(session, actor, invoice_id)
    after = changed_after - UPDATES_OVERLAP
    in_thread = select(DiscussionMessage).where(DiscussionMessage.invoice_id == invoice.id)
    changed = in_thread.where(
        DiscussionMessage.id <= since_id,
        or_(
            DiscussionMessage.created_at > after,
            DiscussionMessage.edited_at > after,
            DiscussionMessage.deleted_at > after,
        ),
    )
    new = in_thread.where(DiscussionMessage.id > since_id)
    changed_rows = _page(session, changed, UPDATES_LIMIT)
    new_rows = _page(session, new, UPDATES_LIMIT + 1)
    page = new_rows[:UPDATES_LIMIT]
    since = max([since_id, *(m.id for m in page)])
    more = len(new_rows) > UPDATES_LIMIT
    return DiscussionUpdate([*changed_rows, *page], since, more, actor.id, now)


def _page(session: Session, query, limit: int) -> list[DiscussionMessage]:
    return list(session.scalars(query.order_by(DiscussionMessage.id).limit(limit)).unique())


@use_case
def post_message(
    session: Session,
    actor,
    invoice_id,
    text: object,
    files: list[IncomingFile],
    storage: FileStorage,
    max_size: int,
    now: datetime,
) -> DiscussionMessage:
    """Post to the thread; files join the card. Notifies the other participants. Raises
    NotFoundError, PermissionDeniedError, ValidationError, FileTooLargeError, FileRejectedError."""
    invoice = get_visible_invoice(session, actor, invoice_id)
    participants = participant_ids(session, invoice)
    if actor.id not in participants:
        raise PermissionDeniedError(
            _("You may read this discussion; only the invoice's participants may write in it.")
        )
    if files:
        check_contributor(actor)  # files join the card: the same right as adding them there
    message = DiscussionMessage(
        invoice_id=invoice.id, author_id=actor.id, text=clean_text(text), created_at=now
    )
    session.add(message)
    session.flush()
    stored = store_files(session, actor, invoice, files, storage, max_size)
    for attachment in stored:
        attachment.message_id = message.id
    details = {
        "message_id": message.id,
        "text": message.text,
        "files": [{"attachment_id": a.id, "filename": a.filename} for a in stored],
    }
    audit.record(session, "message_posted", actor.id, details, invoice.id)
    notify(
        session,
        NotificationKind.DISCUSSION,
        participants - {actor.id},
        event=f"message:{message.id}",
        invoice_id=invoice.id,
        params={"text": message.text[:NOTIFICATION_TEXT_LIMIT], "by": actor.id},
    )
    return message


@use_case
def edit_message(session: Session, actor, message_id, text: object, now: datetime):
    """Change one's own message within the window. Raises NotFoundError,
    PermissionDeniedError, MessageLockedError, ValidationError."""
    message = _changeable_message(session, actor, message_id, now)
    new_text = clean_text(text)
    if new_text == message.text:
        return message
    details = {"message_id": message.id, "old": message.text, "new": new_text}
    message.text = new_text
    message.edited_at = now
    audit.record(session, "message_edited", actor.id, details, message.invoice_id)
    return message


@use_case
def delete_message(session: Session, actor, message_id, now: datetime) -> DiscussionMessage:
    """Withdraw one's own message within the window; the audit trail keeps its text. Raises
    NotFoundError, PermissionDeniedError, MessageLockedError."""
    message = _changeable_message(session, actor, message_id, now)
    details = {"message_id": message.id, "text": message.text}
    message.text = ""
    message.deleted_at = now
    audit.record(session, "message_deleted", actor.id, details, message.invoice_id)
    return message


def clean_text(text: object) -> str:
    """Plain text with its line breaks; raises ValidationError when empty or too long."""
    if not isinstance(text, str):
        text = ""
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        raise ValidationError({"text": [_("Write a message first.")]})
    if len(text) > TEXT_LIMIT:
        raise ValidationError(
            {
                "text": [
                    _(
                        "A message may have at most %(n)s characters (this one has %(m)s).",
                        n=TEXT_LIMIT,
                        m=len(text),
                    )
                ]
            }
        )
    return text


def may_change(actor_id: int, message: DiscussionMessage, now: datetime) -> bool:
    return (
        message.author_id == actor_id
        and not message.is_deleted
        and now - message.created_at <= CHANGE_WINDOW
    )


def get_visible_message(session: Session, actor, message_id: object) -> DiscussionMessage:
    """The message if the actor may see its invoice; NotFoundError otherwise."""
    return get_visible_row(session, actor, DiscussionMessage, message_id, _("Message not found."))


def _changeable_message(session: Session, actor, message_id, now: datetime):
    message = get_visible_message(session, actor, message_id)
    if message.author_id != actor.id:
        raise PermissionDeniedError(_("Only its author may edit or delete a message."))
    if message.is_deleted:
        raise MessageLockedError(_("This message was deleted."))
    if now - message.created_at > CHANGE_WINDOW:
        raise MessageLockedError(
            _(
                "A message may be edited or deleted only within %(n)s minutes of posting.",
                n=int(CHANGE_WINDOW.total_seconds() // 60),
            )
        )
    return message

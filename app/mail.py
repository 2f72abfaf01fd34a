"""Outbox relay: renders each message in its recipient's language and hands it to SMTP.

Without MAIL_SERVER (development) messages are written as .eml files under instance/mail/,
listed for admins, so a new user sees what would have been sent.
"""

from __future__ import annotations

import smtplib
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from flask import current_app, render_template
from flask_babel import force_locale, get_locale
from flask_mail import Message
from sqlalchemy import select

from app.domain.action_links import LinkSigner
from app.domain.titles import render_title
from app.extensions import db, mail
from app.i18n import _, localized_amount
from app.models import HumanTask, Invoice, NotificationKind, OutboxMessage, TaskStatus
from app.models.user import User
from app.notice_lines import DEPUTY_KINDS, approvers_lines, deputy_lines, period_days
from app.services.choose_time_zone import time_zone_of
from app.services.counterparties import FIELD_LABELS
from app.services.email_actions import offered_links
from app.services.mail_delivery import (
    PermanentDeliveryError,
    ServerUnavailableError,
    header_value,
)
from app.web.local_format import local_date, local_time, reading_in

# Mails that hand someone a task to decide: these may carry the one-click decision links.
ACTION_LINK_KINDS = (
    NotificationKind.TASK_ASSIGNED,
    NotificationKind.REASSIGNED,
    NotificationKind.REMINDER,
    NotificationKind.ESCALATION,
)
SUBJECTS = {
    NotificationKind.TASK_ASSIGNED: _("%(title)s"),
    NotificationKind.RETURNED: _("Invoice #%(number)s was returned for rework"),
    NotificationKind.REJECTED: _("Invoice #%(number)s was rejected"),
    NotificationKind.PAID: _("Invoice #%(number)s is paid"),
    NotificationKind.WITHDRAWN: _("Invoice #%(number)s was withdrawn"),
    NotificationKind.REASSIGNED: _("Task reassigned: %(title)s"),
    NotificationKind.DISCUSSION: _("New message on invoice #%(number)s"),
    NotificationKind.REMINDER: _("Reminder: %(title)s"),
    NotificationKind.ESCALATION: _("Overdue: %(title)s"),
    NotificationKind.PASSWORD_CHANGED: _("Your password was changed"),
    NotificationKind.SECOND_FACTOR_CHANGED: _("Your second factor was changed"),
    NotificationKind.CLOSING_DOCUMENT: _("Closing document added to invoice #%(number)s"),
    NotificationKind.COUNTERPARTY_CHANGED: _("Bank details of %(name)s changed"),
    NotificationKind.COUNTERPARTY_ADDED: _("New counterparty: %(name)s"),
    NotificationKind.SECOND_FACTOR_FAILED: _("Someone failed the second factor of your account"),
    NotificationKind.DEPUTY_NAMED: _("You stand in for %(absent)s from %(start)s to %(end)s"),
    NotificationKind.DEPUTY_CHANGED: _(
        "Changed: you stand in for %(absent)s from %(start)s to %(end)s"
    ),
    NotificationKind.DEPUTY_CANCELLED: _(
        "You no longer stand in for %(absent)s (%(start)s to %(end)s)"
    ),
    NotificationKind.APPROVERS_CHANGED: _("Approvers of invoice #%(number)s changed"),
}


def link_for(base_url: str, invoice_id, task_guid, counterparty_id=None, kind=None) -> str:
    if kind in DEPUTY_KINDS:  # a period someone is away: where the periods are listed
        return f"{base_url.rstrip('/')}/account/out-of-office/"
    if task_guid:
        return f"{base_url.rstrip('/')}/tasks/{task_guid}"
    if counterparty_id is not None:  # a counterparty's details changed
        return f"{base_url.rstrip('/')}/counterparties/show/{counterparty_id}"
    if invoice_id is None:  # about the account itself (a password changed): the start page
        return f"{base_url.rstrip('/')}/"
    return f"{base_url.rstrip('/')}/invoices/show/{invoice_id}"


def message_context(message) -> dict:
    """What a notification or an e-mail says, in the current language."""
    invoice = db.session.get(Invoice, message.invoice_id) if message.invoice_id else None
    params = message.params or {}
    title = title_of(params)
    number = invoice.number if invoice else ""
    return {
        "kind": message.kind,
        "title": title,
        "invoice": invoice,
        "number": number,
        "amount": localized_amount(invoice.amount, invoice.currency) if invoice else "",
        "by": person_name(params.get("by")),
        "on_behalf_of": person_name(params.get("on_behalf_of")),
        # A reassignment: from whom (a person, or the role a task was offered to) to whom.
        "from_holder": person_name(params.get("from")) or params.get("from_role") or "",
        "to_holder": person_name(params.get("to")) if message.kind == "reassigned" else "",
        "params": params,
        "subject": subject_line(message.kind, params, number, title),
        "changes": counterparty_changes(params),
        "lines": notice_lines(message.kind, params, number),
        "link": link_for(
            current_app.config["BASE_URL"],
            message.invoice_id,
            message.task_guid,
            params.get("counterparty_id"),
            message.kind,
        ),
    }


def decision_links(row: OutboxMessage) -> dict[str, str]:
    """Approve / Return / Reject links of a task mail to someone who may decide it now
    (app/services/email_actions.py says who gets them), or none."""
    if row.kind not in ACTION_LINK_KINDS:
        return {}
    config = current_app.config
    tokens = offered_links(
        db.session, LinkSigner.from_config(config), row.task_guid, row.recipient_id
    )
    base = config["BASE_URL"].rstrip("/")
    return {action: f"{base}/mail-actions/{token}" for action, token in (tokens or {}).items()}


def title_of(params: dict) -> str:
    """The task title a notification names, in the current language."""
    locale = get_locale()
    return render_title(
        params.get("title_template") or {},
        params.get("title_values") or {},
        locale.language if locale else None,
    )


def subject_line(kind: str, params: dict, number, title: str | None = None) -> str:
    """A notification's (an e-mail's) subject in the current language; `number` is its
    invoice's (the caller has read it)."""
    title = title_of(params) if title is None else title
    values = {"title": title, "number": number or "", "name": params.get("name", "")}
    if kind in DEPUTY_KINDS:
        values.update(absent=person_name(params.get("absent")), **period_days(params))
    subject = str(SUBJECTS.get(kind, "%(title)s")) % values
    if params.get("on_behalf_of"):  # a deputy's notice (dated delegation)
        name = person_name(params["on_behalf_of"])
        subject = str(_("%(subject)s, on behalf of %(name)s", subject=subject, name=name))
    return subject


def notice_lines(kind: str, params: dict, number) -> list[str]:
    """The lines of a deputy's notice or of a changed list of approvers (app/notice_lines.py)."""
    if kind in DEPUTY_KINDS:
        return deputy_lines(kind, params, person_name)
    if kind == NotificationKind.APPROVERS_CHANGED:
        return approvers_lines(params, number, person_name)
    return []


def person_name(user_id) -> str:
    if not isinstance(user_id, int):
        return ""
    user = db.session.get(User, user_id)
    return f"{user.first_name} {user.last_name}" if user else ""


def reader_time(moment, reader) -> str:
    """A moment as a mail shows it: on the recipient's clock (render_message sets their zone),
    the zone named."""
    return local_time(moment)


def invoice_summary(message, reader) -> dict | None:
    """What every mail about an invoice carries so it can be acted on from the mail: number,
    counterparty, amount with its currency, due dates, who is waiting (for a task: whoever
    handed it on, else the initiator) and the comment that came with it. None without an
    invoice."""
    invoice = db.session.get(Invoice, message.invoice_id) if message.invoice_id else None
    if invoice is None:
        return None
    params = message.params or {}
    task = _task(message.task_guid)
    previous = _step_before(task) if task is not None else None
    waiting = ""
    if task is not None:
        waiting = person_name(previous.completed_by_id if previous else invoice.initiator_id)
    return {
        "number": invoice.number,
        "counterparty": invoice.counterparty_name,
        "amount": f"{localized_amount(invoice.amount, invoice.currency)} {invoice.currency}",
        "due_date": local_date(invoice.due_date),
        "task_due": reader_time(task.due_at, reader) if task is not None else "",
        "waiting": waiting,
        "comment": params.get("comment")
        or params.get("reason")
        or (previous.comment if previous else "")
        or "",
        "is_task": task is not None,
    }


def _task(task_guid) -> HumanTask | None:
    if not task_guid:
        return None
    return db.session.scalars(select(HumanTask).where(HumanTask.task_guid == task_guid)).first()


def _step_before(task: HumanTask) -> HumanTask | None:
    """The last step done on the invoice before `task` was handed out."""
    return db.session.scalars(
        select(HumanTask)
        .where(
            HumanTask.invoice_id == task.invoice_id,
            HumanTask.status == TaskStatus.DONE,
            HumanTask.completed_at <= task.created_at,
        )
        .order_by(HumanTask.completed_at.desc(), HumanTask.id.desc())
        .limit(1)
    ).first()


def counterparty_changes(params: dict) -> list[tuple[str, str, str]]:
    """(field, old, new) of a counterparty's change, in the reader's language."""
    changes = params.get("changes") or {}
    return [
        (str(FIELD_LABELS.get(name, name)), change.get("old") or "", change.get("new") or "")
        for name, change in changes.items()
        if isinstance(change, dict)
    ]


def build_message(subject, to_address: str, sender, text: str, html: str) -> Message:
    """The one place a message's headers are set: every value is made one line."""
    if isinstance(sender, tuple | list):
        sender = tuple(header_value(part) for part in sender)
    else:
        sender = header_value(sender)
    return Message(
        subject=header_value(subject),
        recipients=[header_value(to_address)],
        body=text,
        html=html,
        sender=sender,
    )


@dataclass(frozen=True)
class RenderedMail:
    subject: str
    text: str
    html: str


def render_message(
    row: OutboxMessage, default_language: str, action_links: bool = False
) -> RenderedMail:
    """An outbox row as its recipient reads it, in their language: what is sent, and what the
    outbox screen shows. Only what goes to the recipient's mailbox gets the one-click
    Approve / Return / Reject links (`action_links`): an admin's screen never shows them."""
    zone = time_zone_of(db.session, row.recipient_id, current_app.config["DEFAULT_TIME_ZONE"])
    with force_locale(row.language or default_language), reading_in(zone):
        context = message_context(row)
        context["summary"] = invoice_summary(row, row.recipient)
        context["action_links"] = decision_links(row) if action_links else {}
        context["at"] = local_time(row.created_at)  # when it happened, on the reader's clock
        text = render_template("mail/notification.txt", **context)
        html = render_template("mail/notification.html", **context)
    return RenderedMail(str(context["subject"]), text, html)


def subjects_of(rows: list[OutboxMessage], default_language: str) -> dict[int, str]:
    """The subject of each row, in its recipient's language: the invoices and people they name
    read in two queries for the whole list, not per row."""
    invoice_ids = {row.invoice_id for row in rows if row.invoice_id}
    named = [(row.params or {}).get(key) for row in rows for key in ("by", "from", "to")]
    people_ids = {pk for pk in named if isinstance(pk, int)}
    # Loaded into the session, where message_context finds them; held here meanwhile (the
    # session keeps its objects weakly).
    loaded = []
    if invoice_ids:
        loaded += db.session.scalars(select(Invoice).where(Invoice.id.in_(invoice_ids))).unique()
    if people_ids:
        loaded += db.session.scalars(select(User).where(User.id.in_(people_ids))).unique()
    subjects = {}
    for row in rows:
        with force_locale(row.language or default_language):
            subjects[row.id] = str(message_context(row)["subject"])
    del loaded
    return subjects


class OutboxMailer:
    def __init__(self, app):
        self.app = app
        self._connection = None
        self._unreachable: ServerUnavailableError | None = None

    @contextmanager
    def connection(self):
        """One SMTP connection per batch; none for the folder. A server that cannot be reached
        fails each send of the batch at once, without a new connection per message."""
        if not self.app.config.get("MAIL_SERVER"):
            yield
            return
        try:
            connection = mail.connect().__enter__()
        except (OSError, smtplib.SMTPException) as exc:
            connection = None
            self._unreachable = ServerUnavailableError(f"{self._server()} unreachable: {exc}")
        self._connection = connection
        try:
            yield
        finally:
            self._connection, self._unreachable = None, None
            if connection is not None:
                with suppress(OSError, smtplib.SMTPException):
                    connection.__exit__(None, None, None)

    def send(self, row: OutboxMessage) -> None:
        """Raises PermanentDeliveryError (5xx), ServerUnavailableError (the server, not this
        message: unreachable, connection lost, 421 or another 4xx to the whole message); a 4xx
        to the recipient alone is raised as it is."""
        if self._unreachable is not None:
            raise self._unreachable
        message = self._message(row)
        if not self.app.config.get("MAIL_SERVER"):
            self._write(row, message)
            return
        try:
            if self._connection is not None:
                self._connection.send(message)
            else:
                mail.send(message)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _text in exc.recipients.values()]
            if codes and min(codes) >= 500:
                raise PermanentDeliveryError(f"refused by the server: {exc.recipients}") from exc
            raise
        except smtplib.SMTPResponseException as exc:
            if exc.smtp_code >= 500:
                raise PermanentDeliveryError(f"{exc.smtp_code} {exc.smtp_error!r}") from exc
            raise ServerUnavailableError(f"{exc.smtp_code} {exc.smtp_error!r}") from exc
        except (OSError, smtplib.SMTPException) as exc:
            # Connection lost: if it was after the data, the outcome is unknown; sent again.
            raise ServerUnavailableError(f"{self._server()}: {type(exc).__name__}: {exc}") from exc

    def _message(self, row: OutboxMessage) -> Message:
        # The decision links go only to a real mailbox, not to the folder admins may read.
        with_links = bool(self.app.config.get("MAIL_SERVER"))
        rendered = render_message(row, self.app.config["BABEL_DEFAULT_LOCALE"], with_links)
        message = build_message(
            rendered.subject,
            row.to_address,
            self.app.config["MAIL_DEFAULT_SENDER"],
            rendered.text,
            rendered.html,
        )
        message.msgId = header_value(row.message_id)  # fixed at creation: a resend keeps it
        return message

    def _server(self) -> str:
        return f"{self.app.config.get('MAIL_SERVER')}:{self.app.config.get('MAIL_PORT')}"

    def _write(self, row: OutboxMessage, message: Message) -> None:
        folder = Path(self.app.config["MAIL_FOLDER"])
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{row.id:08d}.eml").write_bytes(message.as_bytes())

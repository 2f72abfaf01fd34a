"""Outbox relay: renders each message in its recipient's language and hands it to SMTP.

Without MAIL_SERVER (development) messages are written as .eml files under instance/mail/,
listed for admins, so a new user sees what would have been sent.
"""

from __future__ import annotations

import logging
import smtplib
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_babel import force_locale, get_locale
from flask_mail import Message

from app.domain.titles import render_title
from app.extensions import db, mail
from app.i18n import _, localized_amount
from app.mail_message import build_message
from app.mail_reading import ACTION_LINK_KINDS, MailReading
from app.mail_templates import render_mail_template
from app.models import NotificationKind, OutboxMessage
from app.notice_lines import DEPUTY_KINDS, approvers_lines, deputy_lines, period_days
from app.services.counterparties import FIELD_LABELS
from app.services.mail_delivery import (
    PermanentDeliveryError,
    ServerUnavailableError,
    header_value,
)
from app.web.local_format import local_date, local_time, reading_in

log = logging.getLogger(__name__)

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


def message_context(message, reading: MailReading | None = None) -> dict:
    """What a notification or an e-mail says, in the current language; `reading` holds what
    a batch of them read beforehand (else each is read when asked)."""
    reading = reading or MailReading(db.session, current_app.config["DEFAULT_TIME_ZONE"])
    invoice = reading.invoice(message.invoice_id)
    params = message.params or {}
    title = title_of(params)
    number = invoice.number if invoice else ""
    name_of = reading.name_of
    return {
        "kind": message.kind,
        "title": title,
        "invoice": invoice,
        "number": number,
        "amount": localized_amount(invoice.amount, invoice.currency) if invoice else "",
        "by": name_of(params.get("by")),
        "on_behalf_of": name_of(params.get("on_behalf_of")),
        # A reassignment: from whom (a person, or the role a task was offered to) to whom.
        "from_holder": name_of(params.get("from")) or params.get("from_role") or "",
        "to_holder": name_of(params.get("to")) if message.kind == "reassigned" else "",
        "params": params,
        "subject": subject_line(message.kind, params, number, title, name_of),
        "changes": counterparty_changes(params),
        "lines": notice_lines(message.kind, params, number, name_of),
        "link": link_for(
            current_app.config["BASE_URL"],
            message.invoice_id,
            message.task_guid,
            params.get("counterparty_id"),
            message.kind,
        ),
    }


def decision_links(row: OutboxMessage, reading: MailReading) -> dict[str, str]:
    """Approve / Return / Reject links of a task mail to someone who may decide it now
    (app/services/email_actions.py says who gets them), or none."""
    if row.kind not in ACTION_LINK_KINDS:
        return {}
    base = current_app.config["BASE_URL"].rstrip("/")
    return {
        action: f"{base}/mail-actions/{token}" for action, token in reading.links_of(row).items()
    }


def title_of(params: dict) -> str:
    """The task title a notification names, in the current language."""
    locale = get_locale()
    return render_title(
        params.get("title_template") or {},
        params.get("title_values") or {},
        locale.language if locale else None,
    )


def subject_line(kind: str, params: dict, number, title: str | None = None, name_of=None) -> str:
    """A notification's (an e-mail's) subject in the current language; `number` is its
    invoice's (the caller has read it); `name_of` gives a person's name from their id."""
    name_of = name_of or person_name
    title = title_of(params) if title is None else title
    values = {"title": title, "number": number or "", "name": params.get("name", "")}
    if kind in DEPUTY_KINDS:
        values.update(absent=name_of(params.get("absent")), **period_days(params))
    subject = str(SUBJECTS.get(kind, "%(title)s")) % values
    if params.get("on_behalf_of"):  # a deputy's notice (dated delegation)
        name = name_of(params["on_behalf_of"])
        subject = str(_("%(subject)s, on behalf of %(name)s", subject=subject, name=name))
    return subject


def notice_lines(kind: str, params: dict, number, name_of) -> list[str]:
    """The lines of a deputy's notice or of a changed list of approvers (app/notice_lines.py)."""
    if kind in DEPUTY_KINDS:
        return deputy_lines(kind, params, name_of)
    if kind == NotificationKind.APPROVERS_CHANGED:
        return approvers_lines(params, number, name_of)
    return []


def person_name(user_id) -> str:
    return MailReading(db.session, current_app.config["DEFAULT_TIME_ZONE"]).name_of(user_id)


def reader_time(moment, reader) -> str:
    """A moment as a mail shows it: on the recipient's clock (render_message sets their zone),
    the zone named."""
    return local_time(moment)


def invoice_summary(message, reader, reading: MailReading) -> dict | None:
    """What every mail about an invoice carries so it can be acted on from the mail: number,
    counterparty, amount with its currency, due dates, who is waiting (for a task: whoever
    handed it on, else the initiator) and the comment that came with it. None without an
    invoice."""
    invoice = reading.invoice(message.invoice_id)
    if invoice is None:
        return None
    params = message.params or {}
    task = reading.task(message.task_guid)
    previous = reading.step_before(task) if task is not None else None
    waiting = ""
    if task is not None:
        waiting = reading.name_of(previous.completed_by_id if previous else invoice.initiator_id)
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


def counterparty_changes(params: dict) -> list[tuple[str, str, str]]:
    """(field, old, new) of a counterparty's change, in the reader's language."""
    changes = params.get("changes") or {}
    return [
        (str(FIELD_LABELS.get(name, name)), change.get("old") or "", change.get("new") or "")
        for name, change in changes.items()
        if isinstance(change, dict)
    ]


@dataclass(frozen=True)
class RenderedMail:
    subject: str
    text: str
    html: str


def render_message(
    row: OutboxMessage,
    default_language: str,
    action_links: bool = False,
    reading: MailReading | None = None,
) -> RenderedMail:
    """An outbox row as its recipient reads it, in their language: what is sent, and what the
    outbox screen shows. Only what goes to the recipient's mailbox gets the one-click
    Approve / Return / Reject links (`action_links`): an admin's screen never shows them.
    `reading` holds what the row's batch read (MailReading.of), else the row reads it now."""
    if reading is None or row.id not in reading.message_ids:
        reading = MailReading.of(db.session, [row], current_app.config, action_links)
    with (
        force_locale(row.language or default_language),
        reading_in(reading.zone_of(row.recipient_id)),
    ):
        context = message_context(row, reading)
        context["summary"] = invoice_summary(row, row.recipient, reading)
        context["action_links"] = decision_links(row, reading) if action_links else {}
        context["at"] = local_time(row.created_at)  # when it happened, on the reader's clock
        text = render_mail_template("mail/notification.txt", context)
        html = render_mail_template("mail/notification.html", context)
    return RenderedMail(str(context["subject"]), text, html)


def subjects_of(rows: list[OutboxMessage], default_language: str) -> dict[int, str]:
    """The subject of each row, in its recipient's language: the invoices and people they name
    read in two queries for the whole list, not per row."""
    reading = MailReading.of_subjects(db.session, rows, current_app.config)
    subjects = {}
    for row in rows:
        with force_locale(row.language or default_language):
            subjects[row.id] = str(message_context(row, reading)["subject"])
    return subjects


class OutboxMailer:
    def __init__(self, app):
        self.app = app
        self._connection = None
        self._unreachable: ServerUnavailableError | None = None
        self._reading: MailReading | None = None

    def prepare(self, rows: list[OutboxMessage]) -> None:
        """Read what a batch's messages need, for them all, before the first is sent. Should
        that fail, each message reads its own as it is sent (and fails, if it does, alone)."""
        try:
            self._reading = MailReading.of(db.session, rows, self.app.config, self._with_links())
        except Exception:  # noqa: BLE001 - the messages still go, one by one
            log.exception("outbox: the batch's reading failed; each message reads its own")
            db.session.rollback()
            self._reading = None

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

    def _with_links(self) -> bool:
        # The decision links go only to a real mailbox, not to the folder admins may read.
        return bool(self.app.config.get("MAIL_SERVER"))

    def _message(self, row: OutboxMessage) -> Message:
        rendered = render_message(
            row, self.app.config["BABEL_DEFAULT_LOCALE"], self._with_links(), self._reading
        )
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

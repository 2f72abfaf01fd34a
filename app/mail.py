"""Outbox relay: renders each message in its recipient's language and hands it to SMTP.

Without MAIL_SERVER (development) messages are written as .eml files under instance/mail/,
listed for admins, so a new user sees what would have been sent.
"""

from __future__ import annotations

import smtplib
from contextlib import contextmanager, suppress
from pathlib import Path

from flask import current_app, render_template
from flask_babel import force_locale, get_locale
from flask_mail import Message

from app.domain.titles import render_title
from app.extensions import db, mail
from app.i18n import _, localized_amount
from app.models import Invoice, NotificationKind, OutboxMessage
from app.models.user import User
from app.services.counterparties import FIELD_LABELS
from app.services.mail_delivery import PermanentDeliveryError, header_value

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
}


def link_for(base_url: str, invoice_id, task_guid, counterparty_id=None) -> str:
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
    locale = get_locale()
    title = render_title(
        params.get("title_template") or {},
        params.get("title_values") or {},
        locale.language if locale else None,
    )
    by = db.session.get(User, params["by"]) if params.get("by") else None
    number = invoice.number if invoice else ""
    return {
        "kind": message.kind,
        "title": title,
        "invoice": invoice,
        "number": number,
        "amount": localized_amount(invoice.amount, invoice.currency) if invoice else "",
        "by": f"{by.first_name} {by.last_name}" if by else "",
        "params": params,
        "subject": str(SUBJECTS.get(message.kind, "%(title)s"))
        % {"title": title, "number": number, "name": params.get("name", "")},
        "changes": counterparty_changes(params),
        "link": link_for(
            current_app.config["BASE_URL"],
            message.invoice_id,
            message.task_guid,
            params.get("counterparty_id"),
        ),
    }


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


class OutboxMailer:
    def __init__(self, app):
        self.app = app
        self._connection = None

    @contextmanager
    def connection(self):
        """One SMTP connection per batch; none for the folder or when the server is down."""
        if not self.app.config.get("MAIL_SERVER"):
            yield
            return
        try:
            connection = mail.connect().__enter__()
        except (OSError, smtplib.SMTPException):
            connection = None  # each send then reports the outage and is retried
        self._connection = connection
        try:
            yield
        finally:
            self._connection = None
            if connection is not None:
                with suppress(OSError, smtplib.SMTPException):
                    connection.__exit__(None, None, None)

    def send(self, row: OutboxMessage) -> None:
        language = row.language or self.app.config["BABEL_DEFAULT_LOCALE"]
        with force_locale(language):
            context = message_context(row)
            text = render_template("mail/notification.txt", **context)
            html = render_template("mail/notification.html", **context)
        message = build_message(
            context["subject"], row.to_address, self.app.config["MAIL_DEFAULT_SENDER"], text, html
        )
        message.msgId = header_value(row.message_id)
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
            raise

    def _write(self, row: OutboxMessage, message: Message) -> None:
        folder = Path(self.app.config["MAIL_FOLDER"])
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{row.id:08d}.eml").write_bytes(message.as_bytes())

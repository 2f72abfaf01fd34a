"""The outbox writes each message byte for byte as Flask-Mail writes it: headers folded alike,
the same boundaries drawn, bodies in CRLF lines, 7bit or 8bit as Flask-Mail chooses."""

from __future__ import annotations

import email
import random
from email.policy import default as default_policy

import pytest
from flask_mail import Message

from app.mail_message import build_message

LONG_RUSSIAN = " ".join(["Согласование счёта #1042 от ООО «Ромашка и партнёры» на 1 250 000 ₽"] * 2)
SUBJECTS = [
    "Approval of invoice #7",
    "Согласование счёта #7",
    LONG_RUSSIAN,
    "Reminder: " + " ".join(["a very long English task title that goes on"] * 3),
    "",
]
BODIES = [
    ("A task is waiting for you.\n\nInvoice: #7\n", "<p>A task</p>\n"),
    ("Сумма: 125\u00a0007,00 ₽\r\nКомментарий: «ок»", "<p>Счёт — #7</p>"),
    ("lone\rcarriage\r\rreturns\n\n\n", "no newline at the end"),
    ("From the start of a line\n>quoted\n", "<html>\r\n<body>\r\n</body>\r\n</html>\r\n"),
    ("", ""),
]
SENDERS = [
    "InvoiceFlow <invoiceflow@localhost>",
    "Счета <bills@example.com>",
    ("InvoiceFlow", "invoiceflow@example.com"),
]


def flask_mails_bytes(subject, to_address, sender, text, html, seed: int) -> bytes:
    message = Message(subject=subject, recipients=[to_address], body=text, html=html)
    message.sender = sender if isinstance(sender, str) else f"{sender[0]} <{sender[1]}>"
    message.date, message.msgId = 1_796_000_000.5, "<m-1@invoiceflow>"
    random.seed(seed)
    return message.as_bytes()


def outbox_bytes(subject, to_address, sender, text, html, seed: int) -> bytes:
    message = build_message(subject, to_address, sender, text, html)
    message.date, message.msgId = 1_796_000_000.5, "<m-1@invoiceflow>"
    random.seed(seed)
    return message.as_bytes()


@pytest.mark.parametrize("subject", SUBJECTS)
@pytest.mark.parametrize(("text", "html"), BODIES)
def test_a_message_is_written_as_flask_mail_writes_it(app, subject, text, html):
    with app.app_context():
        for seed, sender in enumerate(SENDERS):
            expected = flask_mails_bytes(subject, "anna@example.com", sender, text, html, seed)
            written = outbox_bytes(subject, "anna@example.com", sender, text, html, seed)
            assert written == expected


def test_many_boundaries_fold_alike_whatever_their_digits(app):
    text, html = BODIES[1]
    with app.app_context():
        for seed in range(200):
            mail = ("Счёт #7", "ivan@example.com", SENDERS[0], text, html, seed)
            assert outbox_bytes(*mail) == flask_mails_bytes(*mail)


def test_a_written_message_reads_back_with_its_subject_and_both_bodies(app):
    with app.app_context():
        raw = outbox_bytes(SUBJECTS[1], "anna@example.com", SENDERS[1], *BODIES[1], seed=3)
    read = email.message_from_bytes(raw, policy=default_policy)
    assert read["Subject"] == SUBJECTS[1]
    assert read["From"].addresses[0].display_name == "Счета"
    assert read.get_body(("plain",)).get_content().startswith("Сумма: 125\u00a0007,00 ₽")
    assert read.get_body(("html",)).get_content() == "<p>Счёт — #7</p>"

"""An e-mail as the outbox sends it: the bytes of Flask-Mail's message (its MIME tree written
under the SMTP policy), written straight from the message's parts.

The outbox sends one shape of message: a subject, one recipient, a text with an HTML
alternative, no attachments. The standard library's general writer builds a tree of parts for
it and parses every header back before folding it again; here what is the same in every message
(the parts' headers, the sender) is folded once per process, a boundary's header once for the
form every boundary has (15 "=", 19 digits, "=="), and the bodies are written with their line
ends made CRLF, as that writer does. tests/mail_worker/test_message_bytes.py holds the bytes to
Flask-Mail's.
"""

from __future__ import annotations

import random
import re
import sys
from email import policy
from email.utils import formatdate
from functools import cache, lru_cache

from flask_mail import Message, sanitize_address, sanitize_subject

from app.services.mail_delivery import header_value

NL = b"\r\n"
_LINE_END = re.compile(rb"\r\n|\r|\n")
_BOUNDARY_FORM = "=" * 15 + "0" * 19 + "=="


class OutboxMail(Message):
    def as_bytes(self) -> bytes:
        if not self._is_outbox_shape():
            return super().as_bytes()
        alternative, inner = _alternative(self.body or "", self.html or "")
        outer = _boundary(inner)
        return b"".join(
            (
                _boundary_header("mixed", outer),
                _header("MIME-Version", "1.0"),
                _header("Subject", _subject(self.subject)) if self.subject else b"",
                _header("From", _address(self.sender)),
                _header("To", _address(self.recipients[0])),
                _fold("Date", formatdate(self.date, localtime=True)),
                _fold("Message-ID", self.msgId),
                NL,
                _multipart_body(outer, [inner]),
            )
        )

    def _is_outbox_shape(self) -> bool:
        """What build_message makes; anything else is written by Flask-Mail itself."""
        return (
            len(self.recipients) == 1
            and set(self.alts) == {"html"}
            and not (self.attachments or self.cc or self.reply_to or self.extra_headers)
            and self.charset in (None, "utf-8")
        )


def build_message(subject, to_address: str, sender, text: str, html: str) -> OutboxMail:
    """The one place a message's headers are set: every value is made one line."""
    if isinstance(sender, tuple | list):
        sender = tuple(header_value(part) for part in sender)
    else:
        sender = header_value(sender)
    return OutboxMail(
        subject=header_value(subject),
        recipients=[header_value(to_address)],
        body=text,
        html=html,
        sender=sender,
    )


# --- the parts, as the standard library's writer flattens Flask-Mail's tree


def _alternative(text: str, html: str) -> tuple[str, bytes]:
    """The multipart/alternative part of the text and the HTML, and its boundary."""
    parts = [_text_part("plain", text), _text_part("html", html)]
    boundary = _boundary(NL.join(parts))
    return boundary, b"".join(
        (
            _boundary_header("alternative", boundary),
            _header("MIME-Version", "1.0"),
            NL,
            _multipart_body(boundary, parts),
        )
    )


def _text_part(subtype: str, text: str) -> bytes:
    body = text.encode("utf-8")  # a lone surrogate raises here, as in Flask-Mail
    return _text_part_headers(subtype, body.isascii()) + NL.join(_LINE_END.split(body))


@cache
def _text_part_headers(subtype: str, ascii_only: bool) -> bytes:
    return b"".join(
        (
            _header("Content-Type", f'text/{subtype}; charset="utf-8"'),
            _header("MIME-Version", "1.0"),
            _header("Content-Transfer-Encoding", "7bit" if ascii_only else "8bit"),
            NL,
        )
    )


def _multipart_body(boundary: str, parts: list[bytes]) -> bytes:
    delimiter = f"--{boundary}".encode()
    return delimiter + NL + (NL + delimiter + NL).join(parts) + NL + delimiter + b"--" + NL


def _boundary(text: bytes) -> str:
    """As the standard library's (the same form, drawn the same way), one not in the text: a
    substring check, stricter than its line pattern, and no pattern to compile."""
    while True:
        boundary = "=" * 15 + f"{random.randrange(sys.maxsize):019d}" + "=="  # noqa: S311
        if f"--{boundary}".encode() not in text:
            return boundary


def _boundary_header(subtype: str, boundary: str) -> bytes:
    return _boundary_header_form(subtype).replace(_BOUNDARY_FORM.encode(), boundary.encode())


@cache
def _boundary_header_form(subtype: str) -> bytes:
    """The Content-Type of a multipart part, folded for a boundary of the one form (its digits
    do not change the folding). The writer sets the boundary on the top part once that part
    has the SMTP policy (a parsed header), on the inner one under the default (text)."""
    value = f'multipart/{subtype}; boundary="{_BOUNDARY_FORM}"'
    if subtype == "mixed":
        return policy.SMTP.header_factory("Content-Type", value).fold(policy=policy.SMTP).encode()
    return _header("Content-Type", value)


def _fold(name: str, value: str) -> bytes:
    """A header Flask-Mail set as text, as the SMTP policy writes it (folded when long)."""
    return policy.SMTP.fold_binary(name, value)


_header = lru_cache(maxsize=1024)(_fold)  # the values that come again (not Date, Message-ID)


@lru_cache(maxsize=1024)
def _address(address) -> str:
    return sanitize_address(address, "utf-8")


@lru_cache(maxsize=1024)
def _subject(subject: str) -> str:
    return sanitize_subject(subject, "utf-8")

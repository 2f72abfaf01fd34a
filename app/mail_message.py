"""An e-mail as the outbox sends it: Flask-Mail's message, written out as Flask-Mail writes it
(the SMTP policy), with two costs of the standard library's writer taken out of the loop of a
busy worker: each header value is parsed once per process, not once per message (the same
few, Content-Type, MIME-Version, From, repeat in every message), and a part boundary is checked
against the text without compiling a pattern of its own for every boundary.
"""

from __future__ import annotations

import random
import sys
from email import policy
from email.generator import BytesGenerator
from email.headerregistry import HeaderRegistry
from functools import lru_cache
from io import BytesIO

from flask_mail import Message

from app.services.mail_delivery import header_value


class _ParsedOnce(HeaderRegistry):
    """Header objects are immutable: one per (name, value) serves every message."""

    @lru_cache(maxsize=1024)  # noqa: B019 - one registry per process, never collected
    def __call__(self, name, value):
        return super().__call__(name, value)


SMTP = policy.SMTP.clone(header_factory=_ParsedOnce())


class _Writer(BytesGenerator):
    @classmethod
    def _make_boundary(cls, text=None):
        """As the standard library's (the same form, `===...<19 digits>==`), one not in the
        text: a substring check, stricter than its line pattern, and no pattern to compile."""
        while True:
            boundary = "=" * 15 + f"{random.randrange(sys.maxsize):019d}" + "=="  # noqa: S311
            if text is None or f"--{boundary}".encode() not in text:
                return boundary


class OutboxMail(Message):
    def as_bytes(self) -> bytes:
        message = self._message()  # Flask-Mail's MIME tree, headers and all
        message.policy = SMTP
        out = BytesIO()
        _Writer(out, mangle_from_=False, policy=SMTP).flatten(message, unixfrom=False)
        return out.getvalue()


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

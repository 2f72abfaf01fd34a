"""The mail folder: messages written as .eml files when no mail server is set, read as a person
reads them (subject decoded, sender and recipients, the text and the HTML part)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from email import policy
from email.errors import MessageError
from email.message import EmailMessage
from email.parser import BytesHeaderParser, BytesParser
from email.utils import parsedate_to_datetime
from pathlib import Path

from app.errors import NotFoundError
from app.i18n import _

MAX_LISTED = 200
# A file the app writes: the outbox row's id, zero-padded (app/mail.py).
FILE_NAME = re.compile(r"[A-Za-z0-9_.-]{1,100}\.eml")


@dataclass(frozen=True)
class FolderMessage:
    name: str
    subject: str
    sender: str
    to: str
    cc: str
    date: str
    message_id: str
    text: str = ""
    html: str = ""


def folder_messages(folder: str, limit: int = MAX_LISTED) -> list[FolderMessage]:
    """The newest messages first, headers only."""
    root = Path(folder)
    if not root.is_dir():
        return []
    paths = sorted(
        (p for p in root.iterdir() if FILE_NAME.fullmatch(p.name) and p.is_file()), reverse=True
    )
    parser = BytesHeaderParser(policy=policy.default)
    found = []
    for path in paths[:limit]:
        with path.open("rb") as handle:
            found.append(_described(path.name, parser.parse(handle)))
    return found


def folder_message(folder: str, name: str) -> FolderMessage:
    """One message with its text and HTML parts. Raises NotFoundError."""
    path = _path(folder, name)
    with path.open("rb") as handle:
        message = BytesParser(policy=policy.default).parse(handle)
    return _described(name, message, with_bodies=True)


def _path(folder: str, name: str) -> Path:
    root = Path(folder)
    path = root / name
    if not FILE_NAME.fullmatch(name) or path.parent != root or not path.is_file():
        raise NotFoundError(_("No such message in the mail folder."))
    return path


def _described(name: str, message, with_bodies: bool = False) -> FolderMessage:
    text = html = ""
    if with_bodies and isinstance(message, EmailMessage):
        text = _part(message, "plain")
        html = _part(message, "html")
    return FolderMessage(
        name=name,
        subject=_header(message, "Subject"),
        sender=_header(message, "From"),
        to=_header(message, "To"),
        cc=_header(message, "Cc"),
        date=_date(_header(message, "Date")),
        message_id=_header(message, "Message-ID"),
        text=text,
        html=html,
    )


def _header(message, name: str) -> str:
    """A header decoded (RFC 2047 words become text); a malformed one as it stands."""
    try:
        value = message.get(name)
    except (MessageError, ValueError, IndexError):
        value = message.get_all(name, failobj=[""])[0] if hasattr(message, "get_all") else ""
    return str(value or "")


def _date(value: str) -> str:
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return value
    return moment.strftime("%Y-%m-%d %H:%M %z")


def _part(message: EmailMessage, subtype: str) -> str:
    try:
        part = message.get_body(preferencelist=(subtype,))
        return part.get_content() if part is not None else ""
    except (LookupError, MessageError, ValueError, KeyError):
        return ""

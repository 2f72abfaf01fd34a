"""What a file is, judged by its bytes, never by its name."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import filetype

from app.i18n import _

ACCEPTED_TYPES = {
    "application/pdf",
    "image/png",
    "image/jpeg",
    "application/msword",
    "application/vnd.ms-excel",
    "application/vnd.ms-powerpoint",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
    "application/rtf",
    "text/plain",
}
INLINE_TYPES = {"application/pdf", "image/png", "image/jpeg"}
_MARKUP = re.compile(rb"<\s*(!doctype|html|svg|script|\?xml|body|iframe)", re.IGNORECASE)
_TEXT_SAMPLE = 64 * 1024


class FileContentError(ValueError):
    pass


@dataclass(frozen=True)
class SniffedFile:
    content_type: str


def sniff(data: bytes) -> SniffedFile:
    """Accept PDF, PNG, JPEG, Office documents and plain text; refuse anything else."""
    if not data:
        raise FileContentError(_("The file is empty."))
    kind = filetype.guess(data[:8192])
    if kind is not None:
        if kind.mime in ACCEPTED_TYPES:
            return SniffedFile(kind.mime)
        raise FileContentError(_("Files of this type (%(type)s) are not accepted.", type=kind.mime))
    if _looks_like_text(data):
        if _MARKUP.search(data[:_TEXT_SAMPLE]):
            raise FileContentError(_("HTML, SVG and XML files are not accepted."))
        return SniffedFile("text/plain")
    raise FileContentError(
        _("This file's content is not a PDF, an image, an Office document or plain text.")
    )


def _looks_like_text(data: bytes) -> bool:
    sample = data[:_TEXT_SAMPLE]
    if b"\x00" in sample:
        return False
    for encoding in ("utf-8", "cp1251"):
        try:
            text = sample.decode(encoding)
        except UnicodeDecodeError:
            continue
        controls = sum(
            1 for ch in text if unicodedata.category(ch) == "Cc" and ch not in "\t\r\n\f"
        )
        return controls == 0
    return False


def safe_display_name(raw: str | None) -> str:
    """Keep the user's file name for display only: no directories, no control characters."""
    name = (raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip(" .")
    return name[:200] or "file"

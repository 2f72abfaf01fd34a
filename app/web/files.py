"""Serving stored files: downloads as attachments; inline previews only for PDF and images.

The bytes stream from the storage through the app (a bucket is never exposed to browsers), so
the permission check and the headers below hold for every backend.
"""

from __future__ import annotations

from flask import abort, send_file

from app.models import Attachment
from app.web import context

PREVIEW_CSP = "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"


def send_attachment(attachment: Attachment, inline: bool = False):
    """Raises StoredFileMissingError (404) and StorageUnavailableError (503) before any byte."""
    if inline and not attachment.previewable:
        abort(404)
    stored = context.file_storage().open(attachment.storage_key)
    response = send_file(
        stored.stream,
        mimetype=attachment.content_type if inline else "application/octet-stream",
        as_attachment=not inline,
        download_name=attachment.filename,
        etag=attachment.sha256,
        max_age=0,
    )
    if response.status_code == 200:
        response.content_length = stored.size
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = PREVIEW_CSP
    response.headers["Cache-Control"] = "private, no-store"
    return response

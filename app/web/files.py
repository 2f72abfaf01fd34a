"""Serving stored files: downloads as attachments; inline previews only for PDF and images."""

from __future__ import annotations

from flask import abort, send_file

from app.models import Attachment
from app.web import context

PREVIEW_CSP = "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"


def send_attachment(attachment: Attachment, inline: bool = False):
    if inline and not attachment.previewable:
        abort(404)
    path = context.file_storage().path_for(attachment.storage_key)
    response = send_file(
        path,
        mimetype=attachment.content_type if inline else "application/octet-stream",
        as_attachment=not inline,
        download_name=attachment.filename,
        etag=attachment.sha256,
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = PREVIEW_CSP
    response.headers["Cache-Control"] = "private, no-store"
    return response

"""The pay form's file across a refused post: the payment order chosen stays chosen.

When the form is refused for another field (a date in the future, a reference too long), the
payment order is kept on the server (app/web/held_uploads.py) and the re-rendered form names it;
posting again without choosing another file uses it. A file that is itself refused (not a PDF or
an image, too large) is not kept: the form asks for another one.
"""

from __future__ import annotations

from flask import request

from app.errors import FileTooLargeError, ValidationError
from app.services.attachments import IncomingFile
from app.services.pay_invoice import check_payment_order
from app.web.held_uploads import HeldFile, hold, release, take

FILE_FIELD = "payment_order"
TOKEN_FIELD = "payment_order_token"  # noqa: S105 - a form field's name


def _purpose(task_guid: str) -> str:
    return f"pay:{task_guid}"


def chosen_order(actor_id: int, task_guid: str) -> tuple[IncomingFile | None, str | None]:
    """The file this post brings (a new one replaces the one kept before) and, when it is the
    kept one, its token."""
    upload = request.files.get(FILE_FIELD)
    token = request.form.get(TOKEN_FIELD)
    if upload and upload.filename:
        release(token, actor_id, _purpose(task_guid))
        return IncomingFile(upload.filename, upload.read()), None
    kept = take(token, actor_id, _purpose(task_guid))
    return kept, token if kept else None


def keep_after_refusal(
    order: IncomingFile | None,
    token: str | None,
    refusal: ValidationError | FileTooLargeError,
    actor_id: int,
    task_guid: str,
    max_size: int,
) -> HeldFile | None:
    """What the re-rendered form shows as already chosen, if anything."""
    if order is None:
        return None
    if token:
        return HeldFile(token, order.filename)
    if FILE_FIELD in getattr(refusal, "errors", {}) or isinstance(refusal, FileTooLargeError):
        return None
    try:
        check_payment_order(order, max_size)
    except (ValidationError, FileTooLargeError):
        return None
    return hold(order, actor_id, _purpose(task_guid))


def paid(token: str | None, actor_id: int, task_guid: str) -> None:
    """The payment is recorded with its order: the kept copy goes."""
    release(token, actor_id, _purpose(task_guid))

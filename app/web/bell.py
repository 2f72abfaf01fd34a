"""The bell in the navbar: how many notifications still wait, and a dropdown of the newest of
them (each opens in a new tab), read once per page in one statement, whatever the number of
items (app/services/inbox.py's `bell`). Without script the bell is a link to the list."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import g

from app.extensions import db
from app.mail import subject_line
from app.services import inbox


@dataclass(frozen=True)
class BellItem:
    id: int
    subject: str
    created_at: datetime


@dataclass(frozen=True)
class BellView:
    count: int
    items: list[BellItem]


NO_ONE = BellView(0, [])
LATEST_ITEMS = 6  # the dropdown's length; "All notifications" below it leads to the rest


def notification_bell() -> BellView:
    """The signed-in user's bell, read once per request."""
    user = getattr(g, "user", None)
    if user is None or not user.is_authenticated:
        return NO_ONE
    if "_bell" not in g:
        found = inbox.bell(db.session, user, LATEST_ITEMS)
        g._bell = BellView(found.count, [_item(n, number) for n, number in found.latest])
    return g._bell


def _item(notification, number) -> BellItem:
    subject = subject_line(notification.kind, notification.params or {}, number)
    return BellItem(notification.id, subject, notification.created_at)


def unread_notification_count() -> int:
    return notification_bell().count

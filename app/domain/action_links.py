"""Signed single-action links for task e-mails: what a link says and how it is checked.

A link names one task, one recipient and one action, signed with the app's secret under a salt
of its own (a link is no session cookie or other token), and carries the moment it was issued;
it expires after `max_age`. The confirmation page's form carries a second token, bound to the
link, since the page has no session to keep a CSRF secret in.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

ACTIONS = ("approve", "return", "reject")
LINK_SALT = "invoiceflow.email-action-link"
FORM_SALT = "invoiceflow.email-action-form"
# The confirmation page may stay open this long before its button needs a fresh page.
FORM_MAX_AGE = timedelta(hours=2)
CLOCK_SKEW = timedelta(minutes=2)  # how far apart the signing and the reading clocks may be


class LinkTamperedError(Exception):
    """Not a link this app signed (or one changed since)."""


class LinkExpiredError(Exception):
    """A genuine link, older than its lifetime."""

    def __init__(self, link: Link):
        super().__init__("expired")
        self.link = link


@dataclass(frozen=True)
class Link:
    task_guid: str
    user_id: int
    action: str
    digest: str  # names this one link (sha256 of its token): what "used once" is kept by


@dataclass(frozen=True)
class LinkSigner:
    secret: str
    max_age: timedelta

    @classmethod
    def from_config(cls, config) -> LinkSigner:
        return cls(config["SECRET_KEY"], timedelta(hours=config["EMAIL_ACTION_LINK_HOURS"]))

    def issue(self, task_guid: str, user_id: int, action: str) -> str:
        if action not in ACTIONS:
            raise ValueError(action)
        return self._links().dumps({"t": task_guid, "u": int(user_id), "a": action})

    def read(self, token: object) -> Link:
        """The link a token is. Raises LinkTamperedError, LinkExpiredError."""
        if not isinstance(token, str) or not token or len(token) > 500:
            raise LinkTamperedError()
        try:
            payload = self._links().loads(token, max_age=int(self.max_age.total_seconds()))
        except SignatureExpired as exc:  # genuine, only old: it still names its recipient
            payload = self._links().load_payload(exc.payload) if exc.payload else None
            if not _signed_ahead_of_this_clock(exc.date_signed):
                raise LinkExpiredError(_link(payload, token)) from exc
        except BadSignature as exc:
            raise LinkTamperedError() from exc
        return _link(payload, token)

    def recipient_of(self, token: object) -> int | None:
        """Whom a genuine link was issued to, expired or not; None for any other token."""
        try:
            return self.read(token).user_id
        except LinkExpiredError as exc:
            return exc.link.user_id
        except LinkTamperedError:
            return None

    def form_token(self, link: Link) -> str:
        return self._forms().dumps(link.digest)

    def form_token_fits(self, link: Link, token: object) -> bool:
        if not isinstance(token, str) or len(token) > 500:
            return False
        try:
            digest = self._forms().loads(token, max_age=int(FORM_MAX_AGE.total_seconds()))
        except BadSignature:
            return False
        return isinstance(digest, str) and hmac.compare_digest(digest, link.digest)

    def _links(self) -> URLSafeTimedSerializer:
        return _serializer(self.secret, LINK_SALT)

    def _forms(self) -> URLSafeTimedSerializer:
        return _serializer(self.secret, FORM_SALT)


@lru_cache(maxsize=8)
def _serializer(secret: str, salt: str) -> URLSafeTimedSerializer:
    """Kept per key and salt (it holds no state between calls): a task mail signs three links."""
    return URLSafeTimedSerializer(secret, salt=salt)


def _signed_ahead_of_this_clock(date_signed) -> bool:
    """A link signed "in the future" by at most CLOCK_SKEW is fresh, not expired: the mail
    worker that signs and the web machine that reads keep clocks apart by a second or so."""
    if date_signed is None:
        return False
    now = datetime.now(UTC)
    return now < date_signed <= now + CLOCK_SKEW


def _link(payload, token: str) -> Link:
    if not isinstance(payload, dict):
        raise LinkTamperedError()
    guid, user_id, action = payload.get("t"), payload.get("u"), payload.get("a")
    if not isinstance(guid, str) or type(user_id) is not int or action not in ACTIONS:
        raise LinkTamperedError()
    return Link(guid, user_id, action, hashlib.sha256(token.encode()).hexdigest())

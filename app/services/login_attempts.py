"""Failed logins, counted per account and per client address; over the limits a login waits.

An account is the user, whatever they typed to name it (user name or e-mail: one budget), or,
for a name no user has, the typed name. Wrong second-factor codes, and wrong passwords on the
forms that ask for the current one, count against the same account.

Only failures count: a successful login neither counts nor wipes earlier failures, so one right
guess does not buy an attacker a fresh allowance. The counters live in a `limits` store
(`memory://` counts in this process; `redis://...` is shared by every web process).
"""

from __future__ import annotations

import hashlib
import math
import time
from contextlib import contextmanager

from limits import RateLimitItem, RateLimitItemPerHour, RateLimitItemPerMinute
from limits.errors import StorageError
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from app.errors import ServiceUnavailableError
from app.i18n import _


@contextmanager
def _counters_reachable():
    """Without its counters no login is checked: the login waits (503), it is never let through."""
    try:
        yield
    except StorageError as exc:
        raise ServiceUnavailableError(
            _("Signing in is unavailable for a moment. Try again in a few seconds.")
        ) from exc


class LoginAttempts:
    """Counts failures in moving windows: per account a minute and an hour, per address a minute."""

    def __init__(
        self, storage_url: str, *, per_minute: int, per_hour: int, key_prefix: str
    ) -> None:
        self._storage = storage_from_string(
            storage_url, key_prefix=key_prefix, wrap_exceptions=True
        )
        self._limiter = MovingWindowRateLimiter(self._storage)
        self._per_minute = RateLimitItemPerMinute(per_minute, namespace="login")
        self._per_hour = RateLimitItemPerHour(per_hour, namespace="login")

    def retry_after(self, account: str, address: str | None) -> int:
        """Seconds until this account (`account_key`) may be tried from this address; 0 when
        it may be now."""
        with _counters_reachable():
            return max(self._wait(limit, *key) for limit, key in self._counters(account, address))

    def record_failure(self, account: str, address: str | None) -> None:
        with _counters_reachable():
            for limit, key in self._counters(account, address):
                self._limiter.hit(limit, *key)

    def reset(self) -> None:
        """Forget every failure (tests; an operator after an incident)."""
        self._storage.reset()

    def _counters(self, account_key: str, address: str | None):
        account = ("account", account_key)
        return [
            (self._per_minute, account),
            (self._per_hour, account),
            (self._per_minute, ("address", address or "unknown")),
        ]

    def _wait(self, limit: RateLimitItem, *key: str) -> int:
        if self._limiter.test(limit, *key):
            return 0
        reset_at = self._limiter.get_window_stats(limit, *key).reset_time
        return max(1, math.ceil(reset_at - time.time()))


def account_key(user_id: int | None, typed_name: str = "") -> str:
    """The counter of a login: the user's when the name typed is a user's, else the name's."""
    if user_id is not None:
        return f"user-{int(user_id)}"
    return "name-" + _name_key(typed_name)


def _name_key(username: str) -> str:
    """Names are matched case-insensitively at login; any text (even a lone surrogate) is a key."""
    return hashlib.sha256(username.lower().encode("utf-8", "surrogatepass")).hexdigest()

"""The TOTP second factor (RFC 6238, an authenticator app): set up, check, turn off, reset.

A code is accepted for the current 30-second step or the one either side (clock drift), and
only once: the step is claimed with one conditional UPDATE, so of two requests bringing the
same code at the same moment only one gets in, on SQLite and PostgreSQL alike.

Setting up: the key shown is the browser's own until a first code confirms it (the caller
keeps it in the signed-in session), so no one who saw a set-up page elsewhere, before or
after, knows the key finally chosen.

Wrong sign-in codes count: after `max_failures` in a row no code is tried for the lockout
period, and the user is told by mail that someone has their password. A right code after
that period, or an admin's reset, starts the count again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pyotp
from sqlalchemy import or_, update
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash

from app.errors import PermissionDeniedError, ValidationError
from app.i18n import _
from app.models import NotificationKind
from app.models.base import utcnow
from app.models.user import User
from app.models.user_security import UserSecurity
from app.services import audit, use_case
from app.services.notify import notify
from app.services.sign_in_rules import second_factor_required
from app.services.user_sessions import end_sessions, security_of

# Steps either side of the current one that a code may belong to (pyotp's valid_window).
VALID_WINDOW = 1
_CODE = re.compile(r"[0-9]{6}")
_SECRET = re.compile(r"[A-Z2-7]{32}")


@dataclass(frozen=True)
class Lockout:
    """How many wrong sign-in codes in a row lock the second factor, and for how long."""

    max_failures: int
    period: timedelta

    @classmethod
    def from_config(cls, config) -> Lockout:
        return cls(
            max_failures=config["SECOND_FACTOR_MAX_FAILURES"],
            period=timedelta(minutes=config["SECOND_FACTOR_LOCKOUT_MINUTES"]),
        )


@dataclass(frozen=True)
class CodeCheck:
    accepted: bool
    # Set while too many wrong codes lock the second factor: no code is tried before then.
    locked_until: datetime | None = None


def provisioning_uri(secret: str, username: str, issuer: str) -> str:
    """The otpauth:// address an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=issuer)


def is_enrolled(session: Session, user_id: int) -> bool:
    return enrolled(session.get(UserSecurity, user_id))


def enrolled(row: UserSecurity | None) -> bool:
    """The user of this row (read already, or None: no row) has set up a second factor."""
    return bool(row and row.totp_enrolled_at and row.totp_secret)


def new_secret() -> str:
    """A fresh key for an authenticator app (160 bits, base32)."""
    return pyotp.random_base32()


def is_secret(value) -> bool:
    return isinstance(value, str) and bool(_SECRET.fullmatch(value))


@use_case
def confirm_enrolment(session: Session, actor, secret, code) -> None:
    """The first code from the app proves it holds `secret`, the key this browser showed.
    Raises PermissionDeniedError (already set up), ValidationError."""
    row = security_of(session, actor.id)
    if row.totp_enrolled_at:
        raise PermissionDeniedError(_("A second factor is already set up."))
    now = utcnow()
    step = _matching_step(secret, code, now, None) if is_secret(secret) else None
    if step is None:
        raise ValidationError({"code": [_wrong_code()]})
    row.totp_secret = secret
    row.totp_last_step = step
    row.totp_enrolled_at = now
    _clear_failures(row)
    event = audit.record(session, "second_factor_enrolled", actor.id, {"user_id": actor.id})
    _tell(session, actor.id, event, "enrolled", by=None)


@use_case
def disable_second_factor(session: Session, actor, password, code) -> None:
    """The actor turns their second factor off, with their password and a current code.
    Raises PermissionDeniedError (a role requires it), ValidationError (one message whether
    the password or the code was wrong: the form tells a guesser nothing)."""
    user = session.get(User, actor.id)
    if second_factor_required(session, user):
        raise PermissionDeniedError(
            _("Your role requires a second factor: it cannot be turned off.")
        )
    row = security_of(session, actor.id)
    password_right = isinstance(password, str) and check_password_hash(
        user.password or "", password
    )
    if not password_right or not row.totp_enrolled_at or not _accept(session, row, code):
        raise ValidationError({"": [wrong_password_or_code()]})
    _forget(row)
    event = audit.record(session, "second_factor_disabled", actor.id, {"user_id": actor.id})
    _tell(session, actor.id, event, "disabled", by=None)


@use_case
def reset_second_factor(session: Session, actor, user_id: int) -> None:
    """An admin removes a user's second factor (a lost phone, or a lockout): the user's
    sessions end and they set it up again when they next sign in, if their role requires it."""
    row = security_of(session, user_id)
    _forget(row)
    end_sessions(session, user_id)
    event = audit.record(session, "second_factor_reset", actor.id, {"user_id": user_id})
    _tell(session, user_id, event, "reset", by=actor.id)


@use_case
def check_sign_in_code(
    session: Session, user_id: int, code, lockout: Lockout, now: datetime | None = None
) -> CodeCheck:
    """Whether `code` is a current code of the user's second factor not used before (a good
    one is used up by this call). A wrong one counts towards the lockout."""
    row = session.get(UserSecurity, user_id)
    if row is None or not row.totp_enrolled_at or not row.totp_secret:
        return CodeCheck(False)
    now = now or utcnow()
    if row.totp_locked_until is not None and now < row.totp_locked_until:
        return CodeCheck(False, row.totp_locked_until)
    if _accept(session, row, code, now):
        _clear_failures(row)
        return CodeCheck(True)
    return CodeCheck(False, _count_failure(session, row, lockout, now))


def _accept(session: Session, row: UserSecurity, code, now: datetime | None = None) -> bool:
    """True, and the step claimed, when `code` is good for a step after the last one used."""
    step = _matching_step(row.totp_secret, code, now or utcnow(), row.totp_last_step)
    return step is not None and _claim_step(session, row.user_id, step)


def _matching_step(secret: str, code, now: datetime, last_step: int | None) -> int | None:
    """The time step after `last_step` that `code` is the code of, if any."""
    text = code.replace(" ", "").strip() if isinstance(code, str) else ""
    if not _CODE.fullmatch(text):
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now if now.tzinfo else now.replace(tzinfo=UTC))  # naive: UTC
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        if last_step is not None and step <= last_step:
            continue
        if pyotp.utils.strings_equal(totp.generate_otp(step), text):
            return step
    return None


def _claim_step(session: Session, user_id: int, step: int) -> bool:
    """Record `step` as used unless it or a later one already is: one statement, so that of
    concurrent requests with the same code exactly one succeeds."""
    claimed = session.execute(
        update(UserSecurity)
        .where(
            UserSecurity.user_id == user_id,
            or_(UserSecurity.totp_last_step.is_(None), UserSecurity.totp_last_step < step),
        )
        .values(totp_last_step=step)
        .execution_options(synchronize_session="fetch")
    )
    return claimed.rowcount == 1


def _count_failure(session: Session, row: UserSecurity, lockout: Lockout, now: datetime):
    """Count a wrong code (in SQL: concurrent ones all count); lock the second factor at the
    limit and tell the user. Returns when it is locked until, if it now is."""
    row.totp_failures = UserSecurity.totp_failures + 1
    session.flush()
    session.refresh(row, ["totp_failures"])
    if row.totp_failures < lockout.max_failures:
        return None
    row.totp_locked_until = now + lockout.period
    details = {"user_id": row.user_id, "failures": row.totp_failures}
    event = audit.record(session, "second_factor_locked", None, details)
    notify(
        session,
        NotificationKind.SECOND_FACTOR_FAILED,
        [row.user_id],
        event=f"audit-{event.id}",
        params={"failures": row.totp_failures},
    )
    return row.totp_locked_until


def _clear_failures(row: UserSecurity) -> None:
    row.totp_failures = 0
    row.totp_locked_until = None


def _forget(row) -> None:
    row.totp_secret = None
    row.totp_enrolled_at = None
    row.totp_last_step = None
    _clear_failures(row)


def _wrong_code():
    return _("The code is wrong or was already used: enter the current one from your app.")


def wrong_password_or_code():
    return _("The password or the code is wrong (each code is good once).")


def _tell(session: Session, user_id: int, event, change: str, by: int | None) -> None:
    params = {"change": change, **({"by": by} if by else {})}
    notify(
        session,
        NotificationKind.SECOND_FACTOR_CHANGED,
        [user_id],
        event=f"audit-{event.id}",
        params=params,
    )

"""The TOTP second factor (RFC 6238, an authenticator app): set up, check, turn off, reset.

A code is accepted for the current 30-second step or the one either side (clock drift), and
only once: the last accepted step is kept, and no code of that step or an earlier one passes.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pyotp
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


def provisioning_uri(secret: str, username: str, issuer: str) -> str:
    """The otpauth:// address an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=issuer)


def is_enrolled(session: Session, user_id: int) -> bool:
    row = session.get(UserSecurity, user_id)
    return bool(row and row.totp_enrolled_at and row.totp_secret)


@use_case
def start_enrolment(session: Session, actor) -> str:
    """The secret the actor's authenticator app is to learn (kept until confirmed; the same
    one while the page is reloaded). Raises PermissionDeniedError when already set up."""
    row = security_of(session, actor.id)
    if row.totp_enrolled_at:
        raise PermissionDeniedError(_("A second factor is already set up."))
    if not row.totp_secret:
        row.totp_secret = pyotp.random_base32()
    return row.totp_secret


@use_case
def confirm_enrolment(session: Session, actor, code) -> None:
    """The first code from the app proves it holds the secret. Raises ValidationError."""
    row = security_of(session, actor.id)
    if row.totp_enrolled_at:
        raise PermissionDeniedError(_("A second factor is already set up."))
    if not row.totp_secret or not _accept(row, code, utcnow()):
        raise ValidationError({"code": [_wrong_code()]})
    row.totp_enrolled_at = utcnow()
    event = audit.record(session, "second_factor_enrolled", actor.id, {"user_id": actor.id})
    _tell(session, actor.id, event, "enrolled", by=None)


@use_case
def disable_second_factor(session: Session, actor, password, code) -> None:
    """The actor turns their second factor off, with their password and a current code.
    Raises PermissionDeniedError (a role requires it), ValidationError."""
    user = session.get(User, actor.id)
    if second_factor_required(session, user):
        raise PermissionDeniedError(
            _("Your role requires a second factor: it cannot be turned off.")
        )
    row = security_of(session, actor.id)
    if not isinstance(password, str) or not check_password_hash(user.password or "", password):
        raise ValidationError({"password": [_("The password is wrong.")]})
    if not row.totp_enrolled_at or not _accept(row, code, utcnow()):
        raise ValidationError({"code": [_wrong_code()]})
    _forget(row)
    event = audit.record(session, "second_factor_disabled", actor.id, {"user_id": actor.id})
    _tell(session, actor.id, event, "disabled", by=None)


@use_case
def reset_second_factor(session: Session, actor, user_id: int) -> None:
    """An admin removes a user's second factor (a lost phone): the user's sessions end and
    they set it up again when they next sign in, if their role requires it."""
    row = security_of(session, user_id)
    _forget(row)
    end_sessions(session, user_id)
    event = audit.record(session, "second_factor_reset", actor.id, {"user_id": user_id})
    _tell(session, user_id, event, "reset", by=actor.id)


@use_case
def check_sign_in_code(session: Session, user_id: int, code, now: datetime | None = None) -> bool:
    """Whether `code` is a current code of the user's second factor not used before (a good
    one is used up by this call)."""
    row = session.get(UserSecurity, user_id)
    if row is None or not row.totp_enrolled_at or not row.totp_secret:
        return False
    return _accept(row, code, now or utcnow())


def _accept(row, code, now: datetime) -> bool:
    """True, and the step recorded, when `code` is good for a step after the last one used."""
    text = code.replace(" ", "").strip() if isinstance(code, str) else ""
    if not _CODE.fullmatch(text):
        return False
    totp = pyotp.TOTP(row.totp_secret)
    current = totp.timecode(now if now.tzinfo else now.replace(tzinfo=UTC))  # naive: UTC
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        if step <= (row.totp_last_step or -1):
            continue
        if pyotp.utils.strings_equal(totp.generate_otp(step), text):
            row.totp_last_step = step
            return True
    return False


def _forget(row) -> None:
    row.totp_secret = None
    row.totp_enrolled_at = None
    row.totp_last_step = None


def _wrong_code():
    return _("The code is wrong or was already used: enter the current one from your app.")


def _tell(session: Session, user_id: int, event, change: str, by: int | None) -> None:
    params = {"change": change, **({"by": by} if by else {})}
    notify(
        session,
        NotificationKind.SECOND_FACTOR_CHANGED,
        [user_id],
        event=f"audit-{event.id}",
        params=params,
    )

"""Passwords: a user changes their own, an admin sets one or forces a reset.

Each of these ends every session and token of the user at once (the current request may adopt
the new generation and stay signed in), is audited on the system chain, and mails the user.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from app.domain.ids import parse_id
from app.domain.passwords import PasswordRules, password_problems
from app.errors import NotFoundError, ValidationError
from app.i18n import _
from app.models import NotificationKind
from app.models.base import utcnow
from app.models.user import User
from app.services import audit, use_case
from app.services.notify import notify
from app.services.user_sessions import end_sessions, security_of


@dataclass(frozen=True)
class PasswordPolicy:
    rules: PasswordRules
    hash_method: str
    salt_length: int

    @classmethod
    def from_config(cls, config) -> PasswordPolicy:
        return cls(
            rules=PasswordRules.from_settings(
                config["PASSWORD_MIN_LENGTH"], config.get("PASSWORD_COMMON_LIST_FILE")
            ),
            hash_method=config.get("FAB_PASSWORD_HASH_METHOD", "scrypt"),
            salt_length=config.get("FAB_PASSWORD_HASH_SALT_LENGTH", 16),
        )

    def hash(self, password: str) -> str:
        return generate_password_hash(
            password, method=self.hash_method, salt_length=self.salt_length
        )


def check_new_password(password, username: str, policy: PasswordPolicy) -> None:
    """Raises ValidationError (field `password`) unless the rules allow this password."""
    if not isinstance(password, str) or not password:
        raise ValidationError({"password": [_("Enter a password.")]})
    problems = password_problems(password, username, policy.rules)
    if problems:
        raise ValidationError({"password": problems})


@use_case
def change_own_password(
    session: Session, actor, current_password, new_password, policy: PasswordPolicy
) -> int:
    """The actor changes their password (the current one is required). Returns the new
    session generation, for the current request to keep. Raises ValidationError."""
    user = _user(session, actor.id)
    if not isinstance(current_password, str) or not check_password_hash(
        user.password or "", current_password
    ):
        raise ValidationError({"current_password": [_("The current password is wrong.")]})
    check_new_password(new_password, user.username, policy)
    if check_password_hash(user.password, new_password):
        raise ValidationError({"password": [_("Choose a password other than the current one.")]})
    generation = _set_password(session, user, new_password, policy, must_change=False)
    event = audit.record(session, "password_changed", actor.id, {"user_id": user.id})
    _tell(session, user, event, by=None)
    return generation


@use_case
def set_password_by_admin(
    session: Session, actor, user_id, new_password, policy, must_change: bool = True
) -> None:
    """An admin (None: the command line) sets a user's password: their sessions end and, unless
    told otherwise, they must choose their own at the next sign-in. Raises NotFoundError,
    ValidationError."""
    user = _user(session, user_id)
    check_new_password(new_password, user.username, policy)
    _set_password(session, user, new_password, policy, must_change=must_change)
    details = {"user_id": user.id, "username": user.username, "must_change": must_change}
    actor_id = actor.id if actor is not None else None
    event = audit.record(session, "password_set_by_admin", actor_id, details)
    _tell(session, user, event, by=actor_id)


@use_case
def force_password_reset(session: Session, actor, user_id) -> None:
    """The user's sessions end and they must choose a new password at the next sign-in.
    Raises NotFoundError."""
    user = _user(session, user_id)
    end_sessions(session, user.id)
    security_of(session, user.id).must_change_password = True
    audit.record(
        session, "password_reset_forced", actor.id, {"user_id": user.id, "username": user.username}
    )


@use_case
def require_own_password(session: Session, actor, user_id) -> None:
    """A user an admin has just created chooses their own password at the first sign-in (the
    admin knows the first one). Raises NotFoundError."""
    user = _user(session, user_id)
    security_of(session, user.id).must_change_password = True
    audit.record(session, "user_created", actor.id, {"user_id": user.id, "username": user.username})


def _set_password(session, user, password: str, policy: PasswordPolicy, must_change: bool) -> int:
    user.password = policy.hash(password)
    generation = end_sessions(session, user.id)
    row = security_of(session, user.id)
    row.password_changed_at = utcnow()
    row.must_change_password = must_change
    return generation


def _user(session: Session, user_id) -> User:
    pk = parse_id(user_id)
    user = session.get(User, pk) if pk is not None else None
    if user is None:
        raise NotFoundError(_("No such user."))
    return user


def _tell(session: Session, user, event, by: int | None) -> None:
    notify(
        session,
        NotificationKind.PASSWORD_CHANGED,
        [user.id],
        event=f"audit-{event.id}",
        params={"by": by} if by else {},
    )

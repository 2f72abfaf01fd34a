"""Ending a user's sessions: every web process on every machine sees it on the next request.

Every browser session and API token carries a stamp made at sign-in: the user's session
generation then and the time of the sign-in (a browser session also the time it was last seen).
A request whose stamp is refused by `refusal` is signed out: the browser goes back to the login
page with the reason, the API answers 401 (refresh tokens too).

- `end_sessions` raises the generation: every session and token issued before is void. Signing
  out (`sign_out`), deactivating a user or changing their roles or groups (any way: the flush
  below sees it) and, by the callers' use cases, changing or resetting a password call it. A
  key for a second factor shown but never confirmed is forgotten with them.
- A request that has just ended its own user's sessions (a password change) and should stay
  signed in calls `app.web.sessions.adopt_generation(new_generation)` with the value
  `end_sessions` returned, after the use case committed: it re-stamps this browser's session
  only. Every other session and token stays ended; an API client signs in again.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from app.models.user import Group, Role, User
from app.models.user_security import UserSecurity
from app.services import use_case

FIRST_GENERATION = 1
# Why a session or token is refused.
ENDED = "ended"  # signed out elsewhere, deactivated, password changed: sign in again
EXPIRED = "expired"  # idle too long or older than the absolute lifetime


@dataclass(frozen=True)
class SessionLimits:
    idle_seconds: int
    max_seconds: int


@dataclass(frozen=True)
class Stamp:
    """What a session or token says about itself (epoch seconds; None where unknown)."""

    generation: int | None
    signed_in_at: float | None
    seen_at: float | None = None  # browser sessions only: tokens have their own expiry


def security_of(session: Session, user_id: int) -> UserSecurity:
    """The user's sign-in guard row, created on first need (not committed)."""
    row = session.get(UserSecurity, user_id)
    if row is None:
        row = UserSecurity(
            user_id=user_id, session_generation=FIRST_GENERATION, must_change_password=False
        )
        session.add(row)
        session.flush()
    return row


def generation_of(session: Session, user_id: int) -> int:
    """The generation a session or token signed in now is stamped with (reads only)."""
    row = session.get(UserSecurity, user_id)
    return row.session_generation if row is not None else FIRST_GENERATION


def end_sessions(session: Session, user_id: int) -> int:
    """Raise the user's session generation: every session and token issued before is void.
    Returns the new generation (a request that must stay signed in adopts it). Not committed:
    the caller's use case commits it with the change that caused it."""
    row = security_of(session, user_id)
    _raise_generation(row)
    if row.totp_enrolled_at is None:
        row.totp_secret = None  # a key never confirmed: whoever saw it learns nothing
    session.flush()
    return row.session_generation


@use_case
def sign_out(session: Session, actor) -> int:
    """Signing out ends every session and token of the actor, on every device."""
    return end_sessions(session, actor.id)


def refusal(stamp: Stamp, generation: int | None, now: float, limits: SessionLimits) -> str | None:
    """Why a session or token of a user whose generation is `generation` (None: no such active
    user) is refused at `now`; None when it is good."""
    if generation is None or stamp.generation is None or stamp.signed_in_at is None:
        return ENDED
    if stamp.generation < generation:
        return ENDED
    if now - stamp.signed_in_at > limits.max_seconds:
        return EXPIRED
    if stamp.seen_at is not None and now - stamp.seen_at > limits.idle_seconds:
        return EXPIRED
    return None


def _raise_generation(row: UserSecurity) -> None:
    # In SQL, so that two concurrent ends both count.
    row.session_generation = UserSecurity.session_generation + 1


@event.listens_for(Session, "before_flush")
def _changed_users_lose_their_sessions(session: Session, _context, _instances) -> None:
    """A user made inactive, or whose roles or groups changed (the admin's edit form or any
    other write through the ORM), loses every session and token in the same transaction: what
    they may do, and which sign-in steps they owe (a role may require a second factor), is
    decided again at their next sign-in."""
    for user_id in sorted(_users_to_sign_out(session)):
        with session.no_autoflush:
            row = session.get(UserSecurity, user_id)
        if row is None:
            session.add(
                UserSecurity(
                    user_id=user_id,
                    session_generation=FIRST_GENERATION + 1,
                    must_change_password=False,
                )
            )
        else:
            _raise_generation(row)


def _users_to_sign_out(session: Session) -> set[int]:
    ids: set[int] = set()
    for obj in session.dirty:
        if isinstance(obj, User) and obj.id is not None:
            if _was_deactivated(obj) or _changed(obj, "roles") or _changed(obj, "groups"):
                ids.add(obj.id)
        elif isinstance(obj, Role):
            ids.update(user.id for user in _moved(obj, "user"))
        elif isinstance(obj, Group):
            ids.update(user.id for user in _moved(obj, "users"))
            if _changed(obj, "roles"):
                with session.no_autoflush:
                    ids.update(user.id for user in obj.users)
    ids.discard(None)
    return ids


def _changed(obj, name: str) -> bool:
    return bool(_moved(obj, name))


def _moved(obj, name: str) -> list:
    """What was added to or taken from a collection since it was loaded."""
    history = inspect(obj).attrs[name].history
    return [*(history.added or ()), *(history.deleted or ())]


def _was_deactivated(obj) -> bool:
    if not isinstance(obj, User) or obj.id is None:
        return False
    added = inspect(obj).attrs.active.history.added  # empty unless the value changed
    return bool(added) and not added[0]

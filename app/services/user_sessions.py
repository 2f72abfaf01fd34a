"""Ending a user's sessions: every web process on every machine sees it on the next request."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.models.user_security import UserSecurity


def security_of(session: Session, user_id: int) -> UserSecurity:
    """The user's sign-in guard row, created on first need (not committed)."""
    row = session.get(UserSecurity, user_id)
    if row is None:
        row = UserSecurity(user_id=user_id, session_generation=1, must_change_password=False)
        session.add(row)
        session.flush()
    return row


def end_sessions(session: Session, user_id: int) -> int:
    """Raise the user's session generation: every session and token issued before is void.
    Returns the new generation (a request that must stay signed in adopts it). Not committed:
    the caller's use case commits it with the change that caused it."""
    row = security_of(session, user_id)
    row.session_generation = (row.session_generation or 1) + 1
    session.flush()
    return row.session_generation

"""The in-app notification list of one user: read, mark read, preferences."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app.domain.ids import parse_id
from app.errors import NotFoundError, ValidationError
from app.i18n import _
from app.models import Notification, NotificationKind, UserPreference
from app.services import use_case


def latest(session: Session, actor, limit: int = 100) -> list[Notification]:
    return list(
        session.scalars(
            select(Notification)
            .where(Notification.user_id == actor.id)
            .order_by(Notification.id.desc())
            .limit(limit)
        )
    )


def unread_count(session: Session, actor) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.user_id == actor.id, Notification.read_at.is_(None))
        )
        or 0
    )


@use_case
def mark_read(session: Session, actor, notification_id, now: datetime) -> Notification:
    """Raises NotFoundError for someone else's notification."""
    pk = parse_id(notification_id)
    item = session.get(Notification, pk) if pk else None
    if item is None or item.user_id != actor.id:
        raise NotFoundError(_("Notification not found."))
    item.read_at = item.read_at or now
    return item


@use_case
def mark_all_read(session: Session, actor, now: datetime) -> None:
    session.execute(
        update(Notification)
        .where(Notification.user_id == actor.id, Notification.read_at.is_(None))
        .values(read_at=now)
    )


def preferences_of(session: Session, actor) -> UserPreference:
    return session.get(UserPreference, actor.id) or UserPreference(user_id=actor.id, email_off=[])


@use_case
def save_preferences(
    session: Session, actor, email_on: list[str], language: str | None, languages
) -> UserPreference:
    """Raises ValidationError for an unknown language."""
    if language and language not in languages:
        raise ValidationError({"language": [_("Unknown language.")]})
    preference = session.get(UserPreference, actor.id) or UserPreference(user_id=actor.id)
    preference.email_off = [k for k in NotificationKind.ALL if k not in set(email_on)]
    preference.language = language or None
    session.add(preference)
    return preference


@use_case
def remember_language(session: Session, actor, language: str, languages) -> None:
    """The language a user picked in the app is the one their e-mail is written in."""
    if language not in languages:
        return
    preference = session.get(UserPreference, actor.id) or UserPreference(
        user_id=actor.id, email_off=[]
    )
    preference.language = language
    session.add(preference)


def language_of(session: Session, actor) -> str | None:
    preference = session.get(UserPreference, actor.id)
    return preference.language if preference else None

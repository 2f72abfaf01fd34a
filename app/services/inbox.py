"""The in-app notification list of one user: read, mark read, preferences."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache

from sqlalchemy import Integer, Select, and_, bindparam, case, func, or_, select, update
from sqlalchemy.orm import Session

from app.domain.ids import parse_id
from app.errors import NotFoundError, ValidationError
from app.i18n import _
from app.models import (
    HumanTask,
    Invoice,
    Notification,
    NotificationKind,
    TaskStatus,
    UserPreference,
)
from app.services import use_case

# Notifications that ask their reader to act on the task they name: once the reader no longer
# holds it (someone else took it, it was reassigned away), they have nothing left to ask.
CALLS_TO_ACT = (
    NotificationKind.TASK_ASSIGNED,
    NotificationKind.REMINDER,
    NotificationKind.RETURNED,
)


def still_waiting():
    """The bell's rule, over notification LEFT JOIN human_task (see `_with_task`): a
    notification about no task always waits; one about a task waits while the task is open and,
    for a call to act, while its reader still holds it. Handled (decided, reassigned away,
    cancelled, withdrawn): it stops counting, read or not."""
    holds = or_(
        Notification.kind.not_in(CALLS_TO_ACT),
        HumanTask.assignee_user_id.is_(None),
        HumanTask.assignee_user_id == Notification.user_id,
    )
    return or_(Notification.task_guid.is_(None), and_(HumanTask.status == TaskStatus.OPEN, holds))


def _with_task(query):
    return query.outerjoin(HumanTask, HumanTask.task_guid == Notification.task_guid)


def latest(session: Session, actor, limit: int = 100) -> list[tuple[Notification, bool]]:
    """The newest notifications, each with whether it still waits (one statement)."""
    waiting = case((still_waiting(), True), else_=False).label("waiting")
    query = _with_task(select(Notification, waiting).select_from(Notification))
    rows = session.execute(
        query.where(Notification.user_id == actor.id).order_by(Notification.id.desc()).limit(limit)
    )
    return [(row.Notification, bool(row.waiting)) for row in rows]


def unread_count(session: Session, actor) -> int:
    """What the bell shows: unread notifications that still wait (one statement)."""
    query = _with_task(select(func.count()).select_from(Notification))
    return (
        session.scalar(
            query.where(
                Notification.user_id == actor.id,
                Notification.read_at.is_(None),
                still_waiting(),
            )
        )
        or 0
    )


@dataclass(frozen=True)
class Bell:
    """The bell's count (unread notifications that still wait) and the newest of them, each
    with its invoice's number (what its subject names)."""

    count: int
    latest: list[tuple[Notification, int | None]]


@cache
def _bell_query() -> Select:
    """Built once (building it costs more than running it): the reader and the length are
    parameters."""
    total = func.count().over().label("total")
    query = _with_task(select(Notification, Invoice.number, total).select_from(Notification))
    return (
        query.outerjoin(Invoice, Invoice.id == Notification.invoice_id)
        .where(
            Notification.user_id == bindparam("user_id", type_=Integer),
            Notification.read_at.is_(None),
            still_waiting(),
        )
        .order_by(Notification.id.desc())
        .limit(bindparam("limit", type_=Integer))
    )


def bell(session: Session, actor, limit: int) -> Bell:
    """What the bell shows on every page, in one statement whatever `limit` is: the count is a
    window over the rows the limit cuts."""
    rows = session.execute(_bell_query(), {"user_id": actor.id, "limit": limit}).all()
    return Bell(rows[0].total if rows else 0, [(row[0], row[1]) for row in rows])


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

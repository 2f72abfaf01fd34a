"""A person chooses the time zone every time is shown and mailed to them in."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.domain.time_zones import TimeZoneError, check_time_zone
from app.errors import ValidationError
from app.models import UserPreference
from app.services import use_case


@use_case
def choose_time_zone(session: Session, actor, time_zone: str | None) -> UserPreference:
    """Empty means the application's default. Raises ValidationError for an unknown zone."""
    chosen = None
    if time_zone not in (None, ""):
        try:
            chosen = check_time_zone(time_zone)
        except TimeZoneError as exc:
            raise ValidationError({"time_zone": [exc.args[0]]}) from exc
    preference = session.get(UserPreference, actor.id) or UserPreference(
        user_id=actor.id, email_off=[]
    )
    preference.time_zone = chosen
    session.add(preference)
    return preference


def time_zone_of(session: Session, user_id: int | None, default: str) -> str:
    """The zone a person reads times in: their choice, else `default`."""
    preference = session.get(UserPreference, user_id) if user_id is not None else None
    return (preference.time_zone if preference else None) or default

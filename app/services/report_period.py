"""The period a wait report covers: days `from` to `to` (both included) on the reader's clock,
from the URL; by default the last 90 days up to today."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from app.domain.dates import DateError, parse_date
from app.domain.time_zones import zone
from app.errors import ValidationError
from app.i18n import _

DEFAULT_DAYS = 90
LONGEST_DAYS = 3 * 366  # a bound on the work one request may ask for


@dataclass(frozen=True)
class Period:
    first_day: date
    last_day: date
    time_zone: str = "UTC"

    @property
    def starts(self) -> datetime:
        """The first day's start, as the naive UTC the database holds."""
        return _utc_midnight(self.first_day, self.time_zone)

    @property
    def ends(self) -> datetime:
        """The moment after the last day (excluded)."""
        return _utc_midnight(self.last_day + timedelta(days=1), self.time_zone)

    def as_args(self) -> dict[str, str]:
        return {"from": self.first_day.isoformat(), "to": self.last_day.isoformat()}


def _utc_midnight(day: date, time_zone: str) -> datetime:
    local = datetime.combine(day, time.min, tzinfo=zone(time_zone))
    return local.astimezone(UTC).replace(tzinfo=None)


def read_period(args: Mapping[str, str], today: date, time_zone: str) -> Period:
    """`from` and `to` from URL parameters. Raises ValidationError naming each bad one."""
    errors: dict[str, list] = {}
    first = _day(args.get("from"), "from", errors)
    last = _day(args.get("to"), "to", errors) or today
    if errors:
        raise ValidationError(errors)
    first = first or last - timedelta(days=DEFAULT_DAYS - 1)
    if first > last:
        errors["to"] = [_("The period ends before it begins.")]
    elif (last - first).days >= LONGEST_DAYS:
        errors["from"] = [_("Choose a period of at most three years.")]
    if errors:
        raise ValidationError(errors)
    return Period(first, last, time_zone)


def _day(raw, name: str, errors: dict) -> date | None:
    try:
        return parse_date(raw)
    except DateError as exc:
        errors[name] = [str(exc)]
        return None

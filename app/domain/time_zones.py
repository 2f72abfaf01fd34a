"""Time zones of the people reading: names checked against the IANA database; times are stored
as naive UTC and converted only to be shown."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

from app.i18n import _

UTC_NAME = "UTC"


class TimeZoneError(ValueError):
    pass


@cache
def known_time_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def check_time_zone(raw: object) -> str:
    """The IANA name as given (`Europe/Moscow`), or TimeZoneError with a message."""
    name = raw.strip() if isinstance(raw, str) else ""
    if name not in known_time_zones():
        raise TimeZoneError(
            _("%(value)s is not a time zone: choose one from the list.", value=name[:64])
        )
    return name


def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def in_zone(moment: datetime, name: str) -> datetime:
    """A stored time (naive UTC, or aware) as the wall clock of zone `name` shows it."""
    aware = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
    return aware.astimezone(zone(name))


def abbreviation(local: datetime) -> str:
    """The zone's short name at that moment: MSK, JST, CET; `UTC+04` where the database has only
    an offset."""
    name = local.tzname() or ""
    return f"{UTC_NAME}{name}" if name[:1] in "+-" else name


def offset_label(name: str, now: datetime) -> str:
    """`UTC+03:00` for Europe/Moscow."""
    offset = in_zone(now, name).utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset else 0
    sign = "+" if minutes >= 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return f"{UTC_NAME}{sign}{hours:02d}:{rest:02d}"


def zone_choices(now: datetime) -> list[tuple[str, str]]:
    """Regional zones (Area/City) and UTC, by name, each with its offset now."""
    names = sorted(n for n in known_time_zones() if "/" in n and not n.startswith("Etc/"))
    return [(n, f"{n} ({offset_label(n, now)})") for n in [UTC_NAME, *names]]

"""The tests' calendar: every date a test uses is read from the clock, never written down.

`.ci/run` runs the suite a second time with the clock moved ahead (`TEST_CLOCK_SHIFT_DAYS`), so a
test that only passes on some dates fails in CI. Where a date matters within a test, freeze the
clock (the `frozen_clock` fixture) so midnight cannot pass between two readings.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import time_machine

from config import TestConfig

SHIFT_SETTING = "TEST_CLOCK_SHIFT_DAYS"
READERS_ZONE = ZoneInfo(TestConfig.DEFAULT_TIME_ZONE)


def today() -> date:
    """Today as the app's users read it (DEFAULT_TIME_ZONE, Europe/Moscow), not the server's
    date: the app judges "future" and "overdue" by the reader's calendar."""
    return datetime.now(READERS_ZONE).date()


def late_evening_utc() -> datetime:
    """23:30 UTC of the (possibly shifted) current UTC date: the server's date is still that
    day, while in Asia/Kamchatka (UTC+12) and in Moscow (UTC+3) it is already the next one."""
    return datetime.combine(datetime.now(UTC).date(), time(23, 30), UTC)


def days_from_today(days: int) -> date:
    return today() + timedelta(days=days)


def iso_days_from_today(days: int) -> str:
    return days_from_today(days).isoformat()


def shifted_clock() -> time_machine.travel | None:
    """A moving clock `TEST_CLOCK_SHIFT_DAYS` days ahead of the real one, if the setting is set."""
    days = os.environ.get(SHIFT_SETTING, "").strip()
    if not days:
        return None
    return time_machine.travel(datetime.now(UTC) + timedelta(days=int(days)), tick=True)


def frozen_now() -> time_machine.travel:
    """The clock stopped at this instant (of the possibly shifted clock)."""
    return time_machine.travel(datetime.now(UTC), tick=False)

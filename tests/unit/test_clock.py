"""The tests' clock: moved ahead when CI asks, so no test passes only on some dates."""

import os
from datetime import UTC, datetime, timedelta

from time_machine import escape_hatch

from tests import clock


def real_now() -> datetime:
    if not escape_hatch.is_travelling():
        return datetime.now(UTC)
    return datetime.fromtimestamp(escape_hatch.time.time(), UTC)


def test_the_clock_is_as_far_ahead_of_the_real_one_as_the_run_asks():
    shift = timedelta(days=int(os.environ.get(clock.SHIFT_SETTING) or 0))
    ahead = datetime.now(UTC) - real_now()
    assert abs(ahead - shift) < timedelta(minutes=5)


def test_the_frozen_clock_does_not_move(frozen_clock):
    first = datetime.now(UTC)
    assert datetime.now(UTC) == first
    assert clock.today() == first.astimezone(clock.READERS_ZONE).date()  # the reader's calendar

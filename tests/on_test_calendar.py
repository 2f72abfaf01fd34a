"""Run a module in a process of its own on the test run's calendar.

    python -m tests.on_test_calendar MODULE [ARGS...]

A server or worker the tests start as a process must read the same date as the test run,
which `.ci/run` moves ahead (`TEST_CLOCK_SHIFT_DAYS`): otherwise the app refuses the dates the
tests send, tokens look expired and queued mail looks due only a year from now.
"""

from __future__ import annotations

import runpy
import sys

from tests import clock


def main() -> None:
    module, *arguments = sys.argv[1:]
    traveller = clock.shifted_clock()
    if traveller is not None:
        traveller.start()
    sys.argv = [module, *arguments]
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()

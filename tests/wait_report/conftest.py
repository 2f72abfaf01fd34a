"""A known set of invoices for the wait reports, each step at a set time (the clock moved with
time-machine), so every median and percentile can be worked out by hand:

- A: approved by approver1 after 2 h, paid 10 h later (cycle 12 h).
- B: returned by approver1 after 4 h, corrected in 1 h, approved after 6 h, paid 20 h later
  (cycle 31 h).
- C: rejected by approver2 after 8 h.
- D: waits for approver1 (open: counted nowhere but on the flows from the start).

All of it happens on the 3rd to 5th of the month before last (one calendar month, whatever
today is).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

import pytest
import time_machine
from sqlalchemy import select

from app import roles
from app.extensions import db
from app.models import Invoice, ProcessVersion
from tests import clock
from tests.workflow.scenario import Scenario

HOUR = timedelta(hours=1)


@dataclass
class Story:
    start: datetime  # every invoice's submit
    version_id: int
    invoices: dict  # letter: Scenario
    numbers: dict  # letter: invoice number

    @property
    def period(self) -> str:
        """The URL parameters of a period holding the whole story."""
        first = self.start.date() - timedelta(days=1)
        return f"from={first.isoformat()}&to={clock.today().isoformat()}"


def at(moment: datetime):
    return time_machine.travel(moment, tick=False)


def _story_start() -> datetime:
    month_before_last = (clock.today().replace(day=1) - timedelta(days=32)).replace(day=3)
    return datetime.combine(month_before_last, time(6, 0), UTC)


@pytest.fixture
def story(app, make) -> Story:
    make.user("alla", roles.ANALYST)
    make.user("audra", roles.AUDITOR)
    make.user("adam", roles.ADMIN)
    start = _story_start()
    with at(start - HOUR):  # the cards are written the day they are submitted
        a = Scenario(app, make, approvers=1)
        b, c, d = (Scenario.with_people(a, make, approvers=1) for _n in range(3))
    with app.app_context():  # C goes to approver2 instead
        db.session.get(Invoice, c.invoice_id).approvers[0].user_id = a.ids["a2"]
        db.session.commit()
        db.session.remove()
    for case in (a, b, c, d):
        with at(start):
            case.submit()
    with at(start + 2 * HOUR):
        a.decide("a1", "approve")
    with at(start + 12 * HOUR):
        a.pay()
    with at(start + 4 * HOUR):
        b.decide("a1", "return", "Без подписи")
    with at(start + 5 * HOUR):
        b.resubmit()
    with at(start + 11 * HOUR):
        b.decide("a1", "approve")
    with at(start + 31 * HOUR):
        b.pay()
    with at(start + 8 * HOUR):
        c.decide("a2", "reject", "Не наш счёт")
    with app.app_context():
        version_id = db.session.scalar(
            select(ProcessVersion.id).where(ProcessVersion.is_current.is_(True))
        )
        numbers = {
            letter: db.session.get(Invoice, case.invoice_id).number
            for letter, case in zip("ABCD", (a, b, c, d), strict=True)
        }
        db.session.remove()
    return Story(start, version_id, dict(zip("ABCD", (a, b, c, d), strict=True)), numbers)

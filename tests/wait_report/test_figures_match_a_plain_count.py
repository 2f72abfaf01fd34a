"""The wait reports' SQL gives the figures a plain count gives: every human task and payment read
back and counted in Python the way the reports define them, for periods whose edges fall
between any two steps of the story (tasks begun before a period and finished in it, payments
after it, an invoice still waiting)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import ProcessInstance, ProcessVersion
from app.models.user import User
from app.services.cycle_time import SLOWEST_SHOWN, cycle_time_report
from app.services.report_period import Period
from app.services.wait_heatmap import wait_heatmap
from tests.wait_report.plain_count import (
    every_task,
    periods_around,
    plain_flows,
    plain_holders,
    plain_months,
    plain_slowest,
    plain_waits,
)


def periods(story) -> list[Period]:
    return periods_around(story.start.date())


def test_the_heatmap_counts_what_a_plain_count_of_the_tasks_gives(app, story):
    with app.app_context():
        admin = db.session.scalar(select(User).where(User.username == "adam"))
        version = db.session.get(ProcessVersion, story.version_id)
        tasks = every_task()
        instances = {i.id: i for i in db.session.scalars(select(ProcessInstance))}
        for period in periods(story):
            heatmap = wait_heatmap(db.session, admin, version.id, period)
            shown = {
                t.bpmn_id: (t.tasks, t.median_seconds, t.p90_seconds, t.invoices)
                for t in heatmap.tasks
            }
            assert shown == plain_waits(tasks, instances, version.id, period), period
            assert heatmap.flows == plain_flows(tasks, instances, version, period), period
        db.session.remove()


def test_the_cycle_time_report_counts_what_a_plain_count_gives(app, story):
    with app.app_context():
        admin = db.session.scalar(select(User).where(User.username == "adam"))
        tasks = every_task()
        for period in periods(story):
            report = cycle_time_report(db.session, admin, period, "en")
            stages, approvers = plain_holders(tasks, period)

            def figures(lines):
                return {f.key: (f.count, f.median_seconds, f.p90_seconds) for f in lines}

            assert figures(report.months) == plain_months(period), period
            assert figures(report.stages) == stages, period
            assert figures(report.approvers) == approvers, period
            slowest = [(slow.invoice_id, pytest.approx(slow.seconds)) for slow in report.slowest]
            assert slowest == plain_slowest(period, SLOWEST_SHOWN), period
        db.session.remove()

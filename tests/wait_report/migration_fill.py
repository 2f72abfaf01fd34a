"""Migration 0030's fill, run on the tests' data: what it writes for the tasks and payments
there are, to compare with what the mirror wrote."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from sqlalchemy import select, update

from app.extensions import db
from app.models import HumanTask, Payment

MIGRATION = Path(__file__).parents[2] / "migrations" / "versions" / "0030_human_task_wait_links.py"
LINKS = (
    "wait_seconds",
    "next_bpmn_id",
    "next_created_at",
    "next_done_at",
    "ended_as",
    "earlier_visit_done_at",
    "entered_at",
)


def links() -> dict:
    rows = db.session.execute(select(HumanTask.id, *(getattr(HumanTask, n) for n in LINKS)))
    return {row[0]: dict(zip(LINKS, row[1:], strict=True)) for row in rows}


def cycles() -> dict:
    return dict(db.session.execute(select(Payment.id, Payment.cycle_seconds)).all())


def unlink_all() -> None:
    db.session.execute(update(HumanTask).values(dict.fromkeys(LINKS)))
    db.session.execute(update(Payment).values(cycle_seconds=None))


def fill_as_the_migration_does() -> None:
    spec = importlib.util.spec_from_file_location("wait_links", MIGRATION)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    migration.fill_links(db.session.connection())


def approximately(values: dict) -> dict:
    """Seconds as SQLite's julianday works them out: to the millisecond."""
    return {
        key: pytest.approx(value, abs=1e-3) if isinstance(value, float) else value
        for key, value in values.items()
    }

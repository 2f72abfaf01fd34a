"""What the audit tests share: an invoice with a trail, the CLI, tampering done straight in SQL."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from app import roles
from app.extensions import db
from app.models import AuditEvent
from app.services import audit


@pytest.fixture
def ivan(make):
    return make.user("ivan", roles.INITIATOR)


@pytest.fixture
def invoice_id(make, ivan):
    return make.invoice(ivan, make.counterparty(), amount="100")


@pytest.fixture
def anchor_dir(app, tmp_path, monkeypatch):
    folder = tmp_path / "anchors"
    monkeypatch.setitem(app.config, "AUDIT_ANCHOR_DIR", str(folder))
    return folder


@pytest.fixture
def hmac_key(app, monkeypatch):
    key = "anchor-key-for-the-tests-only"
    monkeypatch.setitem(app.config, "AUDIT_ANCHOR_HMAC_KEY", key)
    return key


@pytest.fixture
def cli(app):
    def _run(*args):
        return app.test_cli_runner().invoke(args=list(args))

    return _run


def add_notes(app, invoice_id: int | None, count: int) -> None:
    with app.app_context():
        for n in range(count):
            audit.record(db.session, "note", None, {"n": n}, invoice_id)
        db.session.commit()
        db.session.remove()


def run_sql(app, sql: str, **params) -> None:
    with app.app_context():
        db.session.execute(text(sql), params)
        db.session.commit()
        db.session.remove()


def chain_length(app, chain: str) -> int:
    with app.app_context():
        length = db.session.query(AuditEvent).filter_by(chain=chain).count()
        db.session.remove()
        return length


def rewrite_with_recomputed_hashes(app, chain: str, sequence: int, details: dict) -> None:
    """What someone with write access to the database can do: change an event and recompute
    its hash and every later one, so every link holds again."""
    with app.app_context():
        events = (
            db.session.query(AuditEvent)
            .filter(AuditEvent.chain == chain, AuditEvent.sequence >= sequence)
            .order_by(AuditEvent.sequence)
            .all()
        )
        previous = events[0].prev_hash
        for event in events:
            if event.sequence == sequence:
                event.details = details
            event.prev_hash = previous
            event.hash = audit.event_hash(event)
            previous = event.hash
        db.session.commit()
        db.session.remove()


def timestamped(anchor_dir) -> list:
    """The folder's timestamped anchors, oldest first."""
    return sorted(p for p in anchor_dir.glob("heads-*.jsonl") if p.name != "heads-latest.jsonl")


def header(path) -> dict:
    return json.loads(path.read_text().splitlines()[0])

"""The audit trail: hash chains that reveal tampering and never fork."""

import threading

import pytest
from sqlalchemy import text

from app import roles
from app.errors import ConcurrentEditError
from app.extensions import db
from app.models import AuditEvent, Invoice
from app.services import audit
from app.services.invoice_input import InvoicePolicy
from app.services.update_invoice import update_invoice
from tests import clock


@pytest.fixture
def invoice_id(make):
    initiator = make.user("ivan", roles.INITIATOR)
    return make.invoice(initiator, make.counterparty(), amount="100")


def test_events_link_to_their_predecessor_by_hash(app, invoice_id):
    with app.app_context():
        events = (
            db.session.query(AuditEvent)
            .filter_by(invoice_id=invoice_id)
            .order_by(AuditEvent.sequence)
            .all()
        )
        assert events[0].prev_hash == audit.GENESIS
        assert events[0].hash == audit.event_hash(events[0])
        reports = {r.chain: r for r in audit.verify(db.session)}
        assert reports[f"invoice:{invoice_id}"].broken_at is None
        assert reports[f"invoice:{invoice_id}"].head == events[-1].hash


def test_verify_reports_the_first_broken_link_and_the_heads(app, invoice_id):
    with app.app_context():
        audit.record(db.session, "edited", None, {"changes": {}}, invoice_id)
        db.session.commit()
        first = db.session.query(AuditEvent).filter_by(invoice_id=invoice_id, sequence=1).one()
        # Someone edits history directly in the database.
        db.session.execute(
            text("UPDATE audit_event SET details = :d WHERE id = :id"),
            {"d": '{"amount": "1.00"}', "id": first.id},
        )
        db.session.commit()
        db.session.remove()
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"invoice:{invoice_id}" in result.output
    assert "BROKEN at 1: content does not match its hash" in result.output
    assert "1 broken" in result.output


def test_verify_passes_on_an_untouched_trail(app, invoice_id):
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "0 broken" in result.output


@pytest.mark.parametrize("per_transaction", [1, 3], ids=["one event", "three events"])
def test_concurrent_appends_to_one_chain_never_fork_it(app, invoice_id, per_transaction):
    barrier = threading.Barrier(8)
    failures = []

    def append(n):
        with app.app_context():
            try:
                barrier.wait()
                for k in range(per_transaction):
                    audit.record(db.session, "note", None, {"n": n, "k": k}, invoice_id)
                db.session.commit()
            except Exception as exc:  # noqa: BLE001 - collected for the assertion below
                failures.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=append, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    with app.app_context():
        sequences = [
            e.sequence
            for e in db.session.query(AuditEvent)
            .filter_by(invoice_id=invoice_id)
            .order_by(AuditEvent.sequence)
        ]
        assert sequences == list(range(1, len(sequences) + 1))
        assert len(sequences) == 1 + 8 * per_transaction  # "created", then the notes
        assert all(r.broken_at is None for r in audit.verify(db.session))


def test_two_concurrent_edits_cannot_overwrite_each_other(app, invoice_id):
    barrier = threading.Barrier(2)
    outcomes = []
    with app.app_context():
        initiator_id = db.session.get(Invoice, invoice_id).initiator_id
        version = db.session.get(Invoice, invoice_id).lock_version
        db.session.remove()

    def edit(amount):
        with app.test_request_context():
            actor = app.appbuilder.sm.get_user_by_id(initiator_id)
            try:
                barrier.wait()
                update_invoice(
                    db.session,
                    actor,
                    invoice_id,
                    {"amount": amount},
                    InvoicePolicy(today=clock.today()),
                    version,
                )
                outcomes.append(("saved", amount))
            except ConcurrentEditError:
                outcomes.append(("conflict", amount))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=edit, args=(a,)) for a in ("200", "300")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(kind for kind, _ in outcomes) == ["conflict", "saved"]
    saved_amount = next(amount for kind, amount in outcomes if kind == "saved")
    with app.app_context():
        assert str(db.session.get(Invoice, invoice_id).amount) == f"{saved_amount}.00"
        edits = db.session.query(AuditEvent).filter_by(invoice_id=invoice_id, action="edited")
        assert edits.count() == 1
        assert all(r.broken_at is None for r in audit.verify(db.session))


def test_an_append_undone_with_its_savepoint_is_never_built_on(app, invoice_id):
    with app.app_context():
        audit.record(db.session, "note", None, {"n": 1}, invoice_id)
        savepoint = db.session.begin_nested()
        audit.record(db.session, "note", None, {"n": 2}, invoice_id)
        savepoint.rollback()
        audit.record(db.session, "note", None, {"n": 3}, invoice_id)
        db.session.commit()
        notes = [
            (e.sequence, e.details["n"])
            for e in db.session.query(AuditEvent)
            .filter_by(invoice_id=invoice_id, action="note")
            .order_by(AuditEvent.sequence)
        ]
        assert notes == [(2, 1), (3, 3)]
        assert all(r.broken_at is None for r in audit.verify(db.session))

"""The invoice card's rules, exercised through the services without HTTP."""

import pytest

from app import roles
from app.errors import (
    ConcurrentEditError,
    InvoiceNotEditableError,
    PermissionDeniedError,
    ValidationError,
)
from app.extensions import db
from app.models import AuditEvent, Invoice, InvoiceStatus
from app.services.create_invoice import create_invoice
from app.services.invoice_input import InvoicePolicy
from app.services.update_invoice import update_invoice
from tests import clock

MARGIN_DAYS = 3


def policy(margin_days: int = MARGIN_DAYS) -> InvoicePolicy:
    return InvoicePolicy(today=clock.today(), issue_date_margin_days=margin_days)


class DaysFromToday(int):
    """A date field given in days from the clock's today, resolved when the card is built."""


@pytest.fixture
def people(make):
    return {
        "initiator": make.user("ivan", roles.INITIATOR, roles.APPROVER),
        "a1": make.user("anna", roles.APPROVER),
        "a2": make.user("boris", roles.APPROVER),
        "a3": make.user("vera", roles.APPROVER),
        "a4": make.user("gleb", roles.APPROVER),
        "outsider": make.user("olga", roles.INITIATOR),
        "inactive": make.user("ghost", roles.APPROVER, active=False),
        "auditor": make.user("audra", roles.AUDITOR),
    }


@pytest.fixture
def ctx(app, frozen_clock):
    with app.test_request_context():
        yield
        db.session.rollback()


def user(app, pk):
    return app.appbuilder.sm.get_user_by_id(pk)


def card(party, **fields):
    fields = {
        name: clock.iso_days_from_today(value) if isinstance(value, DaysFromToday) else value
        for name, value in fields.items()
    }
    return {
        "amount": "1 234,56",
        "counterparty_id": party,
        "issue_date": clock.iso_days_from_today(-7),
        **fields,
    }


def refused(app, actor_id, data) -> dict:
    with pytest.raises(ValidationError) as error:
        create_invoice(db.session, user(app, actor_id), data, policy())
    return {field: " ".join(str(m) for m in msgs) for field, msgs in error.value.errors.items()}


def test_a_valid_card_is_saved_as_a_draft_with_its_approvers_in_order(app, make, people, ctx):
    party = make.counterparty("Acme")
    saved = create_invoice(
        db.session,
        user(app, people["initiator"]),
        card(party, approvers=[people["a2"], people["a1"]]),
        policy(),
    )
    invoice = db.session.get(Invoice, saved.invoice.id)
    assert invoice.status == InvoiceStatus.DRAFT
    assert str(invoice.amount) == "1234.56"
    assert invoice.number == invoice.id
    assert invoice.counterparty_name == "Acme"
    assert [a.user_id for a in invoice.approvers] == [people["a2"], people["a1"]]
    assert [a.approved_at for a in invoice.approvers] == [None, None]


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"amount": "0"}, "amount", "greater than zero"),
        ({"amount": "-1"}, "amount", "greater than zero"),
        ({"amount": "1.234"}, "amount", "at most 2 decimal places"),
        ({"amount": "abc"}, "amount", "like 1234.56"),
        ({"amount": "NaN"}, "amount", "like 1234.56"),
        ({"amount": "1e3"}, "amount", "like 1234.56"),
        ({"amount": str(10**15)}, "amount", "may not exceed"),
        ({"issue_date": "2024-02-30"}, "issue_date", "not a valid date"),
        ({"issue_date": ""}, "issue_date", "Enter the issue date"),
        ({"issue_date": DaysFromToday(MARGIN_DAYS + 1)}, "issue_date", "may not be later than"),
        ({"due_date": DaysFromToday(-8)}, "due_date", "before the issue date"),
        ({"counterparty_id": None}, "counterparty_id", "Choose the counterparty"),
        ({"counterparty_id": 999999}, "counterparty_id", "does not exist"),
        ({"counterparty_id": "x"}, "counterparty_id", "does not exist"),
        ({"currency": "XYZ"}, "currency", "ISO 4217"),
        ({"vat_amount": "5000"}, "vat_amount", "may not exceed the invoice amount"),
        ({"justification": "x" * 10_000}, "justification", "at most 5000 characters"),
        ({"vendor_invoice_no": "N" * 65}, "vendor_invoice_no", "at most 64"),
    ],
)
def test_an_invalid_field_is_refused_with_its_own_message(
    app, make, people, ctx, fields, field, message
):
    party = make.counterparty()
    errors = refused(app, people["initiator"], card(party, **fields))
    assert message in errors[field]
    assert db.session.query(Invoice).count() == 0


def test_every_wrong_field_is_reported_at_once(app, make, people, ctx):
    errors = refused(app, people["initiator"], {"amount": "abc", "issue_date": "2024-02-30"})
    assert set(errors) == {"amount", "issue_date", "counterparty_id"}


@pytest.mark.parametrize(
    ("chain", "message"),
    [
        (lambda p: [p["a1"], p["a2"], p["a3"], p["a4"]], "at most 3 approvers"),
        (lambda p: [p["initiator"]], "cannot approve their own invoice"),
        (lambda p: [p["a1"], p["a1"]], "only once"),
        (lambda p: [p["outsider"]], "Approver role"),
        (lambda p: [p["inactive"]], "Approver role"),
        (lambda p: [987654], "Approver role"),
        (lambda p: ["nobody"], "is not a user id"),
        (lambda p: "1,2", "list of user ids"),
    ],
)
def test_the_approver_chain_rules(app, make, people, ctx, chain, message):
    party = make.counterparty()
    errors = refused(app, people["initiator"], card(party, approvers=chain(people)))
    assert message in errors["approvers"]


def test_a_draft_may_have_no_approvers(app, make, people, ctx):
    party = make.counterparty()
    saved = create_invoice(db.session, user(app, people["initiator"]), card(party), policy())
    assert saved.invoice.approvers == []


def test_an_auditor_cannot_create_invoices(app, make, people, ctx):
    party = make.counterparty()
    with pytest.raises(PermissionDeniedError):
        create_invoice(db.session, user(app, people["auditor"]), card(party), policy())


def test_editing_records_which_fields_changed_with_old_and_new_values(app, make, people, ctx):
    party = make.counterparty()
    invoice_id = make.invoice(people["initiator"], party, amount="100", contract_no="C-1")
    actor = user(app, people["initiator"])
    update_invoice(
        db.session,
        actor,
        invoice_id,
        {"amount": "150,50", "contract_no": "C-2", "approvers": [people["a1"]]},
        policy(),
    )
    events = (
        db.session.query(AuditEvent)
        .filter_by(invoice_id=invoice_id)
        .order_by(AuditEvent.sequence)
        .all()
    )
    assert [e.action for e in events] == ["created", "edited", "approvers_changed"]
    assert events[1].details["changes"] == {
        "amount": {"old": "100.00", "new": "150.50"},
        "contract_no": {"old": "C-1", "new": "C-2"},
    }
    assert events[2].details == {"old": [], "new": [people["a1"]]}
    assert all(e.actor_id == people["initiator"] for e in events)


def test_only_the_initiator_edits_and_others_do_not_even_see_the_card(app, make, people, ctx):
    from app.errors import NotFoundError

    party = make.counterparty()
    invoice_id = make.invoice(people["initiator"], party)
    with pytest.raises(NotFoundError):
        update_invoice(
            db.session, user(app, people["outsider"]), invoice_id, {"amount": "5"}, policy()
        )
    with pytest.raises(PermissionDeniedError):
        update_invoice(
            db.session, user(app, people["auditor"]), invoice_id, {"amount": "5"}, policy()
        )


def test_a_submitted_invoice_is_not_editable(app, make, people, ctx):
    party = make.counterparty()
    invoice_id = make.invoice(people["initiator"], party)
    db.session.get(Invoice, invoice_id).status = InvoiceStatus.IN_APPROVAL
    db.session.commit()
    with pytest.raises(InvoiceNotEditableError):
        update_invoice(
            db.session, user(app, people["initiator"]), invoice_id, {"amount": "5"}, policy()
        )


def test_a_save_based_on_an_old_version_gets_a_conflict_and_changes_nothing(app, make, people, ctx):
    party = make.counterparty()
    invoice_id = make.invoice(people["initiator"], party, amount="100")
    actor = user(app, people["initiator"])
    opened_version = db.session.get(Invoice, invoice_id).lock_version
    update_invoice(db.session, actor, invoice_id, {"amount": "200"}, policy(), opened_version)
    with pytest.raises(ConcurrentEditError):
        update_invoice(db.session, actor, invoice_id, {"amount": "300"}, policy(), opened_version)
    assert str(db.session.get(Invoice, invoice_id).amount) == "200.00"


def test_a_repeated_vendor_number_warns_and_the_warning_is_audited(app, make, people, ctx):
    party = make.counterparty()
    first = make.invoice(people["initiator"], party, vendor_invoice_no="INV-7")
    saved = create_invoice(
        db.session, user(app, people["initiator"]), card(party, vendor_invoice_no="INV-7"), policy()
    )
    assert [(w.reason, w.other_invoice_id) for w in saved.warnings] == [
        ("vendor_invoice_no", first)
    ]
    actions = [
        e.action for e in db.session.query(AuditEvent).filter_by(invoice_id=saved.invoice.id)
    ]
    assert "duplicate_warning" in actions


def test_the_issue_date_margin_is_configurable(app, make, people, ctx):
    party = make.counterparty()
    strict = policy(margin_days=0)
    tomorrow = clock.iso_days_from_today(1)
    with pytest.raises(ValidationError):
        create_invoice(
            db.session, user(app, people["initiator"]), card(party, issue_date=tomorrow), strict
        )
    saved = create_invoice(
        db.session, user(app, people["initiator"]), card(party, issue_date=tomorrow), policy()
    )
    assert saved.invoice.issue_date == clock.days_from_today(1)


def test_an_issue_date_past_the_margin_names_the_last_day_allowed(app, make, people, ctx):
    party = make.counterparty()
    errors = refused(
        app, people["initiator"], card(party, issue_date=DaysFromToday(MARGIN_DAYS + 1))
    )
    last_day = clock.iso_days_from_today(MARGIN_DAYS)
    assert f"may not be later than {last_day}" in errors["issue_date"]

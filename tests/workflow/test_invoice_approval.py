"""The real processes/invoice_approval.bpmn, end to end, through the services."""

import pytest

from app.errors import PermissionDeniedError, ValidationError
from app.models import InvoiceStatus
from tests.workflow.scenario import Scenario


@pytest.mark.parametrize("approvers", [1, 2, 3])
def test_every_approver_approves_in_order_then_finance_pays(app, make, approvers):
    case = Scenario(app, make, approvers=approvers)
    case.submit()
    for n in range(1, approvers + 1):
        assert case.status == InvoiceStatus.IN_APPROVAL
        assert case.holders() == [f"a{n}"]
        case.decide(f"a{n}", "approve")
    assert case.holders() == ["Finance director"]
    assert case.status == InvoiceStatus.AWAITING_PAYMENT
    case.pay()
    assert case.status == InvoiceStatus.PAID
    assert case.holders() == []
    actions = case.audit_actions()
    assert actions.count("approved") == approvers
    assert actions[-1] == "paid"


@pytest.mark.parametrize("position", [1, 2, 3])
def test_a_reject_at_any_position_ends_the_invoice(app, make, position):
    case = Scenario(app, make, approvers=3)
    case.submit()
    for n in range(1, position):
        case.decide(f"a{n}", "approve")
    case.decide(f"a{position}", "reject", "Not our supplier")
    assert case.status == InvoiceStatus.REJECTED
    assert case.holders() == []
    assert "rejected" in case.audit_actions()


@pytest.mark.parametrize("position", [1, 2, 3])
def test_a_return_at_any_position_goes_to_the_initiator_and_the_chain_restarts(app, make, position):
    case = Scenario(app, make, approvers=3)
    case.submit()
    for n in range(1, position):
        case.decide(f"a{n}", "approve")
    case.decide(f"a{position}", "return", "Wrong contract number")
    assert case.status == InvoiceStatus.ON_REWORK
    assert [(bpmn, holder) for bpmn, holder, _ in case.open_tasks()] == [("correct", "ivan")]
    case.resubmit()
    assert case.holders() == ["a1"]
    for n in (1, 2, 3):
        case.decide(f"a{n}", "approve")
    case.pay()
    assert case.status == InvoiceStatus.PAID
    assert case.audit_actions().count("resubmitted") == 1


def test_payment_order_is_required_only_when_the_card_says_so(app, make):
    strict = Scenario(app, make, approvers=1, payment_order_required=True)
    strict.submit()
    strict.decide("a1", "approve")
    with pytest.raises(ValidationError) as refused:
        strict.pay(order=None)
    assert "payment_order" in refused.value.errors
    assert strict.status == InvoiceStatus.AWAITING_PAYMENT
    strict.pay()
    assert strict.status == InvoiceStatus.PAID


def test_payment_without_an_order_when_none_is_required(app, make):
    case = Scenario(app, make, approvers=1)
    case.submit()
    case.decide("a1", "approve")
    case.pay(order=None, reference="PP-42")
    assert case.status == InvoiceStatus.PAID


@pytest.mark.parametrize("stage", ["draft", "approval", "rework", "payment"])
def test_the_initiator_may_withdraw_at_every_stage_before_payment(app, make, stage):
    case = Scenario(app, make, approvers=2)
    if stage != "draft":
        case.submit()
    if stage == "rework":
        case.decide("a1", "return", "Fix it")
    if stage == "payment":
        case.decide("a1", "approve")
        case.decide("a2", "approve")
    case.withdraw()
    assert case.status == InvoiceStatus.CANCELLED
    assert case.holders() == []
    assert case.audit_actions()[-1] == "withdrawn"


def test_a_paid_invoice_cannot_be_withdrawn(app, make):
    from app.errors import InvoiceNotEditableError

    case = Scenario(app, make, approvers=1)
    case.submit()
    case.decide("a1", "approve")
    case.pay()
    with pytest.raises(InvoiceNotEditableError):
        case.withdraw()


def test_the_payer_may_not_be_an_approver(app, make):
    from app import roles

    case = Scenario(app, make, approvers=1)
    with app.app_context():
        from app.extensions import db

        user = app.appbuilder.sm.get_user_by_id(case.ids["a1"])
        user.roles.append(app.appbuilder.sm.find_role(roles.FINANCE_DIRECTOR))
        db.session.commit()
        db.session.remove()
    case.submit()
    case.decide("a1", "approve")
    with pytest.raises(PermissionDeniedError):
        case.pay(who="a1")

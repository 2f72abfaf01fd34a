"""A new stage is an edit of the diagram: a Legal review above 100,000, with no code change."""

from pathlib import Path

import pytest

from app.errors import PermissionDeniedError, ValidationError
from app.extensions import db
from app.models import InvoiceStatus
from app.services.acknowledge_task import acknowledge_task
from app.services.visibility import get_visible_invoice
from tests.workflow.scenario import Scenario, force_current_version

DEFAULT = (Path(__file__).parents[2] / "processes" / "invoice_approval.bpmn").read_text()

LEGAL_DIAGRAM = Path(__file__).parent / "diagrams" / "invoice_approval_with_legal.bpmn"


def publish(app, xml: str) -> None:
    """Make a diagram the current version for new invoices (what the process editor does)."""
    force_current_version(app, xml, note="Legal")


@pytest.fixture
def legal(app, make):
    make.lane_role("Legal")  # kept between tests, like every role
    return make.user("lena", "Legal")


def test_a_large_invoice_goes_through_legal_and_a_small_one_skips_it(app, make, legal):
    before = Scenario(app, make, approvers=1, amount="150000")
    before.submit()  # on version 1, before the publish
    publish(app, LEGAL_DIAGRAM.read_text())
    large = Scenario.with_people(before, make, amount="150000")
    small = Scenario.with_people(before, make, amount="50000")
    for case in (large, small, before):
        if case is not before:
            case.submit()
        case.decide("a1", "approve")
    assert large.holders() == ["Legal"]
    assert large.status == InvoiceStatus.IN_APPROVAL
    with app.test_request_context():
        lena = app.appbuilder.sm.get_user_by_id(legal)
        assert get_visible_invoice(db.session, lena, large.invoice_id).id == large.invoice_id
        db.session.remove()
    large.ids["lena"] = legal
    large.names[legal] = "lena"
    large.decide("lena", "approve", "Contract checked", task=large.open_tasks()[0][2])
    for case in (large, small, before):
        assert case.holders() == ["Finance director"]
        case.pay()
        assert case.status == InvoiceStatus.PAID
    assert "legal_review" not in [b for b, _h, _g in small.open_tasks()]


def test_legal_can_return_the_invoice_to_its_initiator(app, make, legal):
    publish(app, LEGAL_DIAGRAM.read_text())
    case = Scenario(app, make, approvers=1, amount="250000")
    case.ids["lena"] = legal
    case.names[legal] = "lena"
    case.submit()
    case.decide("a1", "approve")
    case.decide("lena", "return", "Attach the contract", task=case.open_tasks()[0][2])
    assert case.status == InvoiceStatus.ON_REWORK
    assert case.holders() == ["ivan"]


def test_someone_without_the_lane_role_cannot_take_the_legal_task(app, make, legal):
    publish(app, LEGAL_DIAGRAM.read_text())
    case = Scenario(app, make, approvers=1, amount="250000")
    case.submit()
    case.decide("a1", "approve")
    with pytest.raises(PermissionDeniedError, match="belongs to someone else"):
        case.decide("a1", "approve", task=case.open_tasks()[0][2])
    assert case.holders() == ["Legal"]


BOOKING = (
    DEFAULT.replace(
        "<bpmn:flowNodeRef>pay</bpmn:flowNodeRef>",
        "<bpmn:flowNodeRef>book</bpmn:flowNodeRef><bpmn:flowNodeRef>pay</bpmn:flowNodeRef>",
    )
    .replace(
        'sourceRef="gw_decision" targetRef="pay">', 'sourceRef="gw_decision" targetRef="book">'
    )
    .replace("<bpmn:incoming>f_approved</bpmn:incoming>", "<bpmn:incoming>f_booked</bpmn:incoming>")
    .replace(
        '<bpmn:endEvent id="end_paid" name="Paid">',
        """<bpmn:userTask id="book" name="Book invoice">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="form" value="acknowledge"/>
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>f_approved</bpmn:incoming><bpmn:outgoing>f_booked</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="f_booked" sourceRef="book" targetRef="pay"/>
    <bpmn:endEvent id="end_paid" name="Paid">""",
    )
)


def test_a_stage_of_form_acknowledge_is_confirmed_and_the_process_goes_on(app, make):
    """An analyst may add a stage of form=acknowledge (here booking before the payment): its
    holder confirms it, optionally with a note, and the process continues to the payment."""
    assert "book" in BOOKING and BOOKING.count("f_booked") == 3
    publish(app, BOOKING)
    case = Scenario(app, make, approvers=1)
    case.submit()
    case.decide("a1", "approve")
    guid = case.open_task("Finance director")
    with pytest.raises(ValidationError):
        case.decide("fedor", "approve", task=guid)  # not an approval
    assert case.status == InvoiceStatus.IN_APPROVAL
    case.run(lambda: acknowledge_task(db.session, case.user("fedor"), guid, "Seen, booked."))
    assert case.holders() == ["Finance director"]
    assert case.status == InvoiceStatus.AWAITING_PAYMENT
    assert "acknowledged" in case.audit_actions()

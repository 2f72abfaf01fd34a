"""Whatever an analyst publishes, the rules of money hold: each diagram below is refused by the
check, naming the element, and the same diagram written straight into the database is refused at
run time with nothing changed (and an incident for admins)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from flask_babel import force_locale
from sqlalchemy import func, select

from app import roles
from app.errors import InvoiceNotEditableError
from app.extensions import db
from app.models import (
    Incident,
    InvoiceStatus,
    Payment,
    ProcessInstance,
)
from app.services.acknowledge_task import acknowledge_task
from app.services.complete_task import decide
from app.services.update_invoice import update_invoice
from app.worker import work_once
from app.workflow.failures import ProcessFailedError
from app.workflow.lint import lint
from app.workflow.problems import localized_message
from tests.workflow import money_diagrams as diagrams
from tests.workflow.scenario import Scenario, policy
from tests.workflow.scenario import force_current_version as force

ROLES = {roles.APPROVER, roles.FINANCE_DIRECTOR, "Legal"}


def refusals(xml: str) -> dict[str, str]:
    """The check's errors, by element id."""
    found: dict[str, str] = {}
    for problem in lint(xml, ROLES):
        if problem.severity == "error":
            text = f" [{problem.rule}] {problem.message}"
            found[problem.element_id] = found.get(problem.element_id, "") + text
    return found


@dataclass(frozen=True)
class Snapshot:
    status: str
    open_tasks: tuple
    audit: tuple
    payments: int
    lock_version: int | None


def snapshot(app, case: Scenario) -> Snapshot:
    with app.app_context():
        payments = db.session.scalar(
            select(func.count(Payment.id)).where(Payment.invoice_id == case.invoice_id)
        )
        lock = db.session.scalar(
            select(ProcessInstance.lock_version).where(
                ProcessInstance.invoice_id == case.invoice_id
            )
        )
        db.session.remove()
    return Snapshot(
        case.status, tuple(case.open_tasks()), tuple(case.audit_actions()), payments, lock
    )


def incidents(app, invoice_id: int) -> list[tuple[str, str, int]]:
    with app.app_context():
        rows = db.session.execute(
            select(Incident.element_id, Incident.status, Incident.occurrences).where(
                Incident.invoice_id == invoice_id
            )
        ).all()
        db.session.remove()
        return [tuple(r) for r in rows]


def refused_at_run_time(app, case: Scenario, action, element: str, words: str) -> None:
    """The action fails with a plain message; nothing changed; admins get an incident."""
    before = snapshot(app, case)
    with pytest.raises(ProcessFailedError) as failure:
        action()
    assert words in failure.value.message
    after = snapshot(app, case)
    assert after.status == before.status
    assert after.open_tasks == before.open_tasks
    assert after.payments == before.payments
    assert after.lock_version == before.lock_version
    assert after.audit == (*before.audit, "process_failed")  # only the incident's own record
    assert (element, "open") in [(e, s) for e, s, _n in incidents(app, case.invoice_id)]


@pytest.fixture
def legal(app, make):
    make.lane_role("Legal")  # kept between tests, like every role
    return make.user("lena", "Legal")


def with_lawyer(case: Scenario, legal: int) -> Scenario:
    case.ids["lena"] = legal
    case.names[legal] = "lena"
    return case


def lawyer_decides(case: Scenario, decision: str):
    guid = case.open_task("Legal")
    return case.run(
        lambda: decide(db.session, case.user("lena"), guid, decision, "Contract not signed")
    )


def test_a_legal_review_whose_decision_nothing_reads_is_refused_and_cannot_let_a_reject_pay(
    app, make, legal
):
    problems = refusals(diagrams.LEGAL_NOT_ROUTED)
    assert "[money-reject-routed]" in problems["legal_review"]
    assert (
        "A `reject` on “Legal review” (legal_review) leads to “Pay invoice”"
        in problems["legal_review"]
    )
    assert "A `return` on “Legal review”" in problems["legal_review"]
    force(app, diagrams.LEGAL_NOT_ROUTED)
    case = with_lawyer(Scenario(app, make, approvers=1, amount="150000"), legal)
    case.submit()
    case.decide("a1", "approve")
    assert case.holders() == ["Legal"]
    for decision in ("reject", "return"):
        refused_at_run_time(
            app,
            case,
            lambda d=decision: lawyer_decides(case, d),
            "legal_review",
            "must end the invoice rejected" if decision == "reject" else "correction task",
        )
    assert case.status == InvoiceStatus.IN_APPROVAL


def test_a_return_that_falls_to_the_default_flow_is_refused_while_the_reject_branch_works(
    app, make, legal
):
    problems = refusals(diagrams.LEGAL_WITHOUT_RETURN)
    assert list(problems) == ["legal_review"]
    assert "[money-return-routed]" in problems["legal_review"]
    force(app, diagrams.LEGAL_WITHOUT_RETURN)
    returned = with_lawyer(Scenario(app, make, approvers=1, amount="150000"), legal)
    returned.submit()
    returned.decide("a1", "approve")
    refused_at_run_time(
        app, returned, lambda: lawyer_decides(returned, "return"), "legal_review", "correction"
    )
    rejected = Scenario.with_people(returned, make, amount="150000")
    rejected.submit()
    rejected.decide("a1", "approve")
    lawyer_decides(rejected, "reject")
    assert rejected.status == InvoiceStatus.REJECTED


def test_a_finance_step_of_form_approval_never_pays_an_invoice(app, make):
    problems = refusals(diagrams.FINANCE_APPROVES)
    assert "[money-paid-through-payment]" in problems["end_paid"]
    assert "A `reject` on “Pay invoice” (pay) leads to the end “Paid”" in problems["pay"]
    force(app, diagrams.FINANCE_APPROVES)
    case = Scenario(app, make, approvers=1)
    case.submit()
    case.decide("a1", "approve")
    guid = case.open_task("Finance director")
    for decision in ("approve", "reject"):
        refused_at_run_time(
            app,
            case,
            lambda d=decision: case.decide("fedor", d, "ok", task=guid),
            "end_paid" if decision == "approve" else "pay",
            "without a recorded payment" if decision == "approve" else "must end the invoice",
        )
    assert case.status == InvoiceStatus.IN_APPROVAL


def test_the_card_is_frozen_from_submit_whatever_the_first_stage_is(app, make):
    assert refusals(diagrams.ACKNOWLEDGE_FIRST) == {}
    force(app, diagrams.ACKNOWLEDGE_FIRST)
    case = Scenario(app, make, approvers=1, amount="5")
    case.submit()
    assert case.holders() == ["Finance director"]
    assert case.status == InvoiceStatus.IN_APPROVAL
    for change in ({"amount": "777777"}, {"approvers": [case.ids["a2"]]}):
        with pytest.raises(InvoiceNotEditableError):
            case.run(
                lambda c=change: update_invoice(
                    db.session, case.user("ivan"), case.invoice_id, c, policy()
                )
            )
    with pytest.raises(InvoiceNotEditableError):
        case.submit()
    with case.app.app_context():
        instances = db.session.scalar(
            select(func.count(ProcessInstance.id)).where(
                ProcessInstance.invoice_id == case.invoice_id
            )
        )
        db.session.remove()
    assert instances == 1


def test_a_payment_before_the_approvals_is_refused_and_submit_leaves_the_draft_as_it_was(app, make):
    problems = refusals(diagrams.PAY_FIRST)
    assert "[money-payment-after-approval]" in problems["pay"]
    force(app, diagrams.PAY_FIRST)
    case = Scenario(app, make, approvers=1)
    refused_at_run_time(app, case, case.submit, "pay", "before every approval")
    assert case.status == InvoiceStatus.DRAFT
    assert snapshot(app, case).lock_version is None  # no process was started


def test_after_the_payment_the_process_must_end_paid(app, make):
    problems = refusals(diagrams.CHECK_AFTER_PAYMENT)
    assert "[money-payment-ends-paid]" in problems["pay"]
    assert "must reach an end event with status `paid`" in problems["pay"]
    force(app, diagrams.CHECK_AFTER_PAYMENT)
    case = Scenario(app, make, approvers=1)
    case.submit()
    case.decide("a1", "approve")
    refused_at_run_time(app, case, case.pay, "pay", "must end the invoice paid")
    assert case.status == InvoiceStatus.AWAITING_PAYMENT


def test_a_chain_without_a_completion_condition_cannot_go_on_after_a_reject(app, make):
    problems = refusals(diagrams.CHAIN_GOES_ON)
    assert "[money-chain-stops]" in problems["approval_step"]
    force(app, diagrams.CHAIN_GOES_ON)
    case = Scenario(app, make, approvers=2)
    case.submit()
    refused_at_run_time(app, case, lambda: case.decide("a1", "reject", "No"), "approve", "rejected")
    assert case.holders() == ["a1"]


def test_an_end_without_a_final_status_is_refused(app, make):
    problems = refusals(diagrams.REJECT_ENDS_IN_APPROVAL)
    assert "naming how the invoice ends" in problems["end_rejected"]
    force(app, diagrams.REJECT_ENDS_IN_APPROVAL)
    case = Scenario(app, make, approvers=1)
    case.submit()
    refused_at_run_time(
        app, case, lambda: case.decide("a1", "reject", "No"), "end_rejected", "final status"
    )


def test_a_timer_that_would_send_an_unapproved_invoice_to_payment_changes_nothing(app, make):
    problems = refusals(diagrams.TIMEOUT_PAYS)
    assert "[money-timeout-no-payment]" in problems["approval_timeout"]
    force(app, diagrams.TIMEOUT_PAYS)
    start = datetime.now(UTC)
    with time_machine.travel(start, tick=False) as traveller:
        case = Scenario(app, make, approvers=2)
        case.submit()
        case.decide("a1", "approve")  # the second approval is the one the timer would cut short
        before = snapshot(app, case)
        traveller.move_to(start + timedelta(days=11))
        work_once(app)
        after = snapshot(app, case)
    assert (after.status, after.open_tasks, after.payments) == (
        before.status,
        before.open_tasks,
        before.payments,
    )
    assert [holder for _bpmn, holder, _guid in after.open_tasks] == ["a2"]
    assert [s for _e, s, _n in incidents(app, case.invoice_id)] == ["open"]


def test_a_refusal_of_the_check_reads_in_russian_for_a_russian_reader(app):
    [problem] = [
        p for p in lint(diagrams.LEGAL_WITHOUT_RETURN, ROLES) if p.rule == "money-return-routed"
    ]
    with app.test_request_context(), force_locale("ru"):
        text = localized_message(problem)
    assert "Правило денег: возврат отправляет счёт инициатору" in text
    assert "“Legal review” (legal_review)" in text and "(форма payment)" in text


def test_an_approval_side_by_side_with_another_stage_pays_once_both_are_done(app, make):
    assert refusals(diagrams.PARALLEL_APPROVAL) == {}
    force(app, diagrams.PARALLEL_APPROVAL)
    case = Scenario(app, make, approvers=1)
    case.submit()
    assert sorted(case.holders()) == ["Finance director", "a1"]
    case.decide("a1", "approve")
    assert case.holders() == ["Finance director"]  # the booking; no payment yet
    assert case.status == InvoiceStatus.IN_APPROVAL
    booking = case.open_task("Finance director")
    case.run(lambda: acknowledge_task(db.session, case.user("fedor"), booking, None))
    assert case.status == InvoiceStatus.AWAITING_PAYMENT
    case.pay()
    assert case.status == InvoiceStatus.PAID

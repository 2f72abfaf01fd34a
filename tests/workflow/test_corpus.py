"""Every diagram the check accepts runs to a final status or fails cleanly; the others it refuses.

The corpus (tests/workflow/corpus, one small diagram per BPMN element kind the engine parses)
is driven through the services as its people would: submit, then act on every task the app
offers (approve, return, reject, resubmit, acknowledge, pay), letting the clock reach a timer
when nobody has anything to do. An action either succeeds or fails with a clean error (never a
500), and a failed action changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from sqlalchemy import select

from app import roles
from app.errors import InvoiceFlowError
from app.extensions import db
from app.models import HumanTask, Invoice, ProcessInstance, TaskStatus
from app.services.acknowledge_task import acknowledge_task
from app.services.timers import fire_timers_of
from app.workflow.lint import has_errors, lint
from tests.workflow.scenario import Scenario, force_current_version

CORPUS = Path(__file__).parent / "corpus"
FINAL = ("paid", "rejected", "cancelled")
ROLES = {roles.INITIATOR, roles.APPROVER, roles.FINANCE_DIRECTOR}
# Who takes a task offered to a role (never the initiator; the payer is no approver).
ROLE_HOLDER = {roles.APPROVER: "a3", roles.FINANCE_DIRECTOR: "fedor"}
MAX_ACTIONS = 30


@dataclass(frozen=True)
class Case:
    covers: str
    expect: str  # "runs" (to `final`), "fails" (cleanly, at the action `final`), "refused"
    final: str | None = None
    plan: tuple[str, ...] = ()  # approval decisions in order ("approve" after); "wait": a timer
    approvers: int = 1
    why: str = ""  # for "refused": the rule the check names, or a phrase of its message


def runs(covers, final="paid", plan=(), approvers=1) -> Case:
    return Case(covers, "runs", final, tuple(plan), approvers)


def refused(covers, why="") -> Case:
    return Case(covers, "refused", why=why)


def fails(covers, action: str) -> Case:
    """Accepted by the check, but the data decides: the action fails cleanly, nothing saved."""
    return Case(covers, "fails", action)


MANIFEST: dict[str, Case] = {
    # Tasks and gateways
    "baseline.bpmn": runs(
        "none start and end events, user tasks, exclusive gateway; a return and a resubmit",
        plan=("return", "approve"),
    ),
    "none_task.bpmn": runs("task without a type"),
    "script_task.bpmn": runs("script task"),
    "manual_task.bpmn": runs("manual task (form acknowledge)"),
    "acknowledge_user_task.bpmn": runs("user task of form acknowledge"),
    "parallel_gateway.bpmn": runs("parallel gateway, fork and join", "rejected", ("reject",)),
    "inclusive_gateway.bpmn": runs("inclusive gateway, split and merge"),
    "event_based_gateway.bpmn": runs("event-based gateway: a timer or a signal"),
    "gateway_without_default.bpmn": fails(
        "exclusive gateway whose conditions are all false for this invoice", "submit"
    ),
    "complex_gateway.bpmn": refused("complex gateway", "unsupported-element"),
    "service_task.bpmn": refused("service task", "unsupported-element"),
    "business_rule_task.bpmn": refused(
        "business rule task calling a table the version lacks", "dmn-missing-decision"
    ),
    "send_and_receive_task.bpmn": runs("send task and receive task (a message)"),
    # Subprocesses and calls
    "embedded_subprocess.bpmn": runs("embedded subprocess"),
    "transaction_subprocess.bpmn": runs("transaction subprocess"),
    "transaction_cancel.bpmn": runs(
        "cancel end event in a transaction, cancel boundary event", "cancelled"
    ),
    "event_subprocess_error.bpmn": refused(
        "event subprocess with an error start event", "unsupported-element"
    ),
    "event_subprocess_escalation.bpmn": refused(
        "non-interrupting event subprocess with an escalation start event", "unsupported-element"
    ),
    "call_activity.bpmn": runs(
        "call activity to a process of the same file, with its own lane",
        plan=("return", "approve"),
    ),
    "call_activity_missing_process.bpmn": refused(
        "call activity to a process not in the file", "called-process"
    ),
    "ad_hoc_subprocess.bpmn": refused("ad hoc subprocess", "unsupported-element"),
    # Loops and multi-instance
    "sequential_multi_instance_subprocess.bpmn": runs(
        "sequential multi-instance embedded subprocess over the approvers",
        plan=("approve", "return", "approve", "approve"),
        approvers=2,
    ),
    "parallel_multi_instance_user_task.bpmn": runs(
        "parallel multi-instance user task", "rejected", ("approve", "reject"), approvers=2
    ),
    "sequential_multi_instance_cardinality.bpmn": runs(
        "sequential multi-instance with a loop cardinality"
    ),
    "parallel_multi_instance_acknowledge.bpmn": runs(
        "parallel multi-instance acknowledge task over a list", approvers=3
    ),
    "standard_loop.bpmn": runs("standard loop on a script task"),
    "standard_loop_user_task.bpmn": runs("standard loop on a user task"),
    # Start events
    "start_event_timer.bpmn": runs("timer start event"),
    "start_event_message.bpmn": refused("message start event", "start-on-submit"),
    "start_event_signal.bpmn": refused("signal start event", "start-on-submit"),
    "start_event_conditional.bpmn": refused("conditional start event", "unsupported-element"),
    # Intermediate events
    "timer_intermediate_duration.bpmn": runs("intermediate timer catch event, a duration"),
    "timer_intermediate_date.bpmn": runs("intermediate timer catch event, a date"),
    "timer_and_message_multiple_catch.bpmn": runs("multiple catch event: a timer or a message"),
    "none_intermediate_throw.bpmn": runs("none intermediate throw event"),
    "message_intermediate_throw.bpmn": runs(
        "intermediate message throw event, message flow to another pool"
    ),
    "signal_throw_and_catch.bpmn": runs("intermediate signal throw and catch events"),
    "message_catch_nothing_sends.bpmn": refused(
        "intermediate message catch event nothing sends", "waits-forever"
    ),
    "signal_catch_nothing_throws.bpmn": refused(
        "intermediate signal catch event nothing throws", "waits-forever"
    ),
    "event_based_gateway_nothing_comes.bpmn": refused(
        "event-based gateway with no event that can come", "waits-forever"
    ),
    "conditional_intermediate_catch.bpmn": refused(
        "intermediate conditional catch event", "unsupported-element"
    ),
    "link_events.bpmn": refused("link throw and catch events", "unsupported-element"),
    # Boundary events
    "timer_boundary_cycle.bpmn": runs("non-interrupting cycle timer boundary event"),
    "timer_boundary_interrupting.bpmn": runs(
        "interrupting timer boundary event on the correction", "cancelled", ("return", "wait")
    ),
    "error_boundary_on_subprocess.bpmn": runs(
        "error end event in a subprocess, interrupting error boundary event"
    ),
    "escalation_boundary_non_interrupting.bpmn": runs(
        "intermediate escalation throw event, non-interrupting escalation boundary event"
    ),
    "message_boundary_non_interrupting.bpmn": runs("non-interrupting message boundary event"),
    "signal_boundary_interrupting.bpmn": runs("interrupting signal boundary event"),
    "conditional_boundary_non_interrupting.bpmn": refused(
        "conditional boundary event", "unsupported-element"
    ),
    "compensation_boundary.bpmn": refused("compensation boundary event", "unsupported-element"),
    # End events
    "escalation_end_event.bpmn": runs("escalation end event in a subprocess"),
    "error_end_event_top_level.bpmn": runs(
        "error end event of the process itself", "rejected", ("reject",)
    ),
    "message_end_event.bpmn": runs("message end event"),
    "terminate_end_event.bpmn": runs("terminate end events ending a waiting branch"),
    "signal_end_event.bpmn": refused("signal end event", "unsupported-element"),
    # Data and artifacts
    "data_object.bpmn": runs("data object, data input and output associations"),
    "data_object_unset.bpmn": runs("data object read before anything wrote it"),
    "io_specification.bpmn": runs("input/output specification of a task"),
    "data_store.bpmn": refused("data store reference", "unsupported-element"),
    "script_non_json_value.bpmn": fails("a script leaving a value the data cannot keep", "submit"),
    "text_annotation_and_group.bpmn": runs("text annotation, association, group, category"),
    "collaboration_send_task.bpmn": runs("collaboration: pools, message flow, send task"),
    # Lanes and people
    "lane_not_a_role.bpmn": refused("lane that is not a role", "neither `Initiator` nor"),
    "manual_task_without_lane.bpmn": refused("manual task in no lane", "task-holder"),
    "initiator_acknowledge_task.bpmn": refused(
        "acknowledge task in the Initiator lane", "initiator-task"
    ),
    "correction_outside_initiator_lane.bpmn": refused(
        "correction task in a role's lane", "initiator-task"
    ),
    # The rules of money, broken on purpose
    "money_reject_goes_to_payment.bpmn": Case(
        "a reject routed to the payment", "refused", plan=("reject",), why="money-reject-routed"
    ),
    "money_paid_without_payment.bpmn": refused(
        "an end `paid` without a payment task", "money-paid-through-payment"
    ),
    "money_payment_before_approval.bpmn": refused(
        "the payment before the approval", "money-payment-after-approval"
    ),
}


def corpus_files() -> list[str]:
    return sorted(path.name for path in CORPUS.glob("*.bpmn"))


def cases(*expected: str) -> list:
    return [
        pytest.param(name, case, id=name.removesuffix(".bpmn"))
        for name, case in sorted(MANIFEST.items())
        if case.expect in expected
    ]


def test_the_manifest_names_every_diagram_of_the_corpus_and_nothing_else():
    assert corpus_files() == sorted(MANIFEST)
    assert len(MANIFEST) >= 40


@pytest.fixture
def clock():
    with time_machine.travel(datetime.now(UTC), tick=False) as traveller:
        yield traveller


# The bound is the diagram's drive, not the test process's first app and schema (a fixture).
@pytest.mark.timeout(30, func_only=True)
@pytest.mark.parametrize(("name", "case"), cases("runs", "fails"))
def test_a_diagram_the_check_accepts_runs_to_its_end_or_fails_cleanly(app, make, clock, name, case):
    xml = (CORPUS / name).read_text()
    problems = lint(xml, ROLES)
    assert not has_errors(problems), [str(p) for p in problems]
    outcome = Drive(app, make, clock, xml, case).to_the_end()
    if case.expect == "runs":
        assert outcome == ("done", case.final), outcome
    else:
        assert outcome[:2] == ("failed", case.final), outcome


@pytest.mark.parametrize(("name", "case"), cases("refused"))
def test_the_check_refuses_a_diagram_that_cannot_run(name, case):
    problems = [p for p in lint((CORPUS / name).read_text(), ROLES) if p.severity == "error"]
    assert problems, "the check accepted it"
    assert any(case.why == p.rule or case.why in p.message for p in problems), [
        str(p) for p in problems
    ]


@pytest.mark.timeout(30, func_only=True)
@pytest.mark.parametrize(("name", "case"), cases("refused"))
def test_a_refused_diagram_forced_into_the_database_still_fails_cleanly(
    app, make, clock, name, case
):
    """As if written straight into the database: each action works or fails cleanly (never a
    500, nothing changed by a failure; see Drive.attempt), or the invoice waits."""
    outcome = Drive(app, make, clock, (CORPUS / name).read_text(), case).to_the_end()
    assert outcome[0] in ("done", "failed", "stuck"), outcome


class Drive:
    """One invoice on one diagram, driven by its people until it ends or an action fails."""

    def __init__(self, app, make, clock, xml: str, case: Case):
        self.app, self.clock, self.plan = app, clock, list(case.plan)
        force_current_version(app, xml)
        self.case = Scenario(app, make, approvers=case.approvers)

    def to_the_end(self) -> tuple:
        failure = self.attempt("submit", self.case.submit)
        for _step in range(MAX_ACTIONS):
            if failure is not None:
                return failure
            if self.case.status in FINAL:
                return ("done", self.case.status)
            tasks = self.open_tasks()
            if self.plan[:1] == ["wait"] or not tasks:
                if self.plan[:1] == ["wait"]:
                    self.plan.pop(0)
                if not self.let_the_next_timer_fire():
                    return ("stuck", self.case.status, [t.bpmn_id for t in tasks])
                failure = self.attempt("timer", self.fire_timers)
                continue
            failure = self.act(tasks[0])
        raise AssertionError(f"no end after {MAX_ACTIONS} actions: {self.case.status}")

    def act(self, task: HumanTask):
        who = self.case.names.get(task.assignee_user_id) or ROLE_HOLDER.get(task.candidate_role)
        if who is None:  # a lane that is no role (a diagram the check refuses)
            return ("stuck", self.case.status, [task.bpmn_id])
        if task.form == "approval":
            decision = self.plan.pop(0) if self.plan else "approve"
            return self.attempt(
                decision, lambda: self.case.decide(who, decision, "Checked", task=task.task_guid)
            )
        if task.form == "correction":
            return self.attempt("resubmit", lambda: self.case.resubmit(who))
        if task.form == "payment":
            return self.attempt("pay", lambda: self.case.pay(who))
        return self.attempt(
            "acknowledge",
            lambda: self.case.run(
                lambda: acknowledge_task(db.session, self.case.user(who), task.task_guid, "Seen")
            ),
        )

    def attempt(self, action: str, step):
        """Run one action: it works, or fails with a clean error and changes nothing."""
        before = self.snapshot()
        try:
            step()
        except InvoiceFlowError as exc:
            assert exc.status_code < 500, exc
            assert self.snapshot() == before, f"{action} failed ({exc}) but changed the invoice"
            return ("failed", action, str(exc))
        return None

    def open_tasks(self) -> list[HumanTask]:
        with self.app.app_context():
            rows = list(
                db.session.scalars(
                    select(HumanTask)
                    .where(
                        HumanTask.invoice_id == self.case.invoice_id,
                        HumanTask.status == TaskStatus.OPEN,
                    )
                    .order_by(HumanTask.id)
                )
            )
            db.session.expunge_all()
            db.session.remove()
            return rows

    def instance(self) -> ProcessInstance | None:
        with self.app.app_context():
            found = db.session.scalars(
                select(ProcessInstance).where(ProcessInstance.invoice_id == self.case.invoice_id)
            ).first()
            db.session.expunge_all()
            db.session.remove()
            return found

    def snapshot(self) -> tuple:
        instance = self.instance()
        with self.app.app_context():
            invoice = db.session.get(Invoice, self.case.invoice_id)
            card = (invoice.status, invoice.stage, invoice.lock_version)
            db.session.remove()
        state = (instance.state, instance.lock_version) if instance else None
        return card, state, [t.task_guid for t in self.open_tasks()]

    def let_the_next_timer_fire(self) -> bool:
        instance = self.instance()
        if instance is None or instance.next_timer_at is None:
            return False
        due = instance.next_timer_at.replace(tzinfo=UTC)
        self.clock.move_to(max(due, datetime.now(UTC)) + timedelta(minutes=1))
        return True

    def fire_timers(self):
        instance_id = self.instance().id
        self.case.run(lambda: fire_timers_of(db.session, instance_id))

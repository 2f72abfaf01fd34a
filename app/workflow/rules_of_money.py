"""The check's side of the rules no diagram can break (DESIGN.md §5), refused before publishing.

What can be seen in the diagram itself: where each decision of an approval task leads (a `reject`
must end the invoice `rejected`, a `return` must reach the initiator's correction), that a `paid`
end is reached only through a payment task, that no payment task is reached before an approval,
and that after the payment the process ends `paid`. The engine holds the same rules at run time
(app/services/rules_of_money.py) for what the check cannot see.
"""

from __future__ import annotations

from decimal import Decimal

from app.i18n import _
from app.workflow.flow_graph import Diagram, Follower, Stop, label
from app.workflow.problems import NS, Listing, Problem, error
from app.workflow.sandbox import RestrictedTaskDataEnvironment

# Amounts around the thresholds analysts write (100,000 and so on): a condition on the amount
# is followed both ways.
SAMPLE_AMOUNTS = (Decimal("1.00"), Decimal("100000.00"), Decimal("100000.01"), Decimal("1e9"))


def money_problems(root) -> list[Problem]:
    diagram = Diagram(root)
    problems = []
    for task in diagram.tasks_of_form("approval"):
        problems += _decisions_routed(diagram, task)
        problems += _timeouts_do_not_pay(diagram, task)
    problems += _paid_only_through_payment(diagram)
    problems += _no_payment_before_approval(diagram)
    for task in diagram.tasks_of_form("payment"):
        problems += _payment_ends_paid(diagram, task)
    return problems


def _samples(decision: str, collections: list[str], items: tuple = ()) -> list[dict]:
    """`items`: the output items of the loops, which hold the answer as `approval` does
    (app/workflow/parallel.py)."""
    approval = {"by": 1, "decision": decision, "comment": "-"}
    base = {
        "invoice_id": 1,
        "number": 1,
        "currency": "RUB",
        "counterparty_id": 1,
        "initiator_id": 1,
        "approvers": [2],
        "approver": 2,
        "payment_order_required": False,
        "approval": approval,
        **{name: [approval] for name in collections},
        **{name: approval for name in items},
    }
    return [{**base, "amount": amount} for amount in SAMPLE_AMOUNTS]


def _loops(diagram: Diagram, task) -> list:
    """The multi-instance elements a task repeats in: itself and its sub-processes."""
    chain = [task, *diagram.ancestors(task)]
    return [el for el in chain if el.find("bpmn:multiInstanceLoopCharacteristics", NS) is not None]


def _collections(loops) -> list[str]:
    names = []
    for loop in loops:
        ref = loop.find("bpmn:multiInstanceLoopCharacteristics/bpmn:loopDataOutputRef", NS)
        if ref is not None and (ref.text or "").strip():
            names.append(ref.text.strip())
    return names


def _output_items(loops) -> tuple[str, ...]:
    path = "bpmn:multiInstanceLoopCharacteristics/bpmn:outputDataItem"
    return tuple(
        item.get("id")
        for loop in loops
        if (item := loop.find(path, NS)) is not None and item.get("id")
    )


def _reject_fits(stop: Stop) -> bool:
    return stop.status == "rejected"


def _return_fits(stop: Stop) -> bool:
    return stop.form == "correction"


EXPECTED = {"reject": _reject_fits, "return": _return_fits}
ROUTED = {
    "reject": lambda **values: _(
        "Rule of money: a reject ends the invoice rejected. A `reject` on %(task)s leads to "
        "%(reached)s. Route it to an end event with status `rejected` (a gateway condition such "
        "as %(hint)s == 'reject'), not the default flow to the payment.",
        **values,
    ),
    "return": lambda **values: _(
        "Rule of money: a return goes to the initiator's correction. A `return` on %(task)s "
        "leads to %(reached)s. Route it to the correction task (form `correction`) with a "
        "gateway condition such as %(hint)s == 'return'.",
        **values,
    ),
}


def _decisions_routed(diagram: Diagram, task) -> list[Problem]:
    """A reject ends the invoice rejected; a return reaches the correction. Approve is free."""
    loops = _loops(diagram, task)
    after = loops[-1] if loops else task  # a chain's decision is routed when the chain is done
    problems = []
    for decision, fits in EXPECTED.items():
        samples = _samples(decision, _collections(loops), _output_items(loops))
        problems += _loop_stops(diagram, task, loops, decision, samples)
        stops = Follower(diagram, samples).stops_after(after)
        wrong = [s for s in stops if not fits(s)]
        if wrong or not stops:
            message = ROUTED[decision](
                task=label(task),
                reached=_reached(wrong),
                hint=_condition_hint(loops),
            )
            problems.append(error(task, message, f"money-{decision}-routed"))
    return problems


def _reached(stops: list[Stop]):
    return Listing(_describe(s) for s in stops) if stops else _("nowhere")


def _condition_hint(loops) -> str:
    collections = _collections(loops)
    return f"{collections[-1]}[-1]['decision']" if collections else "approval['decision']"


def _loop_stops(diagram, task, loops, decision, samples) -> list[Problem]:
    """After a return or reject the chain must stop, not go on to the next person."""
    problems = []
    environment = RestrictedTaskDataEnvironment()
    for loop in loops:
        node = loop.find("bpmn:multiInstanceLoopCharacteristics/bpmn:completionCondition", NS)
        text = (node.text or "").strip() if node is not None else ""
        try:
            stops = bool(text) and all(environment.evaluate(text, dict(s)) for s in samples)
        except Exception:  # noqa: BLE001 - cannot tell: the chain may go on
            stops = False
        if not stops:
            message = _(
                "Rule of money: after a `%(decision)s` on %(task)s the chain goes on to the "
                "next person. Give the multi-instance the completion condition "
                "approval['decision'] != 'approve'.",
                decision=decision,
                task=label(task),
            )
            problems.append(error(loop, message, "money-chain-stops"))
    return problems


def _describe(stop: Stop) -> str:
    if stop.kind == "end":
        return _("the end %(end)s (status %(status)s)", end=label(stop.element), status=stop.status)
    if stop.kind == "task":
        return _("%(task)s (form %(form)s)", task=label(stop.element), form=stop.form)
    return _("the wait %(element)s", element=label(stop.element))


def _timeouts_do_not_pay(diagram: Diagram, task) -> list[Problem]:
    """An interrupting timer or event on an approval must not lead to the payment."""
    problems = []
    holders = [task, *diagram.ancestors(task)]
    blocked = {t.get("id") for t in diagram.tasks_of_form("approval")}
    for holder in holders:
        for boundary in diagram.boundaries.get(holder.get("id"), []):
            if boundary.get("cancelActivity") == "false":
                continue
            for element in diagram.reachable([boundary], blocked):
                stop = diagram.stop_of(element)
                if stop and (stop.form == "payment" or stop.status == "paid"):
                    message = _(
                        "Rule of money: %(event)s interrupts the approval %(task)s and leads to "
                        "%(reached)s without a decision. Lead it to a reminder, an escalation "
                        "or the initiator's correction instead.",
                        event=label(boundary),
                        task=label(task),
                        reached=_describe(stop),
                    )
                    problems.append(error(boundary, message, "money-timeout-no-payment"))
                    break
    return problems


def _stops_avoiding(diagram: Diagram, form: str) -> list[Stop]:
    """The stops a token can reach from the starts without passing a task of `form`."""
    avoided = {t.get("id") for t in diagram.tasks_of_form(form)}
    stops = (diagram.stop_of(el) for el in diagram.reachable(diagram.starts(), avoided))
    return [stop for stop in stops if stop is not None]


def _paid_only_through_payment(diagram: Diagram) -> list[Problem]:
    problems = []
    for stop in _stops_avoiding(diagram, "payment"):
        if stop.status == "paid":
            element = stop.element
            message = _(
                "Rule of money: an invoice is paid only through its payment. The end %(end)s "
                "(status paid) can be reached without passing a payment task (form `payment`). "
                "Put the payment task before it.",
                end=label(element),
            )
            problems.append(error(element, message, "money-paid-through-payment"))
    return problems


def _no_payment_before_approval(diagram: Diagram) -> list[Problem]:
    problems = []
    for stop in _stops_avoiding(diagram, "approval"):
        if stop.form == "payment":
            element = stop.element
            message = _(
                "Rule of money: no payment before the approvals. The payment %(task)s can be "
                "reached without passing an approval task (form `approval`). Put it after the "
                "approvals.",
                task=label(element),
            )
            problems.append(error(element, message, "money-payment-after-approval"))
    return problems


def _payment_ends_paid(diagram: Diagram, task) -> list[Problem]:
    follower = Follower(diagram, _samples("approve", []))
    stops = follower.stops_after(task)
    wrong = [s for s in stops if s.status != "paid"]
    if not wrong and stops:
        return []
    message = _(
        "Rule of money: the payment ends the process. After the payment %(task)s the process "
        "must reach an end event with status `paid`; it leads to %(reached)s.",
        task=label(task),
        reached=_reached(wrong),
    )
    return [error(task, message, "money-payment-ends-paid")]

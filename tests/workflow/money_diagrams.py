"""Diagrams an analyst could publish that would break a rule of money, each one edit away from a
good diagram (the default process or the one with a Legal review)."""

from pathlib import Path

DEFAULT = (Path(__file__).parents[2] / "processes" / "invoice_approval.bpmn").read_text()
LEGAL = (Path(__file__).parent / "diagrams" / "invoice_approval_with_legal.bpmn").read_text()


def edited(xml: str, *replacements: tuple[str, str]) -> str:
    for old, new in replacements:
        assert old in xml, old
        xml = xml.replace(old, new)
    return xml


def without(xml: str, start: str, end: str) -> str:
    """The diagram with the element that begins with `start` (up to `end`) removed."""
    begin = xml.index(start)
    return xml[:begin] + xml[xml.index(end, begin) + len(end) :]


# The lawyer's decision is read by nothing: the Legal review leads straight to the payment.
LEGAL_NOT_ROUTED = edited(
    LEGAL,
    ('sourceRef="legal_review" targetRef="gw_legal"', 'sourceRef="legal_review" targetRef="pay"'),
)

# A reject branch was added for the lawyer, but a return still falls to the default: payment.
LEGAL_WITHOUT_RETURN = without(
    LEGAL, '<bpmn:sequenceFlow id="f_legal_return"', "</bpmn:sequenceFlow>"
)

# The finance step became an approval: "approve" reaches the end `paid` with no payment.
FINANCE_APPROVES = edited(
    DEFAULT,
    (
        '<spiffworkflow:property name="form" value="payment"/>',
        '<spiffworkflow:property name="form" value="approval"/>',
    ),
)

# The process starts with an acknowledge stage of the finance director.
ACKNOWLEDGE_FIRST = edited(
    DEFAULT,
    (
        "<bpmn:flowNodeRef>pay</bpmn:flowNodeRef>",
        "<bpmn:flowNodeRef>register</bpmn:flowNodeRef><bpmn:flowNodeRef>pay</bpmn:flowNodeRef>",
    ),
    ('sourceRef="start" targetRef="approval_step"', 'sourceRef="start" targetRef="register"'),
    (
        '<bpmn:endEvent id="end_paid" name="Paid">',
        """<bpmn:userTask id="register" name="Register invoice">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="form" value="acknowledge"/>
      </spiffworkflow:properties></bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="f_registered" sourceRef="register" targetRef="approval_step"/>
    <bpmn:endEvent id="end_paid" name="Paid">""",
    ),
)

# The payment comes first, the approvals after it.
PAY_FIRST = edited(
    DEFAULT,
    ('sourceRef="start" targetRef="approval_step"', 'sourceRef="start" targetRef="pay"'),
    ('sourceRef="pay" targetRef="end_paid"', 'sourceRef="pay" targetRef="approval_step"'),
    ('default="f_approved"', 'default="f_done"'),
    (
        '<bpmn:sequenceFlow id="f_approved" name="approved" sourceRef="gw_decision" '
        'targetRef="pay">',
        '<bpmn:sequenceFlow id="f_done" sourceRef="gw_decision" targetRef="end_paid">',
    ),
)

# After the payment the invoice goes to a check instead of ending paid.
CHECK_AFTER_PAYMENT = edited(
    DEFAULT,
    (
        "<bpmn:flowNodeRef>pay</bpmn:flowNodeRef>",
        "<bpmn:flowNodeRef>pay</bpmn:flowNodeRef><bpmn:flowNodeRef>check</bpmn:flowNodeRef>",
    ),
    ('sourceRef="pay" targetRef="end_paid"', 'sourceRef="pay" targetRef="check"'),
    (
        '<bpmn:endEvent id="end_paid" name="Paid">',
        """<bpmn:userTask id="check" name="Check the payment">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="form" value="acknowledge"/>
      </spiffworkflow:properties></bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="f_checked" sourceRef="check" targetRef="end_paid"/>
    <bpmn:endEvent id="end_paid" name="Paid">""",
    ),
)

# The chain has no completion condition: after a reject the next approver is asked anyway.
CHAIN_GOES_ON = edited(
    DEFAULT,
    (
        "<bpmn:completionCondition>approval['decision'] != 'approve'</bpmn:completionCondition>",
        "",
    ),
)

# Ten days without a decision and the invoice goes to payment.
TIMEOUT_PAYS = edited(
    DEFAULT,
    (
        '<bpmn:endEvent id="end_paid" name="Paid">',
        """<bpmn:boundaryEvent id="approval_timeout" name="Ten days" attachedToRef="approval_step">
      <bpmn:outgoing>f_timeout</bpmn:outgoing>
      <bpmn:timerEventDefinition><bpmn:timeDuration>"P10D"</bpmn:timeDuration></bpmn:timerEventDefinition>
    </bpmn:boundaryEvent>
    <bpmn:sequenceFlow id="f_timeout" sourceRef="approval_timeout" targetRef="pay"/>
    <bpmn:endEvent id="end_paid" name="Paid">""",
    ),
    (
        "<bpmn:flowNodeRef>gw_decision</bpmn:flowNodeRef>",
        "<bpmn:flowNodeRef>gw_decision</bpmn:flowNodeRef>"
        "<bpmn:flowNodeRef>approval_timeout</bpmn:flowNodeRef>",
    ),
)

# The reject branch ends at an end event that gives no final status.
REJECT_ENDS_IN_APPROVAL = edited(
    DEFAULT,
    (
        '<spiffworkflow:property name="status" value="rejected"/>',
        '<spiffworkflow:property name="status" value="in_approval"/>',
    ),
)

# Approval and a booking side by side, joined before the payment: the payment waits for both.
PARALLEL_APPROVAL = edited(
    DEFAULT,
    ('sourceRef="start" targetRef="approval_step"', 'sourceRef="start" targetRef="fork"'),
    (
        'sourceRef="approval_step" targetRef="gw_decision"',
        'sourceRef="join" targetRef="gw_decision"',
    ),
    (
        "<bpmn:flowNodeRef>pay</bpmn:flowNodeRef>",
        "<bpmn:flowNodeRef>book</bpmn:flowNodeRef><bpmn:flowNodeRef>pay</bpmn:flowNodeRef>",
    ),
    (
        '<bpmn:endEvent id="end_paid" name="Paid">',
        """<bpmn:parallelGateway id="fork"/>
    <bpmn:parallelGateway id="join"/>
    <bpmn:userTask id="book" name="Book invoice">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="form" value="acknowledge"/>
      </spiffworkflow:properties></bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="f_fork_approve" sourceRef="fork" targetRef="approval_step"/>
    <bpmn:sequenceFlow id="f_fork_book" sourceRef="fork" targetRef="book"/>
    <bpmn:sequenceFlow id="f_join_approved" sourceRef="approval_step" targetRef="join"/>
    <bpmn:sequenceFlow id="f_join_booked" sourceRef="book" targetRef="join"/>
    <bpmn:endEvent id="end_paid" name="Paid">""",
    ),
)

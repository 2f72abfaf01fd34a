"""Versions of the default process an analyst could publish while invoices run on it."""

from tests.workflow.money_diagrams import DEFAULT, edited, without

# A stage added between the approvals and the payment: the finance director checks the invoice.
WITH_ACCOUNTING_CHECK = edited(
    DEFAULT,
    (
        "<bpmn:flowNodeRef>pay</bpmn:flowNodeRef>",
        "<bpmn:flowNodeRef>check</bpmn:flowNodeRef><bpmn:flowNodeRef>pay</bpmn:flowNodeRef>",
    ),
    ('sourceRef="gw_decision" targetRef="pay"', 'sourceRef="gw_decision" targetRef="check"'),
    (
        '<bpmn:userTask id="pay" name="Pay invoice">',
        """<bpmn:userTask id="check" name="Accounting check">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="name_ru" value="Проверка бухгалтерией"/>
        <spiffworkflow:property name="form" value="acknowledge"/>
        <spiffworkflow:property name="title" value="Check invoice #{number}"/>
        <spiffworkflow:property name="title_ru" value="Проверка счёта №{number}"/>
      </spiffworkflow:properties></bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="f_checked" sourceRef="check" targetRef="pay"/>
    <bpmn:userTask id="pay" name="Pay invoice">""",
    ),
)

# The correction stage is gone: a returned invoice ends rejected.
WITHOUT_CORRECTION = without(
    without(
        without(
            without(
                edited(
                    DEFAULT,
                    (
                        'sourceRef="gw_decision" targetRef="correct"',
                        'sourceRef="gw_decision" targetRef="end_rejected"',
                    ),
                    ("<bpmn:flowNodeRef>correct</bpmn:flowNodeRef>", ""),
                    ("<bpmn:flowNodeRef>correct_overdue</bpmn:flowNodeRef>", ""),
                    ("<bpmn:flowNodeRef>correct_escalated</bpmn:flowNodeRef>", ""),
                ),
                '<bpmn:userTask id="correct"',
                "</bpmn:userTask>",
            ),
            '<bpmn:boundaryEvent id="correct_overdue"',
            "</bpmn:boundaryEvent>",
        ),
        '<bpmn:endEvent id="correct_escalated">',
        '<bpmn:sequenceFlow id="f_correct_overdue" sourceRef="correct_overdue" '
        'targetRef="correct_escalated"/>',
    ),
    '<bpmn:sequenceFlow id="f_resubmitted"',
    "</bpmn:sequenceFlow>",
)

# The payment goes to the "person" in `currency` (a code, not a user id): the last approval fails
# (nobody to hand the payment to) and an incident opens.
PAYER_IS_A_CODE = edited(
    DEFAULT,
    (
        '<spiffworkflow:property name="form" value="payment"/>',
        '<spiffworkflow:property name="form" value="payment"/>'
        '<spiffworkflow:property name="assignee" value="currency"/>',
    ),
)

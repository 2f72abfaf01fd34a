"""Every lint rule names the element (or the line); hostile diagrams are refused, never run."""

from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.errors import ValidationError
from app.extensions import db
from app.models import ProcessVersion
from app.services.publish_process import DiagramRejectedError, publish_process
from app.workflow.lint import has_errors, lint

DEFAULT = (Path(__file__).parents[2] / "processes" / "invoice_approval.bpmn").read_text()
ROLES = {"Admin", "Initiator", "Approver", "Finance director", "Analyst", "Auditor"}


def problems_of(xml: str) -> list:
    return lint(xml, ROLES, "invoice_approval")


def errors_about(xml: str) -> dict[str | None, str]:
    errors: dict[str | None, str] = {}
    for problem in problems_of(xml):
        if problem.severity == "error":
            errors[problem.element_id] = errors.get(problem.element_id, "") + problem.message + "; "
    return errors


def test_the_default_diagram_is_clean():
    assert problems_of(DEFAULT) == []


@pytest.mark.parametrize(
    ("change", "element", "message"),
    [
        (
            ("approvals[-1]['decision'] == 'return'", "approvals[-1]['decision'] =="),
            "f_returned",
            "syntax error",
        ),
        (
            ("approvals[-1]['decision'] == 'return'", "__import__('os').system('id')"),
            "f_returned",
            "not allowed",
        ),
        (
            ("approvals[-1]['decision'] == 'return'", "().__class__.__base__"),
            "f_returned",
            "not allowed",
        ),
        (("approvals = []", "while True: pass"), "correct", "`while` loops"),
        (("approvals = []", "import os"), "correct", "imports are not allowed"),
        (("approvals = []", "def f(n): return f(n)"), "correct", "functions are not allowed"),
        (('name="Finance director"', 'name="Treasury"'), "pay", "neither `Initiator`"),
        (
            (
                '<spiffworkflow:property name="form" value="payment"/>',
                '<spiffworkflow:property name="form" value="sign"/>',
            ),
            "pay",
            "`form` must be",
        ),
        (
            ('value="Pay invoice #{number}"', 'value="Pay invoice #{invoice.number}"'),
            "pay",
            "not a bare field name",
        ),
        (
            ('value="Pay invoice #{number}"', 'value="Pay invoice #{secret}"'),
            "pay",
            "unknown fields",
        ),
        (
            ('name="assignee" value="approver"', 'name="assignee" value="boss"'),
            "approve",
            "not a variable the data provides",
        ),
        (
            (
                '<spiffworkflow:property name="status" value="paid"/>',
                '<spiffworkflow:property name="status" value="done"/>',
            ),
            "end_paid",
            "needs the property `status`",
        ),
        (('"R3/PT24H"', "R3/PT24H +"), "remind_approver", "syntax error"),
        (('"R3/PT24H"', '"every day"'), "remind_approver", "not a repeating interval"),
        (
            ('<bpmn:timeDuration>"P2D"', '<bpmn:timeDuration>"2 days"'),
            "approval_overdue",
            "not an ISO 8601 duration",
        ),
        (('<bpmn:timeDuration>"P2D"', "<bpmn:timeDuration>48"), "approval_overdue", "needs a text"),
        (('name="due" value="P2D"', 'name="due" value="2 days"'), "approve", "`due`"),
        (
            ("approvals[-1]['decision'] == 'return'", "open('/etc/passwd').read() == ''"),
            "f_returned",
            "`open` is not available",
        ),
        (
            ("approvals = []", "approvals = list(globals())"),
            "correct",
            "`globals` is not available",
        ),
        (("approvals = []", "approvals = __import__('os')"), "correct", "__import__"),
        (('"R3/PT24H"', "' R3/PT24H'"), "remind_approver", "not a repeating interval"),
    ],
)
def test_each_rule_names_the_element(change, element, message):
    old, new = change
    assert old in DEFAULT
    errors = errors_about(DEFAULT.replace(old, new, 1))
    assert element in errors, errors
    assert message in errors[element]


def test_a_flow_without_condition_out_of_an_exclusive_gateway_is_refused():
    xml = DEFAULT.replace('default="f_approved"', "")
    errors = errors_about(xml)
    assert "f_approved" in errors and "without condition" in errors["f_approved"], errors


def test_a_reference_to_an_unknown_element_is_refused():
    xml = DEFAULT.replace('targetRef="end_rejected"', 'targetRef="nowhere"', 1)
    errors = errors_about(xml)
    assert errors and any("nowhere" in (k or "") + m for k, m in errors.items()), errors


def test_what_the_bpmn_schema_refuses_names_the_element():
    xml = DEFAULT.replace('<bpmn:userTask id="pay"', '<bpmn:userTask id="pay" colour="red"', 1)
    [problem] = problems_of(xml)
    assert problem.severity == "error" and "not valid BPMN" in problem.message
    assert problem.line


def test_a_loop_with_no_way_out_is_refused():
    trap = DEFAULT.replace(
        'sourceRef="correct" targetRef="approval_step"', 'sourceRef="correct" targetRef="correct"'
    )
    assert trap != DEFAULT
    errors = errors_about(trap)
    assert any("no way out" in message for message in errors.values()), errors


def test_due_dates_and_escalation_timers_that_disagree_are_warnings():
    only_due = DEFAULT.replace('<spiffworkflow:property name="notify" value="escalation"/>', "", 1)
    differs = DEFAULT.replace('name="due" value="P2D"', 'name="due" value="P3D"', 1)
    warned = {
        p.element_id: p.message
        for xml in (only_due, differs)
        for p in problems_of(xml)
        if p.severity == "warning"
    }
    assert "no escalation timer" in warned["approve"] or "fires after P2D" in warned["approve"]
    assert not has_errors(problems_of(only_due)) and not has_errors(problems_of(differs))
    assert [(p.rule, p.message) for p in problems_of(differs)] == [
        (
            "due-and-escalation-differ",
            "“Approve invoice” (approve) is due after P3D, but its escalation timer fires after "
            "P2D: give both the same duration.",
        )
    ]
    assert [(p.severity, p.element_id) for p in problems_of(only_due)] == [("warning", "approve")]


def test_a_missing_start_event_is_refused():
    xml = DEFAULT.replace(
        '<bpmn:startEvent id="start" name="Invoice submitted">',
        '<bpmn:intermediateThrowEvent id="start" name="Invoice submitted">',
        1,
    )
    xml = xml.replace("</bpmn:startEvent>\n\n", "</bpmn:intermediateThrowEvent>\n\n", 1)
    problems = problems_of(xml)
    assert has_errors(problems)
    assert any("start" in p.message.lower() for p in problems), problems


def test_xml_that_is_not_well_formed_gives_the_line():
    [problem] = problems_of(DEFAULT.replace("</bpmn:exclusiveGateway>", "</bpmn:gateway>", 1))
    assert problem.line and "not well-formed" in problem.message


def test_a_truncated_file_is_refused():
    assert has_errors(problems_of(DEFAULT[: len(DEFAULT) // 2]))


def test_entities_are_refused_xxe_and_billion_laughs():
    xxe = DEFAULT.replace(
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>',
    )
    laughs = DEFAULT.replace(
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;">]>',
    )
    for xml in (xxe, laughs):
        [problem] = problems_of(xml)
        assert "DOCTYPE and ENTITY" in problem.message


def test_a_two_megabyte_file_is_refused():
    padded = DEFAULT.replace(
        "</bpmn:definitions>", "<!--" + "x" * 2_000_000 + "--></bpmn:definitions>"
    )
    [problem] = problems_of(padded)
    assert "larger than" in problem.message


def test_a_gateway_loop_without_a_wait_state_is_refused():
    loop = DEFAULT.replace(
        '<bpmn:sequenceFlow id="f_rejected" name="rejected" sourceRef="gw_decision" '
        'targetRef="end_rejected">',
        '<bpmn:sequenceFlow id="f_rejected" name="rejected" sourceRef="gw_decision" '
        'targetRef="gw_spin">',
    )
    loop = loop.replace(
        '    <bpmn:userTask id="correct"',
        '''    <bpmn:exclusiveGateway id="gw_spin" default="f_spin_back">
      <bpmn:incoming>f_rejected</bpmn:incoming>
      <bpmn:incoming>f_spin_back</bpmn:incoming>
      <bpmn:outgoing>f_spin_back</bpmn:outgoing>
    </bpmn:exclusiveGateway>
    <bpmn:sequenceFlow id="f_spin_back" sourceRef="gw_spin" targetRef="gw_spin"/>
    <bpmn:userTask id="correct"''',
        1,
    )
    errors = errors_about(loop)
    assert "gw_spin" in errors and "spin forever" in errors["gw_spin"]


def test_a_rejected_diagram_is_not_published(app):
    with app.app_context():
        before = db.session.scalar(select(func.count()).select_from(ProcessVersion))
        with pytest.raises(DiagramRejectedError) as refused:
            publish_process(
                db.session, None, DEFAULT.replace('"Finance director"', '"Nobody"'), "break it"
            )
        assert [p.element_id for p in refused.value.problems] == ["pay"]
        assert db.session.scalar(select(func.count()).select_from(ProcessVersion)) == before
        db.session.remove()


def test_the_command_line_lints_and_publishes(app, tmp_path):
    good, bad = tmp_path / "good.bpmn", tmp_path / "bad.bpmn"
    good.write_text(DEFAULT.replace('value="P5D"', 'value="P4D"'))
    bad.write_text(DEFAULT.replace("approvals = []", "while True: pass"))
    runner = app.test_cli_runner()
    assert runner.invoke(args=["process", "lint", str(good)]).exit_code == 0
    refused = runner.invoke(args=["process", "lint", str(bad)])
    assert refused.exit_code == 1 and "correct" in refused.output
    assert runner.invoke(args=["process", "publish", str(bad), "--note", "x"]).exit_code == 1
    published = runner.invoke(args=["process", "publish", str(good), "--note", "Pay in 4 days"])
    assert published.exit_code == 0, published.output
    assert "version 2" in published.output
    with app.app_context():
        current = db.session.scalars(
            select(ProcessVersion).where(ProcessVersion.is_current.is_(True))
        ).one()
        assert current.version == 2 and "P4D" in current.bpmn_xml
        db.session.remove()


def test_a_diagram_published_already_is_not_published_twice(app):
    with app.app_context():
        with pytest.raises(ValidationError, match="version 1 already"):
            publish_process(db.session, None, DEFAULT, "same again")
        assert db.session.scalar(select(func.count()).select_from(ProcessVersion)) == 1
        db.session.remove()


def test_the_command_line_refuses_a_file_that_is_not_text(app, tmp_path):
    binary = tmp_path / "diagram.bpmn"
    binary.write_bytes(b"\xff\xfe\x00<bpmn>" + bytes(range(256)))
    result = app.test_cli_runner().invoke(
        args=["process", "publish", str(binary), "--note", "binary"]
    )
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
    assert "not well-formed" in result.output


HOSTILE = {
    "xxe": DEFAULT.replace(
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>',
    ),
    "billion laughs": DEFAULT.replace(
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;">]>',
    ),
    "import in a condition": DEFAULT.replace(
        "approvals[-1]['decision'] == 'return'", "__import__('os').system('id') == 0"
    ),
    "import in a script": DEFAULT.replace("approvals = []", "approvals = __import__('os')"),
    "dunder access": DEFAULT.replace(
        "approvals[-1]['decision'] == 'return'", "().__class__.__base__"
    ),
    "while loop": DEFAULT.replace("approvals = []", "while True: pass"),
    "two megabytes": DEFAULT.replace(
        "</bpmn:definitions>", "<!--" + "x" * 2_000_000 + "--></bpmn:definitions>"
    ),
    "truncated": DEFAULT[: len(DEFAULT) // 2],
    "unknown role": DEFAULT.replace('"Finance director"', '"Nobody"'),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_hostile_diagram_is_refused_with_a_message_and_nothing_is_published_or_run(app, name):
    with app.app_context():
        versions = db.session.scalar(select(func.count()).select_from(ProcessVersion))
        with pytest.raises((DiagramRejectedError, ValidationError)) as refused:
            publish_process(db.session, None, HOSTILE[name], f"try {name}")
        problems = getattr(refused.value, "problems", None)
        assert problems or refused.value.errors, name
        assert all(str(p) for p in problems or [])
        assert db.session.scalar(select(func.count()).select_from(ProcessVersion)) == versions
        assert (
            db.session.scalar(
                select(ProcessVersion.version).where(ProcessVersion.is_current.is_(True))
            )
            == 1
        )
        db.session.remove()


def test_a_builtin_name_the_code_defines_or_task_data_may_hold_is_no_error():
    defines = DEFAULT.replace("approvals = []", "type = 'x'\napprovals = [type]")
    assert problems_of(defines) == []
    from_data = DEFAULT.replace("approvals = []", "approvals = [] if type == 'urgent' else []")
    [problem] = problems_of(from_data)
    assert (problem.severity, problem.element_id) == ("warning", "correct")
    assert "unless the task data has it" in problem.message

"""`flask process lint FILE`: the process id comes from the file, every process of a file is
checked, and a database not set up yet gets advice instead of a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from app import create_app

DEFAULT = (Path(__file__).parents[2] / "processes" / "invoice_approval.bpmn").read_text()
SECOND = """  <bpmn:process id="supplier_check" isExecutable="true">
    <bpmn:startEvent id="check_start"/>
    <bpmn:task id="check_work" name="Check the supplier"/>
    <bpmn:endEvent id="check_end"/>
    <bpmn:endEvent id="check_end_2"/>
    <bpmn:sequenceFlow id="c1" sourceRef="check_start" targetRef="check_work"/>
    <bpmn:sequenceFlow id="c2" sourceRef="check_work" targetRef="check_end"/>
    <bpmn:sequenceFlow id="c3" sourceRef="check_work" targetRef="check_end_2"/>
  </bpmn:process>
</bpmn:definitions>"""


def renamed(process_id: str) -> str:
    return DEFAULT.replace('"invoice_approval"', f'"{process_id}"')


@pytest.fixture
def diagram(tmp_path):
    def write(text: str) -> str:
        path = tmp_path / "diagram.bpmn"
        path.write_text(text)
        return str(path)

    return write


def test_the_process_id_comes_from_a_file_with_one_process(app, diagram):
    result = app.test_cli_runner().invoke(
        args=["process", "lint", diagram(renamed("supplier_onboarding"))]
    )
    assert result.exit_code == 0, result.output
    assert "0 problem(s)." in result.output


def test_every_process_of_a_file_with_several_is_checked(app, diagram):
    path = diagram(DEFAULT.replace("</bpmn:definitions>", SECOND))
    result = app.test_cli_runner().invoke(args=["process", "lint", path])
    assert result.exit_code == 1
    assert "Checking every process of the file: invoice_approval, supplier_check." in result.output
    assert "check_work" in result.output and "several-outgoing-flows" in result.output


def test_the_process_option_chooses_one_of_several_and_names_a_missing_one(app, diagram):
    path = diagram(DEFAULT.replace("</bpmn:definitions>", SECOND))
    runner = app.test_cli_runner()
    chosen = runner.invoke(args=["process", "lint", path, "--process", "invoice_approval"])
    assert "Checking every process" not in chosen.output
    missing = runner.invoke(args=["process", "lint", path, "--process", "legal_review"])
    assert missing.exit_code == 1 and "process-id" in missing.output


def test_lanes_are_checked_against_the_roles_of_a_set_up_database(app, diagram):
    result = app.test_cli_runner().invoke(
        args=["process", "lint", diagram(DEFAULT.replace('"Finance director"', '"Treasury"'))]
    )
    assert result.exit_code == 1 and "neither `Initiator`" in result.output
    assert "not checked against roles" not in result.output


@pytest.fixture
def unmigrated_app(tmp_path):
    """An app over an empty SQLite file: `flask db upgrade` has never run."""
    return create_app("test", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'empty.db'}")


def test_an_unmigrated_database_gets_advice_and_the_diagram_is_still_checked(
    unmigrated_app, diagram
):
    runner = unmigrated_app.test_cli_runner()
    clean = runner.invoke(args=["process", "lint", diagram(DEFAULT)])
    assert clean.exception is None, clean.output
    assert clean.exit_code == 0
    assert "`flask db upgrade`" in clean.output and "`flask init-security`" in clean.output
    assert "Lanes were not checked against roles." in clean.output
    assert "Traceback" not in clean.output
    broken = runner.invoke(
        args=["process", "lint", diagram(DEFAULT.replace("approvals = []", "while True: pass"))]
    )
    assert broken.exit_code == 1 and "correct" in broken.output

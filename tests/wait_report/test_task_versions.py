"""Each human task keeps the process version it came from (the wait reports read a version's
tasks by it, without joining the instances): the mirror writes it when it creates the task."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import HumanTask, ProcessInstance


def test_every_task_of_the_story_names_the_version_of_its_invoice(app, story):
    with app.app_context():
        rows = db.session.execute(
            select(
                HumanTask.bpmn_id, HumanTask.process_version_id, ProcessInstance.process_version_id
            ).join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
        ).all()
        db.session.remove()
    assert len(rows) == 8  # A: approve, pay; B: approve, correct, approve, pay; C, D: approve
    assert {(task_version, instance_version) for _bpmn, task_version, instance_version in rows} == {
        (story.version_id, story.version_id)
    }

"""Saving a process's state under its lock: of two writers that read the same version, the
second one's save is refused (409) and writes nothing."""

import pytest
from sqlalchemy.orm import Session

from app import roles
from app.errors import ConcurrentEditError
from app.extensions import db
from app.models import ProcessInstance
from app.workflow.store import load_workflow, save_state


@pytest.fixture
def instance_id(make, client, api_token):
    ivan = make.user("ivan", roles.INITIATOR)
    anna = make.user("anna", roles.APPROVER)
    invoice = make.invoice(ivan, make.counterparty(), approvers=[anna])
    submit = client.post(f"/api/v1/invoices/{invoice}/submit", headers=api_token("ivan"))
    assert submit.status_code == 200
    with client.application.app_context():
        return db.session.query(ProcessInstance.id).filter_by(invoice_id=invoice).scalar()


def test_the_second_of_two_saves_from_one_version_is_refused(app, instance_id):
    with app.app_context():
        with Session(db.engine) as first, Session(db.engine) as second:
            mine, theirs = (
                first.get(ProcessInstance, instance_id),
                second.get(ProcessInstance, instance_id),
            )
            read = mine.lock_version
            save_state(first, mine, load_workflow(mine))
            first.commit()
            with pytest.raises(ConcurrentEditError):
                save_state(second, theirs, load_workflow(theirs))
            second.rollback()
        stored = db.session.get(ProcessInstance, instance_id)
        assert stored.lock_version == read + 1


def test_a_save_leaves_the_object_as_written(app, instance_id):
    with app.app_context():
        with Session(db.engine) as session:
            instance = session.get(ProcessInstance, instance_id)
            read = instance.lock_version
            save_state(session, instance, load_workflow(instance))
            assert instance.lock_version == read + 1
            assert not session.dirty  # nothing left for the commit to write again
            save_state(session, instance, load_workflow(instance))  # a second save builds on it
            session.commit()
        assert db.session.get(ProcessInstance, instance_id).lock_version == read + 2


def test_a_save_after_other_changes_to_the_row_writes_them_too(app, instance_id):
    with app.app_context():
        with Session(db.engine) as session:
            instance = session.get(ProcessInstance, instance_id)
            read = instance.lock_version
            instance.status = "cancelled"
            save_state(session, instance, load_workflow(instance))
            session.commit()
        stored = db.session.get(ProcessInstance, instance_id)
        assert (stored.status, stored.lock_version) == ("cancelled", read + 1)

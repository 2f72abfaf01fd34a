"""The one rule for who may act on a task, in Python and in SQL, says the same for every form
kind and every kind of holder, with and without delegations in force."""

from __future__ import annotations

import itertools
import uuid

import pytest
from sqlalchemy import select

from app import roles
from app.extensions import db
from app.models import FormKind, HumanTask, Invoice, ProcessInstance, TaskStatus
from app.models.user import User
from app.services.delegation import DeputyRequest, set_deputy
from app.services.my_tasks import held_by
from app.services.submit_invoice import submit_invoice
from app.services.task_holders import Card, acting_for, acts_on, standing_of
from app.services.task_recipients import holders_of
from tests import clock
from tests.workflow.scenario import policy

PEOPLE = {
    "ivan": (roles.INITIATOR,),
    "irina": (roles.INITIATOR,),
    "anna": (roles.APPROVER,),
    "boris": (roles.APPROVER,),
    "olga": (roles.APPROVER,),
    "petr": (roles.APPROVER,),
    "fedor": (roles.FINANCE_DIRECTOR,),
    "fiona": (roles.FINANCE_DIRECTOR, roles.APPROVER),
    "adam": (roles.ADMIN,),
    "audra": (roles.AUDITOR,),
}
# Who is away, and who stands in: anna's deputy approves her invoice too (the task stays with
# anna), fedor's is olga, petr's is ivan (who initiated one of the invoices).
AWAY = {"anna": "boris", "fedor": "olga", "petr": "ivan"}
ROLES = (roles.APPROVER, roles.FINANCE_DIRECTOR, roles.INITIATOR)


@pytest.fixture
def world(app, make):
    ids = {name: make.user(name, *held) for name, held in PEOPLE.items()}
    ids["ina"] = make.user("ina", roles.APPROVER, active=False)
    party = make.counterparty()
    invoices = [
        make.invoice(ids["ivan"], party, approvers=[ids["anna"], ids["boris"]]),
        make.invoice(ids["irina"], party, approvers=[ids["petr"], ids["fiona"]]),
    ]
    with app.app_context():
        for pk in invoices:
            submit_invoice(
                db.session, _user(ids["ivan" if pk == invoices[0] else "irina"]), pk, policy()
            )
        _every_kind_of_task(ids, invoices)
        db.session.remove()
    return ids


def _user(pk):
    return db.session.get(User, pk)


def _every_kind_of_task(ids, invoices):
    """Beside the process's own tasks: one open task per form kind and holder, on each invoice."""
    holders = [
        ("person", ids[name])
        for name in ("ivan", "irina", "anna", "boris", "petr", "fedor", "fiona", "adam", "ina")
    ]
    holders += [("role", name) for name in ROLES]
    for invoice_id, form, (kind, holder) in itertools.product(invoices, FormKind.ALL, holders):
        instance = db.session.scalar(
            select(ProcessInstance.id).where(ProcessInstance.invoice_id == invoice_id)
        )
        db.session.add(
            HumanTask(
                task_guid=str(uuid.uuid4()),
                instance_id=instance,
                invoice_id=invoice_id,
                bpmn_id=f"{form}_{holder}",
                name=form,
                title_template={"en": form},
                title_values={},
                lane=holder if kind == "role" else None,
                form=form,
                assignee_user_id=holder if kind == "person" else None,
                candidate_role=holder if kind == "role" else None,
                status=TaskStatus.OPEN,
            )
        )
    db.session.commit()


def _name_deputies(ids):
    for absent, deputy in AWAY.items():
        set_deputy(
            db.session,
            _user(ids["adam"]),
            DeputyRequest(
                deputy_id=ids[deputy],
                starts_on=clock.days_from_today(-1),
                ends_on=clock.days_from_today(1),
                user_id=ids[absent],
            ),
            "Europe/Moscow",
        )


@pytest.mark.parametrize("with_deputies", [False, True], ids=["no one away", "three away"])
def test_python_and_sql_agree_on_every_task_for_everyone(app, world, today, with_deputies):
    with app.app_context():
        if with_deputies:
            _name_deputies(world)
        tasks = db.session.scalars(
            select(HumanTask).where(HumanTask.status == TaskStatus.OPEN)
        ).all()
        cards = {pk: Card.of(db.session.get(Invoice, pk)) for pk in {t.invoice_id for t in tasks}}
        holders = {t.id: holders_of(db.session, t) for t in tasks}
        for user in db.session.scalars(select(User)).unique():
            standing = standing_of(db.session, user)
            in_sql = set(
                db.session.scalars(
                    select(HumanTask.id).where(
                        acts_on(standing), HumanTask.status == TaskStatus.OPEN
                    )
                )
            )
            assert (
                set(
                    db.session.scalars(
                        select(HumanTask.id).where(
                            held_by(user), HumanTask.status == TaskStatus.OPEN
                        )
                    )
                )
                == in_sql
            )
            for task in tasks:
                principal = acting_for(standing, task, cards[task.invoice_id])
                where = f"{user.username} on {task.bpmn_id} of invoice {task.invoice_id}"
                assert (principal is not None) == (task.id in in_sql), where
                if user.active:
                    assert holders[task.id].get(user.id) == principal, where
        db.session.remove()


def test_delegation_moves_tasks_to_deputies_the_duties_allow(app, world, today):
    with app.app_context():
        _name_deputies(world)
        ivans, irinas = sorted(db.session.scalars(select(Invoice.id)))
        process_task = {
            t.invoice_id: t
            for t in db.session.scalars(
                select(HumanTask).where(HumanTask.bpmn_id.not_like("%\\_%", escape="\\"))
            )
        }
        # anna's approval on ivan's invoice stays with her: her deputy boris approves it next.
        assert holders_of(db.session, process_task[ivans]) == {world["anna"]: world["anna"]}
        # petr's approval on irina's invoice goes to his deputy ivan.
        assert holders_of(db.session, process_task[irinas]) == {world["ivan"]: world["petr"]}
        payment = lambda pk: db.session.scalar(  # noqa: E731
            select(HumanTask).where(
                HumanTask.invoice_id == pk,
                HumanTask.form == FormKind.PAYMENT,
                HumanTask.candidate_role == roles.FINANCE_DIRECTOR,
            )
        )
        # A payment offered to finance directors: fiona approves irina's; fedor is away, olga
        # stands in for him.
        assert holders_of(db.session, payment(ivans)) == {
            world["fiona"]: world["fiona"],
            world["olga"]: world["fedor"],
        }
        assert holders_of(db.session, payment(irinas)) == {world["olga"]: world["fedor"]}
        # A correction stays with the initiator's own: never handed on.
        correction = db.session.scalar(
            select(HumanTask).where(
                HumanTask.invoice_id == irinas,
                HumanTask.form == FormKind.CORRECTION,
                HumanTask.assignee_user_id == world["petr"],
            )
        )
        assert holders_of(db.session, correction) == {world["petr"]: world["petr"]}
        db.session.remove()

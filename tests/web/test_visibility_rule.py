"""Who may see which invoice: the list's clause, its count in two parts, the one-invoice check,
the FAB API's count and the rule in Python agree for everyone on a seeded mix of invoices,
approvers, tasks of every kind and a deputy standing in."""

from __future__ import annotations

import contextlib
import random
import uuid

import pytest
from sqlalchemy import func, select

from app import roles
from app.errors import NotFoundError
from app.extensions import db
from app.models import FormKind, HumanTask, Invoice, InvoiceApprover, ProcessInstance, TaskStatus
from app.models.user import User
from app.services.delegation import DeputyRequest, set_deputy
from app.services.invoice_filter import InvoiceFilter
from app.services.invoice_list import Order, count_invoices, list_invoices
from app.services.submit_invoice import submit_invoice
from app.services.task_holders import standing_of
from app.services.visibility import (
    get_visible_invoice,
    may_see_invoice,
    visible_invoice_ids,
    visible_invoices_clause,
)
from tests import clock
from tests.workflow.scenario import policy

PEOPLE = {
    "ivan": (roles.INITIATOR,),
    "irina": (roles.INITIATOR,),
    "vera": (roles.INITIATOR, roles.APPROVER),
    "anna": (roles.APPROVER,),
    "boris": (roles.APPROVER,),
    "olga": (roles.APPROVER,),
    "petr": (roles.APPROVER,),
    "fedor": (roles.FINANCE_DIRECTOR,),
    "lena": (roles.ANALYST,),
    "adam": (roles.ADMIN,),
    "audra": (roles.AUDITOR,),
}
INITIATORS = ("ivan", "irina", "vera")
APPROVERS = ("anna", "boris", "olga", "petr", "vera")
LANES = (roles.APPROVER, roles.FINANCE_DIRECTOR, roles.ANALYST, "Legal")
STATUSES = (TaskStatus.OPEN, TaskStatus.DONE, TaskStatus.CANCELLED)


@pytest.fixture
def mix(app, make):
    """12 invoices: some drafts, the others submitted with extra tasks of a random mix."""
    ids = {name: make.user(name, *held) for name, held in PEOPLE.items()}
    rng = random.Random(20261201)
    party = make.counterparty()
    invoices = []
    for n in range(12):
        owner = INITIATORS[n % len(INITIATORS)]
        others = [a for a in APPROVERS if a != owner]
        chain = [ids[a] for a in rng.sample(others, rng.randint(1, 2))]
        invoices.append((owner, make.invoice(ids[owner], party, approvers=chain)))
    with app.app_context():
        for n, (owner, pk) in enumerate(invoices):
            if n % 4 == 3:
                continue  # a draft: no process, no tasks
            submit_invoice(db.session, db.session.get(User, ids[owner]), pk, policy())
            _random_tasks(rng, ids, pk)
        db.session.commit()
        db.session.remove()
    return ids


def _random_tasks(rng: random.Random, ids: dict, invoice_id: int) -> None:
    instance = db.session.scalar(
        select(ProcessInstance.id).where(ProcessInstance.invoice_id == invoice_id)
    )
    people = [pk for name, pk in ids.items() if name not in ("adam", "audra")]
    for _ in range(rng.randint(0, 3)):
        by_role = rng.random() < 0.4
        status = rng.choice(STATUSES)
        db.session.add(
            HumanTask(
                task_guid=str(uuid.uuid4()),
                instance_id=instance,
                invoice_id=invoice_id,
                bpmn_id="extra",
                name="Extra step",
                title_template={"en": "Extra step"},
                title_values={},
                lane=rng.choice(LANES) if by_role else None,
                form=rng.choice(FormKind.ALL),
                assignee_user_id=None if by_role else rng.choice(people),
                candidate_role=rng.choice(LANES) if by_role else None,
                status=status,
                completed_by_id=rng.choice(people) if status == TaskStatus.DONE else None,
            )
        )


def _olga_stands_in_for_anna(ids):
    set_deputy(
        db.session,
        db.session.get(User, ids["adam"]),
        DeputyRequest(
            deputy_id=ids["olga"],
            starts_on=clock.days_from_today(-1),
            ends_on=clock.days_from_today(1),
            user_id=ids["anna"],
        ),
        "Europe/Moscow",
    )


def _by_python(user) -> set[int]:
    standing = standing_of(db.session, user)
    approvers: dict[int, list[int]] = {}
    for invoice_id, user_id in db.session.execute(
        select(InvoiceApprover.invoice_id, InvoiceApprover.user_id)
    ):
        approvers.setdefault(invoice_id, []).append(user_id)
    tasks: dict[int, list[HumanTask]] = {}
    for task in db.session.scalars(select(HumanTask)):
        tasks.setdefault(task.invoice_id, []).append(task)
    return {
        pk
        for pk, initiator_id in db.session.execute(select(Invoice.id, Invoice.initiator_id))
        if may_see_invoice(user, standing, initiator_id, approvers.get(pk, []), tasks.get(pk, []))
    }


def _by_list_clause(user) -> set[int]:
    clause = visible_invoices_clause(user)
    query = select(Invoice.id)
    return set(db.session.scalars(query if clause is None else query.where(clause)))


def _by_id_union(user) -> set[int]:
    ids = visible_invoice_ids(user)
    if ids is None:
        return set(db.session.scalars(select(Invoice.id)))
    return set(db.session.scalars(select(Invoice.id).where(Invoice.id.in_(ids))))


def _page_by_page(user, order, today, total: int, size: int = 3) -> list[int]:
    return [
        row.id
        for number in range(total // size + 1)
        for row in list_invoices(db.session, user, InvoiceFilter(), order, today, number, size).rows
    ]


def _one_by_one(user, every: list[int]) -> set[int]:
    found = set()
    for pk in every:
        with contextlib.suppress(NotFoundError):
            found.add(get_visible_invoice(db.session, user, pk).id)
    return found


@pytest.mark.parametrize("with_deputy", [False, True], ids=["no one away", "anna away"])
def test_every_form_of_the_visibility_rule_agrees_for_everyone(app, mix, today, with_deputy):
    with app.app_context():
        if with_deputy:
            _olga_stands_in_for_anna(mix)
        every = sorted(db.session.scalars(select(Invoice.id)))
        seen_by_someone_else = set()
        for user in db.session.scalars(select(User)).unique():
            expected = _by_python(user)
            who = user.username
            assert _by_list_clause(user) == expected, who
            assert _by_id_union(user) == expected, who
            assert _one_by_one(user, every) == expected, who
            assert count_invoices(db.session, user, InvoiceFilter(), today) == len(expected), who
            page = list_invoices(db.session, user, InvoiceFilter(), Order(), today, 0, 100)
            assert {row.id for row in page.rows} == expected, who
            assert page.count == len(expected), who
            for descending in (True, False):  # page by page, in order, none twice or missed
                paged = _page_by_page(user, Order(descending=descending), today, len(expected))
                assert paged == sorted(expected, reverse=descending), who
            if user.username not in ("adam", "audra", "fedor"):
                seen_by_someone_else |= expected - set(
                    db.session.scalars(select(Invoice.id).where(Invoice.initiator_id == user.id))
                )
        # The mix gives people invoices they did not start to see (approvals, tasks).
        assert seen_by_someone_else
        db.session.remove()


def test_a_filtered_count_adds_up_the_own_and_the_other_invoices(app, mix, today):
    with app.app_context():
        vera = db.session.scalar(select(User).where(User.username == "vera"))
        for status in ("draft", "in_approval", "rejected"):
            criteria = InvoiceFilter(status=status)
            expected = db.session.scalar(
                select(func.count())
                .select_from(Invoice)
                .where(visible_invoices_clause(vera), Invoice.status == status)
            )
            assert count_invoices(db.session, vera, criteria, today) == expected
        db.session.remove()


def test_the_api_counts_what_the_person_may_see(app, mix, client, api_token):
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "anna"))
        expected = _by_python(user)
        db.session.remove()
    answer = client.get("/api/v1/invoice/?q=(page_size:100)", headers=api_token("anna"))
    assert answer.status_code == 200
    assert answer.json["count"] == len(expected)
    assert {row["id"] for row in answer.json["result"]} == expected

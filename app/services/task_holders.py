"""Who may act on a task: the one rule, in Python for rows already read and in SQL for lists.

A task is held by its assignee or, without one, by every holder of its lane's role; never by
the invoice's initiator (but for their correction), nor for a payment by one of its approvers.
Dated delegation extends it: while a person is away, their deputy holds what they would hold,
unless the deputy is the invoice's initiator or one of its approvers (separation of duties holds
through delegation: such a task stays with the absent person). A correction stays with the
initiator too: the card is theirs to edit. One hop only: the delegation service refuses chains,
so a deputy is never away themselves.

Both forms take a Standing (who someone is for the rule at one moment) and must agree:
tests/delegation/test_one_rule.py checks them against each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from sqlalchemy import Select, and_, bindparam, event, exists, or_, select, union
from sqlalchemy.orm import Session, aliased, object_session, selectinload

from app.models import (
    Delegation,
    FormKind,
    HumanTask,
    Invoice,
    InvoiceApprover,
)
from app.models.base import utcnow
from app.models.json_rows import json_rows, rows_of
from app.models.user import Group, User
from app.roles import role_names


@dataclass(frozen=True)
class Person:
    """Someone as the rule sees them: an id and the roles they hold."""

    id: int
    roles: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Standing:
    """A person at one moment: away (their tasks go to `deputy_id` where the deputy may take
    them) or not, and the absent people whose tasks they hold as a deputy."""

    me: Person
    deputy_id: int | None = None
    stands_in_for: tuple[Person, ...] = field(default=())


def person(user) -> Person:
    return Person(user.id, frozenset(role_names(user)))


def standing_of(session: Session | None, user, now=None) -> Standing:
    """The user's standing now: one query on the delegations in force (and, when they stand in
    for someone, one for those people's roles)."""
    session = session or object_session(user)
    if session is None:  # a user read outside any session: no delegation can be looked up
        return Standing(person(user))
    if now is None and _unchanged(session):
        # A page asks several times (the visibility rule, My tasks, the menu's count): read once
        # while nothing is written in this session.
        cache = session.info.setdefault(_STANDINGS, {})
        if user.id not in cache:
            read = session.info.get(_READ_WITH_USER, {}).get(user.id)
            if read is not None:
                cache[user.id] = _standing_from(session, user, read)
            else:
                cache[user.id] = _standing_now(session, user, utcnow())
        return cache[user.id]
    return _standing_now(session, user, now or utcnow())


_STANDINGS = "invoiceflow.standings"
_READ_WITH_USER = "invoiceflow.delegations_read_with_user"


def delegations_in_force_column(user_id_column):
    """For a query loading the signed-in user: the delegations in force at :now by or to them
    (json_rows of absent person, deputy), so that their standing needs no query of its own
    (remember_delegations())."""
    return (
        select(json_rows(Delegation.user_id, Delegation.deputy_id))
        .where(_in_force(user_id_column, bindparam("now")))
        .correlate_except(Delegation)
        .scalar_subquery()
    )


def remember_delegations(session: Session, user_id: int, read: str | None) -> None:
    """What delegations_in_force_column() read, used by standing_of() until this session
    writes anything (then the standing is read again)."""
    session.info.setdefault(_READ_WITH_USER, {})[user_id] = rows_of(read)


def _unchanged(session: Session) -> bool:
    return not (session.new or session.dirty or session.deleted)


@event.listens_for(Session, "after_flush")
@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget_standings(session, *_args):
    session.info.pop(_STANDINGS, None)
    session.info.pop(_READ_WITH_USER, None)


def _standing_now(session: Session, user, now) -> Standing:
    rows = session.execute(_delegations_of_query(), {"user_id": user.id, "now": now}).all()
    return _standing_from(session, user, rows)


def _standing_from(session: Session, user, rows) -> Standing:
    """From the (absent person, deputy) pairs of the delegations in force by or to the user."""
    deputy_id = next((deputy for absent, deputy in rows if absent == user.id), None)
    absent_ids = sorted({absent for absent, deputy in rows if deputy == user.id})
    return Standing(person(user), deputy_id, tuple(_people(session, absent_ids)))


def _active_deputy():
    """A deactivated deputy holds nothing: the absent person keeps their tasks."""
    deputy = aliased(User, name="deputy")  # not the user of a query this is part of
    return exists().where(deputy.id == Delegation.deputy_id, deputy.active.is_(True))


# The statements of the hot paths are built once (building one costs more than running it);
# the person and the moment are parameters.
@cache
def _delegations_of_query() -> Select:
    """The delegations in force at :now by or to :user_id (with an active deputy)."""
    return select(Delegation.user_id, Delegation.deputy_id).where(
        _in_force(bindparam("user_id"), bindparam("now"))
    )


def _in_force(user_id, now):
    return and_(
        or_(Delegation.user_id == user_id, Delegation.deputy_id == user_id), running_at(now)
    )


def running_at(now):
    """A delegation in force at `now`: not cancelled, begun, not ended, its deputy active."""
    return and_(
        Delegation.cancelled_at.is_(None),
        Delegation.starts_at <= now,
        Delegation.ends_at > now,
        _active_deputy(),
    )


def _people(session: Session, ids: list[int]) -> list[Person]:
    if not ids:
        return []
    users = session.scalars(
        select(User)
        .where(User.id.in_(ids))
        .options(selectinload(User.roles), selectinload(User.groups).selectinload(Group.roles))
    )
    return sorted((person(u) for u in users), key=lambda p: p.id)


# --- Python -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Card:
    """What the rule reads of an invoice."""

    initiator_id: int
    approver_ids: frozenset[int]

    @classmethod
    def of(cls, invoice) -> Card:
        return cls(invoice.initiator_id, frozenset(a.user_id for a in invoice.approvers))


def holds(who: Person, task) -> bool:
    """The task is theirs by assignment or by role, before any rule of duties."""
    if task.assignee_user_id is not None:
        return task.assignee_user_id == who.id
    return task.candidate_role in who.roles


def duties_allow(person_id: int, task, card: Card) -> bool:
    """Never the initiator on their own invoice (but their correction), nor an approver paying."""
    if task.form == FormKind.CORRECTION:
        return True
    if person_id == card.initiator_id:
        return False
    return not (task.form == FormKind.PAYMENT and person_id in card.approver_ids)


def deputy_fits(deputy_id: int, card: Card) -> bool:
    """A deputy takes no task on an invoice they started or approve."""
    return deputy_id != card.initiator_id and deputy_id not in card.approver_ids


def owns(who: Person, task, card: Card) -> bool:
    """The task is theirs and the rule of duties lets them act on it."""
    return holds(who, task) and duties_allow(who.id, task, card)


def acting_for(standing: Standing, task, card: Card) -> int | None:
    """Whose task `standing` may act on: their own id, the absent person's they stand in for,
    or None when they may not act on it."""
    me = standing.me
    delegable = task.form != FormKind.CORRECTION
    handed_on = (
        delegable and standing.deputy_id is not None and deputy_fits(standing.deputy_id, card)
    )
    if owns(me, task, card) and not handed_on:
        return me.id
    if delegable and deputy_fits(me.id, card):
        for absent in standing.stands_in_for:
            if owns(absent, task, card):
                return absent.id
    return None


def may_act(standing: Standing, task, card: Card) -> bool:
    return acting_for(standing, task, card) is not None


# --- SQL --------------------------------------------------------------------------------------


def _initiates(task, person_id):
    return exists().where(Invoice.id == task.invoice_id, Invoice.initiator_id == person_id)


def _approves(task, person_id):
    return exists().where(
        InvoiceApprover.invoice_id == task.invoice_id, InvoiceApprover.user_id == person_id
    )


def _duties_clause(task, person_id):
    return or_(
        task.form == FormKind.CORRECTION,
        and_(
            ~_initiates(task, person_id),
            or_(task.form != FormKind.PAYMENT, ~_approves(task, person_id)),
        ),
    )


def _deputy_fits_clause(task, deputy_id):
    return and_(~_initiates(task, deputy_id), ~_approves(task, deputy_id))


def branches(standing: Standing, task=HumanTask) -> list:
    """may_act() in SQL as branches, one per holder lookup, each led by an indexed column of the
    task table (assignee = ?, or candidate_role IN (...)): OR them, or run each on its own and
    UNION them to read every branch in index order (two branches may share a role task)."""
    me = standing.me
    roles = sorted(me.roles)
    kept = []
    if standing.deputy_id is not None:
        kept = [
            or_(task.form == FormKind.CORRECTION, ~_deputy_fits_clause(task, standing.deputy_id))
        ]
    result = [
        and_(task.assignee_user_id == me.id, _duties_clause(task, me.id), *kept),
        and_(
            task.assignee_user_id.is_(None),
            task.candidate_role.in_(roles),
            _duties_clause(task, me.id),
            *kept,
        ),
    ]
    for absent in standing.stands_in_for:
        fits = and_(task.form != FormKind.CORRECTION, _deputy_fits_clause(task, me.id))
        result.append(
            and_(task.assignee_user_id == absent.id, _duties_clause(task, absent.id), fits)
        )
        result.append(
            and_(
                task.assignee_user_id.is_(None),
                task.candidate_role.in_(sorted(absent.roles)),
                _duties_clause(task, absent.id),
                fits,
            )
        )
    return result


def acts_on(standing: Standing, task=HumanTask, status: str | None = None):
    """SQL condition on `task`: the tasks `standing` may act on (as may_act() says), of this
    status if given. On human_task itself: `id IN (a UNION of the branches)`, so each branch
    is read through its index whatever else the query filters on or sorts by."""
    if task is not HumanTask:  # an alias (a correlated rule): the branches, OR'ed
        return or_(*branches(standing, task))
    narrowed = [] if status is None else [HumanTask.status == status]
    parts = [
        select(HumanTask.id).where(branch, *narrowed).correlate(None)
        for branch in branches(standing)
    ]
    return HumanTask.id.in_(union(*parts))


def offered_clause(task, person_ids, roles):
    """Offered to one of these people or roles (done or not, duties aside): what visibility
    reads, "whoever is or was offered a task sees its invoice". Lists or expanding bindparams."""
    return or_(
        task.assignee_user_id.in_(person_ids),
        and_(task.assignee_user_id.is_(None), task.candidate_role.in_(roles)),
    )


def may_be_handed_clause(task, card: Card):
    """SQL condition on User: whom an admin may hand `task` to, duties-wise. Stricter than
    duties_allow(): never the initiator, and for approvals and payments none of the invoice's
    approvers (they would act twice); an active user other than the holder."""
    conditions = [User.active.is_(True), User.id != card.initiator_id]
    if task.form in (FormKind.APPROVAL, FormKind.PAYMENT):
        conditions.append(User.id.not_in(sorted(card.approver_ids) or [0]))
    if task.assignee_user_id is not None:
        conditions.append(User.id != task.assignee_user_id)
    return and_(*conditions)

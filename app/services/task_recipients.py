"""Who is told of a task: everyone who may act on it now (task_holders' rule), read with
where a notice to each goes."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from sqlalchemy import Select, and_, bindparam, select
from sqlalchemy.orm import Session, aliased

from app.models import Delegation, FormKind, HumanTask, Invoice, InvoiceApprover, UserPreference
from app.models.base import utcnow
from app.models.user import User, holds_role
from app.services.task_holders import Card, Person, deputy_fits, owns, running_at


@dataclass(frozen=True)
class Address:
    """Where a notice to someone goes: their e-mail, language and the kinds they want in the
    app only (read with the holders, so that telling them needs no query of its own)."""

    id: int
    email: str | None
    language: str | None
    email_off: tuple[str, ...] = ()


def holders_of(
    session: Session,
    task: HumanTask,
    now=None,
    card: Card | None = None,
    addresses: dict[int, Address] | None = None,
) -> dict[int, int]:
    """Everyone who may act on the task now, each with whose task it is for them (their own id,
    or the absent person's for a deputy). Active users only; the same rule as may_act(). Two
    statements: the invoice's parties (unless given), and the candidates with their deputies.
    `addresses`, when given, is filled with the Address of each one returned."""
    card = card or _card(session, task.invoice_id)
    result: dict[int, int] = {}
    reachable: dict[int, Address] = {}
    for candidate, deputy, reached in _candidates(session, task, now or utcnow()):
        if not owns(candidate, task, card):
            continue
        if deputy is not None and task.form != FormKind.CORRECTION and deputy_fits(deputy, card):
            result.setdefault(deputy, candidate.id)
        else:
            result[candidate.id] = candidate.id
        reachable.update(reached)
    if addresses is not None:
        addresses.update((pk, reachable[pk]) for pk in result)
    return dict(sorted(result.items()))


def _card(session: Session, invoice_id: int) -> Card:
    rows = session.execute(
        select(Invoice.initiator_id, InvoiceApprover.user_id)
        .outerjoin(InvoiceApprover, InvoiceApprover.invoice_id == Invoice.id)
        .where(Invoice.id == invoice_id)
    ).all()
    return Card(rows[0][0], frozenset(a for _, a in rows if a is not None))


def _candidates(session: Session, task: HumanTask, now):
    """The active people holding the task (by assignment or role, duties aside), each with the
    deputy in force while they are away, and the Address of both."""
    if task.assignee_user_id is not None:
        query, holder, roles = _candidates_query(True), task.assignee_user_id, frozenset()
    else:
        query, holder = _candidates_query(False), task.candidate_role
        roles = frozenset({task.candidate_role})
    found = []
    for row in session.execute(query, {"holder": holder, "now": now}):
        reached = {row.id: Address(row.id, row.email, row.language, tuple(row.email_off or ()))}
        if row.deputy_id is not None:
            reached[row.deputy_id] = Address(
                row.deputy_id,
                row.deputy_email,
                row.deputy_language,
                tuple(row.deputy_email_off or ()),
            )
        found.append((Person(row.id, roles), row.deputy_id, reached))
    return found


@cache
def _candidates_query(by_assignee: bool) -> Select:
    """Active users with the deputy in force at :now: the user :holder (by_assignee), or the
    holders of the role :holder; with the e-mail and preferences of both."""
    holder, now = bindparam("holder"), bindparam("now")
    condition = User.id == holder if by_assignee else holds_role(holder)
    deputy_user = aliased(User, name="deputy_user")
    own = aliased(UserPreference, name="own_preference")
    deputys = aliased(UserPreference, name="deputy_preference")
    return (
        select(
            User.id,
            User.email,
            own.language,
            own.email_off,
            Delegation.deputy_id,
            deputy_user.email.label("deputy_email"),
            deputys.language.label("deputy_language"),
            deputys.email_off.label("deputy_email_off"),
        )
        .select_from(User)
        .outerjoin(
            Delegation,
            and_(Delegation.user_id == User.id, running_at(now)),
        )
        .outerjoin(own, own.user_id == User.id)
        .outerjoin(deputy_user, deputy_user.id == Delegation.deputy_id)
        .outerjoin(deputys, deputys.user_id == Delegation.deputy_id)
        .where(condition, User.active.is_(True))
        .order_by(User.id)
    )

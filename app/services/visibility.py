"""Who may see which invoice: the one rule behind lists, cards, downloads and the API."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import and_, bindparam, exists, func, or_, select, union
from sqlalchemy.orm import Session, aliased

from app.domain.ids import parse_id
from app.errors import NotFoundError
from app.i18n import _
from app.models import HumanTask, Invoice, InvoiceApprover
from app.roles import SEE_ALL_ROLES, role_names
from app.services.task_holders import offered_clause, standing_of


def sees_all_invoices(user) -> bool:
    return bool(role_names(user) & SEE_ALL_ROLES)


def _offered_to(task, viewer_id, offered_ids, offered_roles):
    # Whoever is or was offered a task on an invoice sees it: a new stage needs no code. A
    # deputy sees, while the delegation runs, what is offered to the person they stand in for.
    return or_(task.completed_by_id == viewer_id, offered_clause(task, offered_ids, offered_roles))


def _offered_people_and_roles(user, standing=None) -> tuple[list[int], list[str]]:
    standing = standing or standing_of(None, user)
    people = [standing.me, *standing.stands_in_for]
    return [p.id for p in people], sorted({role for p in people for role in p.roles})


def visible_invoices_clause(user):
    """A WHERE clause on Invoice for lists; None when the user sees every invoice.

    Their own invoices OR `id IN (a UNION of index-led lookups)` for the other reasons: the
    database reads the lookups once (hashed) and the list in its index order; an OR of three
    subqueries had it test every invoice of the table."""
    if sees_all_invoices(user):
        return None
    return _clause(*_viewer(user))


@dataclass(frozen=True)
class VisibleParts:
    """The rule in two parts: the user's own invoices, and the ids of those they see for
    another reason (a UNION of index-led lookups)."""

    own: object  # a WHERE clause on Invoice
    other_ids: object  # a SELECT of invoice ids
    every_id: object  # a subquery of every id the rule lets the user see (column `id`)

    @property
    def count_all(self):
        """Unfiltered, the count needs no invoice row: how many distinct ids the lookups give
        (every id they give names an invoice). Counting the parts apart would read every
        invoice to tell the others from the user's own."""
        return select(func.count(self.every_id.c.id))

    @property
    def others(self):
        """The invoices seen for another reason that are not their own: disjoint from `own`,
        so a count adds the two, each read through its index."""
        return and_(~self.own, Invoice.id.in_(self.other_ids))


def visible_invoice_parts(user, standing=None) -> VisibleParts | None:
    """None when the user sees every invoice."""
    if sees_all_invoices(user):
        return None
    return _parts(*_viewer(user, standing))


def visible_invoice_ids(user, standing=None):
    """The same rule as a SELECT of invoice ids, for aggregates over many invoices: a UNION of
    indexed lookups instead of a filter run on every row. None when the user sees all."""
    if sees_all_invoices(user):
        return None
    return union(*_visible_id_branches(*_viewer(user, standing)))


# The statements above are kept per viewer (building them costs more than running them, and
# a list page asks three times): what they depend on is the key, so a role or a delegation
# that changes makes a new one. The bound keeps memory flat.
VIEWERS_KEPT = 512


def _viewer(user, standing=None) -> tuple[int, tuple[int, ...], tuple[str, ...]]:
    ids, roles = _offered_people_and_roles(user, standing)
    return user.id, tuple(ids), tuple(roles)


@lru_cache(maxsize=VIEWERS_KEPT)
def _clause(user_id: int, ids: tuple[int, ...], roles: tuple[str, ...]):
    parts = _parts(user_id, ids, roles)
    return or_(parts.own, Invoice.id.in_(parts.other_ids))


@lru_cache(maxsize=VIEWERS_KEPT)
def _parts(user_id: int, ids: tuple[int, ...], roles: tuple[str, ...]) -> VisibleParts:
    branches = _visible_id_branches(user_id, ids, roles)
    return VisibleParts(Invoice.initiator_id == user_id, union(*branches[1:]), _as_ids(branches))


def _as_ids(branches: tuple):
    """The UNION of the lookups as a subquery whose one column is `id`."""
    first, *rest = branches
    return union(first.with_only_columns(Invoice.id.label("id")), *rest).subquery("visible_ids")


@lru_cache(maxsize=VIEWERS_KEPT)
def _visible_id_branches(user_id: int, ids: tuple[int, ...], roles: tuple[str, ...]) -> tuple:
    """One lookup per reason to see an invoice, each led by an indexed column. Uncorrelated:
    a branch reading invoice must not take the outer query's invoice for its own."""
    found = [
        select(Invoice.id).where(Invoice.initiator_id == user_id),
        select(InvoiceApprover.invoice_id).where(InvoiceApprover.user_id == user_id),
        select(HumanTask.invoice_id).where(HumanTask.completed_by_id == user_id),
        select(HumanTask.invoice_id).where(HumanTask.assignee_user_id.in_(ids)),
    ]
    if roles:
        found.append(
            select(HumanTask.invoice_id).where(
                HumanTask.candidate_role.in_(roles), HumanTask.assignee_user_id.is_(None)
            )
        )
    return tuple(branch.correlate(None) for branch in found)


def may_see_invoice(user, standing, initiator_id: int, approver_ids, tasks) -> bool:
    """The rule in Python, for rows already read (tests check it against the SQL forms):
    the initiator, an approver, whoever completed one of its tasks, and whoever is or was
    offered one (its assignee, or a holder of its lane's role when it has none), also through
    the people one stands in for."""
    if sees_all_invoices(user):
        return True
    if user.id == initiator_id or user.id in set(approver_ids):
        return True
    ids, roles = _offered_people_and_roles(user, standing)
    for task in tasks:
        if task.completed_by_id == user.id or task.assignee_user_id in ids:
            return True
        if task.assignee_user_id is None and task.candidate_role in roles:
            return True
    return False


# The rule for one invoice, built once (building it costs more than running it): the viewer
# comes as parameters, see viewer_parameters(). Correlated EXISTS use the per-invoice indexes;
# the task table is aliased, so the rule also fits a query that selects a task.
_OTHER_TASK = aliased(HumanTask, name="other_task")
_VIEWER = bindparam("viewer_id")
ONE_INVOICE_VISIBLE = or_(
    Invoice.initiator_id == _VIEWER,
    exists().where(InvoiceApprover.invoice_id == Invoice.id, InvoiceApprover.user_id == _VIEWER),
    exists().where(
        _OTHER_TASK.invoice_id == Invoice.id,
        _offered_to(
            _OTHER_TASK,
            _VIEWER,
            bindparam("offered_ids", expanding=True),
            bindparam("viewer_roles", expanding=True),
        ),
    ),
)


def viewer_parameters(user, standing=None) -> dict:
    ids, roles = _offered_people_and_roles(user, standing)
    return {"viewer_id": user.id, "offered_ids": ids, "viewer_roles": roles}


_ONE_INVOICE = select(Invoice).where(Invoice.id == bindparam("invoice_id"))
_ONE_VISIBLE_INVOICE = _ONE_INVOICE.where(ONE_INVOICE_VISIBLE)


def get_visible_invoice(session: Session, user, invoice_id: object) -> Invoice:
    """Raise NotFoundError for a missing id and for an invoice the user may not see alike."""
    pk = parse_id(invoice_id)
    if pk is None:
        raise NotFoundError(_("Invoice not found."))
    if sees_all_invoices(user):
        query, parameters = _ONE_INVOICE, {}
    else:
        query, parameters = _ONE_VISIBLE_INVOICE, viewer_parameters(user)
    invoice = session.scalars(query, {"invoice_id": pk, **parameters}).unique().first()
    if invoice is None:
        raise NotFoundError(_("Invoice not found."))
    return invoice


def get_visible_row(session: Session, user, model, row_id: object, missing):
    """A row that belongs to an invoice (a file, a message), if the user may see that invoice.
    Raises NotFoundError with `missing` for a bad id, an unknown row or an invisible invoice."""
    pk = parse_id(row_id)
    if pk is None:
        raise NotFoundError(missing)
    row = session.get(model, pk)
    if row is None:
        raise NotFoundError(missing)
    get_visible_invoice(session, user, row.invoice_id)
    return row

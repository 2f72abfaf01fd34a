"""Open tasks for administrators: every open task, who holds it, since when, due and overdue.

One query for a page (its rows, how many match and how many of them are overdue), one for the
choices of the filters: the same number of statements whatever the page size or the filters.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session, joinedload

from app.domain.ids import parse_id
from app.domain.search import like_escaped
from app.errors import ValidationError
from app.i18n import _
from app.models import HumanTask, Invoice, TaskStatus
from app.models.user import Group, User
from app.permissions import REASSIGN, Action, allows, require
from app.services.my_tasks import held_by
from app.services.reassign_task import may_be_reassigned
from app.services.stage_names import stage_glossary
from app.services.task_holder import holder_name

SUPERVISE_TASKS = Action("can_read", "OpenTasks", _("see every open task"))
SORTS = ("waiting", "due")
TEXT_LIMIT = 100


@dataclass(frozen=True)
class OpenTaskFilter:
    holder_id: int | None = None  # the tasks this person holds (theirs, or their roles')
    role: str | None = None  # the lane: a role, or Initiator
    stage: str | None = None  # the process step (BPMN element id)
    overdue: bool = False
    sort: str = "waiting"  # waiting longest first, or the earliest due first

    @classmethod
    def from_args(cls, args) -> OpenTaskFilter:
        """Read the filters from a query string. Raises ValidationError."""
        holder = args.get("holder") or None
        holder_id = parse_id(holder) if holder else None
        if holder and holder_id is None:
            raise ValidationError({"holder": [_("Choose a user from the list.")]})
        sort = args.get("sort") or "waiting"
        if sort not in SORTS:
            raise ValidationError({"sort": [_("Sort by waiting time or by due date.")]})
        return cls(
            holder_id=holder_id,
            role=(args.get("role") or "")[:TEXT_LIMIT] or None,
            stage=(args.get("stage") or "")[:TEXT_LIMIT] or None,
            overdue=args.get("overdue") == "1",
            sort=sort,
        )


@dataclass(frozen=True)
class OpenTask:
    task_guid: str
    form: str
    title_template: dict
    title_values: dict
    stage: str
    lane: str | None
    created_at: datetime
    due_at: datetime | None
    invoice_id: int
    number: int
    amount: object
    currency: str
    counterparty_name: str
    assignee_id: int | None
    assignee_first_name: str | None
    assignee_last_name: str | None
    candidate_role: str | None
    stage_translations: dict
    reassignable: bool = False

    @property
    def holder(self) -> str:
        first = self.assignee_first_name if self.assignee_id is not None else None
        return holder_name(first, self.assignee_last_name, self.candidate_role) or ""

    @property
    def offered_to_role(self) -> bool:
        return self.assignee_id is None


@dataclass
class OpenTasksPage:
    rows: list[OpenTask]
    total: int
    overdue: int
    page: int
    page_size: int
    task_filter: OpenTaskFilter
    now: datetime
    holder: User | None = None
    lanes: list[str] = field(default_factory=list)
    # (element id, name, its translations): the stage filter's choices.
    stages: list[tuple[str, str, dict]] = field(default_factory=list)
    can_reassign: bool = False

    @property
    def has_next(self) -> bool:
        return self.page * self.page_size < self.total


def open_tasks(
    session: Session,
    actor,
    task_filter: OpenTaskFilter,
    now: datetime,
    page: int = 1,
    page_size: int = 50,
) -> OpenTasksPage:
    """One page of every open task. Raises PermissionDeniedError, ValidationError (unknown
    holder)."""
    require(actor, SUPERVISE_TASKS)
    holder = _holder(session, task_filter.holder_id)
    chosen = _chosen(task_filter, holder, now, page, page_size)
    found = session.execute(
        select(*_ROW_COLUMNS, chosen.c.total, chosen.c.overdue)
        .join_from(chosen, HumanTask, HumanTask.id == chosen.c.id)
        .join(Invoice, Invoice.id == HumanTask.invoice_id)
        .outerjoin(User, User.id == HumanTask.assignee_user_id)
        .order_by(chosen.c.position)
    ).all()
    can_reassign = allows(actor, REASSIGN)
    rows = [
        OpenTask(*row[:-2], reassignable=can_reassign and may_be_reassigned(row.form))
        for row in found
    ]
    lanes, stages = _choices(session)
    return OpenTasksPage(
        rows=rows,
        total=found[0].total if found else 0,
        overdue=found[0].overdue if found else 0,
        page=page,
        page_size=page_size,
        task_filter=task_filter,
        now=now,
        holder=holder,
        lanes=lanes,
        stages=stages,
        can_reassign=can_reassign,
    )


_ROW_COLUMNS = (
    HumanTask.task_guid,
    HumanTask.form,
    HumanTask.title_template,
    HumanTask.title_values,
    HumanTask.name,
    HumanTask.lane,
    HumanTask.created_at,
    HumanTask.due_at,
    Invoice.id,
    Invoice.number,
    Invoice.amount,
    Invoice.currency,
    Invoice.counterparty_name,
    HumanTask.assignee_user_id,
    User.first_name,
    User.last_name,
    HumanTask.candidate_role,
    HumanTask.name_translations,
)


def _holder(session: Session, holder_id: int | None) -> User | None:
    if holder_id is None:
        return None
    user = session.scalars(
        select(User)
        .where(User.id == holder_id)
        .options(joinedload(User.roles), joinedload(User.groups).joinedload(Group.roles))
    ).first()
    if user is None:
        raise ValidationError({"holder": [_("Choose a user from the list.")]})
    return user


def _chosen(task_filter: OpenTaskFilter, holder, now: datetime, page: int, page_size: int):
    """The page's task ids in order, with how many match and how many are overdue (window
    counts run before the limit). From human_task alone: the holder rule correlates with it."""
    conditions = [HumanTask.status == TaskStatus.OPEN]
    if holder is not None:
        conditions.append(held_by(holder))
    if task_filter.role:
        conditions.append(HumanTask.lane == task_filter.role)
    if task_filter.stage:
        conditions.append(HumanTask.bpmn_id == task_filter.stage)
    if task_filter.overdue:
        conditions.append(HumanTask.due_at < now)
    order = _order(task_filter.sort)
    return (
        select(
            HumanTask.id,
            func.row_number().over(order_by=order).label("position"),
            func.count().over().label("total"),
            func.count(case((HumanTask.due_at < now, 1))).over().label("overdue"),
        )
        .where(*conditions)
        .order_by(*order)
        .limit(page_size)
        .offset((page - 1) * page_size)
        .subquery()
    )


def _order(sort: str) -> tuple:
    if sort == "due":  # tasks without a due date last
        return (HumanTask.due_at.is_(None), HumanTask.due_at, HumanTask.created_at, HumanTask.id)
    return (HumanTask.created_at, HumanTask.id)


def _choices(session: Session) -> tuple[list[str], list[tuple[str, str, dict]]]:
    """The lanes and the steps that have open tasks: what the filters offer."""
    found = session.execute(
        select(HumanTask.lane, HumanTask.bpmn_id, func.max(HumanTask.name))
        .where(HumanTask.status == TaskStatus.OPEN)
        .group_by(HumanTask.lane, HumanTask.bpmn_id)
    ).all()
    lanes = sorted({lane for lane, _id, _name in found if lane})
    names = stage_glossary(session, [name for _lane, _id, name in found])
    stages = {bpmn_id: (name or bpmn_id, names.get(name, {})) for _lane, bpmn_id, name in found}
    return lanes, sorted(
        ((bpmn_id, name, translated) for bpmn_id, (name, translated) in stages.items()),
        key=lambda item: (item[1], item[0]),
    )


def search_holders(session: Session, text: str, limit: int, offset: int = 0) -> list:
    """Active users whose name or user name contains `text`: whom the holder filter offers."""
    query = (
        select(User).where(User.active.is_(True)).order_by(User.last_name, User.first_name, User.id)
    )
    text = (text or "").strip()[:TEXT_LIMIT]
    if text:
        pattern = f"%{like_escaped(text)}%"
        query = query.where(
            User.first_name.ilike(pattern, escape="\\")
            | User.last_name.ilike(pattern, escape="\\")
            | User.username.ilike(pattern, escape="\\")
        )
    return list(session.scalars(query.limit(limit).offset(offset)))

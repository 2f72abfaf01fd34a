"""What the mails of a batch read: their invoices and tasks, the step before each task, the
people they name, their recipients' time zones and decision links. A batch reads them in a few
statements for all its messages before the first is sent (app/mail.py renders each from this);
what was not read beforehand (a single notice) is read when asked, as before.

Invoices and tasks are read as plain rows, not ORM objects: the commit after each message
leaves them as they were (nothing expires and loads again).
"""

from __future__ import annotations

from functools import cache

from sqlalchemy import Row, Select, bindparam, select
from sqlalchemy.orm import Session

from app.domain.action_links import LinkSigner
from app.models import HumanTask, Invoice, NotificationKind, TaskStatus, UserPreference
from app.models.user import User
from app.services.choose_time_zone import time_zone_of
from app.services.email_actions import offered_links_for

# Mails that hand someone a task to decide: these may carry the one-click decision links.
ACTION_LINK_KINDS = (
    NotificationKind.TASK_ASSIGNED,
    NotificationKind.REASSIGNED,
    NotificationKind.REMINDER,
    NotificationKind.ESCALATION,
)
# The parameters of a notice that name a person by id (app/mail.py, app/notice_lines.py).
PERSON_PARAMS = ("by", "on_behalf_of", "from", "to", "absent")


class MailReading:
    """What the mails of a batch read, looked up as each message is rendered."""

    def __init__(self, session: Session, default_zone: str):
        self.session, self.default_zone = session, default_zone
        self.message_ids: set[int] = set()
        self._invoices: dict[int, Row | None] = {}
        self._tasks: dict[str, Row | None] = {}
        self._steps: dict[int, Row | None] = {}  # the step before each task, by task id
        self._names: dict[int, str] = {}
        self._zones: dict[int, str] = {}
        self._links: dict[tuple, dict] = {}

    @classmethod
    def of(cls, session: Session, rows, config, with_links: bool) -> MailReading:
        """Everything `rows` (outbox rows) read, for them all at once."""
        reading = cls(session, config["DEFAULT_TIME_ZONE"])
        reading.message_ids = {row.id for row in rows}
        reading._read_invoices(rows)
        reading._read_tasks(rows)
        reading._read_names(rows)
        reading._read_zones({row.recipient_id for row in rows})
        if with_links:
            wanted = [(r.task_guid, r.recipient_id) for r in rows if r.kind in ACTION_LINK_KINDS]
            reading._links = offered_links_for(session, LinkSigner.from_config(config), wanted)
        return reading

    @classmethod
    def of_subjects(cls, session: Session, rows, config) -> MailReading:
        """What the subjects of `rows` read: their invoices and the people they name."""
        reading = cls(session, config["DEFAULT_TIME_ZONE"])
        reading._read_invoices(rows)
        reading._read_names(rows)
        return reading

    # --- what a message reads

    def invoice(self, invoice_id) -> Row | Invoice | None:
        if not invoice_id:
            return None
        if invoice_id in self._invoices:
            return self._invoices[invoice_id]
        return self.session.get(Invoice, invoice_id)

    def task(self, task_guid) -> Row | HumanTask | None:
        if not task_guid:
            return None
        if task_guid in self._tasks:
            return self._tasks[task_guid]
        return self.session.scalars(
            select(HumanTask).where(HumanTask.task_guid == task_guid)
        ).first()

    def step_before(self, task) -> Row | HumanTask | None:
        """The last step done on the invoice before `task` was handed out."""
        if task.id in self._steps:
            return self._steps[task.id]
        return self.session.scalars(
            _steps_before(select(HumanTask), [task.invoice_id])
            .where(HumanTask.completed_at <= task.created_at)
            .limit(1)
        ).first()

    def name_of(self, user_id) -> str:
        """A person's name, "" for no one (or anything but an id)."""
        if not isinstance(user_id, int):
            return ""
        if user_id not in self._names:
            user = self.session.get(User, user_id)
            self._names[user_id] = f"{user.first_name} {user.last_name}" if user else ""
        return self._names[user_id]

    def zone_of(self, user_id) -> str:
        if user_id not in self._zones:
            self._zones[user_id] = time_zone_of(self.session, user_id, self.default_zone)
        return self._zones[user_id]

    def links_of(self, row) -> dict[str, str]:
        """The tokens of a task mail's decision links, {} when it gets none."""
        return self._links.get((row.task_guid, row.recipient_id)) or {}

    # --- reading them for a batch

    def _rows(self, statement: Select, params: dict):
        """Plain rows of columns, run as Core on the session's connection: the ORM's handling
        of a statement (a third of a millisecond each) buys nothing for rows that are no
        objects."""
        return self.session.connection().execute(statement, params)

    def _read_invoices(self, rows) -> None:
        invoice_ids = sorted({row.invoice_id for row in rows if row.invoice_id})
        self._invoices = dict.fromkeys(invoice_ids)
        if invoice_ids:
            found = self._rows(_invoices_query(), {"ids": invoice_ids})
            self._invoices.update((invoice.id, invoice) for invoice in found)

    def _read_tasks(self, rows) -> None:
        guids = sorted({row.task_guid for row in rows if row.task_guid})
        self._tasks = dict.fromkeys(guids)
        if guids:
            tasks = self._rows(_tasks_query(), {"guids": guids}).all()
            self._tasks.update((task.task_guid, task) for task in tasks)
            self._read_steps_before(tasks)

    def _read_steps_before(self, tasks: list[Row]) -> None:
        done: dict[int, list[Row]] = {}
        if tasks:
            invoice_ids = sorted({task.invoice_id for task in tasks})
            for step in self._rows(_steps_query(), {"ids": invoice_ids}):
                done.setdefault(step.invoice_id, []).append(step)  # latest first
        for task in tasks:
            self._steps[task.id] = next(
                (
                    step
                    for step in done.get(task.invoice_id, ())
                    if step.completed_at is not None and step.completed_at <= task.created_at
                ),
                None,
            )

    def _read_names(self, rows) -> None:
        ids = set()
        for row in rows:
            params = row.params if isinstance(row.params, dict) else {}
            ids.update(params.get(key) for key in PERSON_PARAMS)
            approvers = params.get("approvers")
            ids.update(approvers if isinstance(approvers, list) else ())
        ids.update(invoice.initiator_id for invoice in self._invoices.values() if invoice)
        ids.update(step.completed_by_id for step in self._steps.values() if step)
        ids = sorted(pk for pk in ids if isinstance(pk, int))
        self._names.update(dict.fromkeys(ids, ""))
        if ids:
            for pk, first, last in self._rows(_names_query(), {"ids": ids}):
                self._names[pk] = f"{first} {last}"

    def _read_zones(self, user_ids: set) -> None:
        ids = sorted(pk for pk in user_ids if isinstance(pk, int))
        self._zones.update(dict.fromkeys(ids, self.default_zone))
        if ids:
            for pk, zone in self._rows(_zones_query(), {"ids": ids}):
                self._zones[pk] = zone or self.default_zone


# The statements are built once (building one costs more than running it).
def _ids(name: str):
    return bindparam(name, expanding=True)


@cache
def _invoices_query() -> Select:
    """What a mail shows of an invoice."""
    return select(
        Invoice.id,
        Invoice.number,
        Invoice.counterparty_name,
        Invoice.amount,
        Invoice.currency,
        Invoice.due_date,
        Invoice.initiator_id,
    ).where(Invoice.id.in_(_ids("ids")))


@cache
def _tasks_query() -> Select:
    return select(
        HumanTask.id,
        HumanTask.task_guid,
        HumanTask.invoice_id,
        HumanTask.created_at,
        HumanTask.due_at,
    ).where(HumanTask.task_guid.in_(_ids("guids")))


def _steps_before(query: Select, invoice_ids) -> Select:
    return query.where(
        HumanTask.invoice_id.in_(invoice_ids), HumanTask.status == TaskStatus.DONE
    ).order_by(HumanTask.completed_at.desc(), HumanTask.id.desc())


@cache
def _steps_query() -> Select:
    """The steps done on the invoices :ids, latest first."""
    columns = select(
        HumanTask.id,
        HumanTask.invoice_id,
        HumanTask.completed_at,
        HumanTask.completed_by_id,
        HumanTask.comment,
    )
    return _steps_before(columns, _ids("ids"))


@cache
def _names_query() -> Select:
    return select(User.id, User.first_name, User.last_name).where(User.id.in_(_ids("ids")))


@cache
def _zones_query() -> Select:
    return select(UserPreference.user_id, UserPreference.time_zone).where(
        UserPreference.user_id.in_(_ids("ids"))
    )

"""Deciding from the mailbox: the Approve, Return and Reject links of a task e-mail.

A link is offered to a recipient who may act on an open approval task now, and never to a user
whose sign-in takes a second factor (one they set up, or one a role of theirs requires): the
mailbox alone must not stand in for it. Opening a link changes nothing (mail scanners open
links); the confirmation page's button decides, as the recipient, through `decide`, the same
service and the same rules as the task page, recorded in the audit with channel "email". A link
acts once (`EmailActionUse`, written in the decision's transaction).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from functools import cache

from sqlalchemy import Row, Select, bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from app.domain.action_links import (
    ACTIONS,
    Link,
    LinkExpiredError,
    LinkSigner,
    LinkTamperedError,
)
from app.errors import (
    ConcurrentEditError,
    InvoiceFlowError,
    NotFoundError,
    PermissionDeniedError,
)
from app.i18n import _
from app.models import (
    Attachment,
    EmailActionUse,
    FormKind,
    HumanTask,
    Invoice,
    InvoiceApprover,
    InvoiceStatus,
    TaskStatus,
)
from app.models.base import utcnow
from app.models.user import Group, User
from app.models.user_security import UserSecurity
from app.permissions import DECIDE, allows
from app.services.complete_task import decide
from app.services.second_factor import enrolled, is_enrolled
from app.services.sign_in_rules import second_factor_required, second_factor_required_of
from app.services.task_access import task_to_act_on
from app.services.task_holders import (
    Card,
    Standing,
    delegations_in_force_column,
    may_act,
    remember_delegations,
    standing_of,
)
from app.services.visibility import may_see_invoice

EMAIL = "email"  # the audit's channel of a decision made with a link

# Why a link does nothing, and the status its page answers with.
TAMPERED, EXPIRED, USED = "tampered", "expired", "used"
HANDLED, WITHDRAWN, CLOSED = "handled", "withdrawn", "closed"
NOT_YOURS, SECOND_FACTOR, STALE_FORM = "not_yours", "second_factor", "stale_form"
STATUS = {
    TAMPERED: 400,
    STALE_FORM: 400,
    EXPIRED: 410,
    USED: 409,
    HANDLED: 409,
    WITHDRAWN: 409,
    CLOSED: 409,
    NOT_YOURS: 403,
    SECOND_FACTOR: 403,
}


class LinkRefusedError(InvoiceFlowError):
    """A link that may not act (any more): `reason` says why; nothing was changed."""

    def __init__(self, reason: str, message, link: Link | None = None, detail=None):
        super().__init__(str(message))
        self.reason, self.detail = reason, detail
        self.status_code = STATUS[reason]
        self.link = link


@dataclass
class LinkPage:
    """What the confirmation page shows: the link, its recipient, the task and its invoice."""

    link: Link
    user: User
    task: HumanTask
    invoice: Invoice
    files: list[Attachment] = field(default_factory=list)
    on_behalf_of: User | None = None


def offered_links(session: Session, signer: LinkSigner, task_guid, user_id) -> dict | None:
    """The tokens of the three links for a mail about `task_guid` to `user_id`, or None when
    that mail gets none (not an open approval task the user may decide now, or a user whose
    sign-in takes a second factor)."""
    return offered_links_for(session, signer, [(task_guid, user_id)]).get((task_guid, user_id))


def offered_links_for(session: Session, signer: LinkSigner, mails) -> dict[tuple, dict]:
    """offered_links() for many (task guid, user id) pairs, as a batch of mail has them, in a
    few statements for them all: {pair: tokens} of the pairs that get links."""
    wanted = {(guid, uid) for guid, uid in mails if _guid(guid) and isinstance(uid, int)}
    deciders = _deciders(session, sorted({uid for _task, uid in wanted}))
    tasks = _tasks_and_cards(session, sorted({_guid(guid) for guid, uid in wanted}))
    offered = {}
    for guid, uid in wanted:
        decider, found = deciders.get(uid), tasks.get(_guid(guid))
        if decider is not None and found is not None and found.may_decide(*decider):
            offered[guid, uid] = {
                action: signer.issue(found.task.task_guid, uid, action) for action in ACTIONS
            }
    return offered


def _guid(task_guid) -> str | None:
    """A task guid as the task table spells it; None for anything else."""
    try:
        return str(uuid.UUID(str(task_guid))) if task_guid else None
    except ValueError:
        return None


def _deciders(session: Session, user_ids: list[int]) -> dict[int, tuple[User, Standing]]:
    """The users who may decide from a mailbox (active, allowed to decide, no second factor),
    each with their standing: one statement (roles, sign-in guard, delegations with them)."""
    if not user_ids:
        return {}
    rows = session.execute(_deciders_query(), {"ids": user_ids, "now": utcnow()}).unique()
    found = {}
    for user, security, factor_required, delegations in rows:
        remember_delegations(session, user.id, delegations)
        if user.active and allows(user, DECIDE) and not (enrolled(security) or factor_required):
            found[user.id] = (user, standing_of(session, user))
    return found


@cache
def _deciders_query() -> Select:
    return (
        select(
            User,
            UserSecurity,
            second_factor_required_of(User.id),
            delegations_in_force_column(User.id),
        )
        .outerjoin(UserSecurity, UserSecurity.user_id == User.id)
        .where(User.id.in_(bindparam("ids", expanding=True)))
        .options(joinedload(User.roles), joinedload(User.groups).joinedload(Group.roles))
    )


@dataclass(frozen=True)
class _TaskToDecide:
    """A task, the card of its invoice and every task of that invoice (who may see it)."""

    task: Row
    card: Card
    invoice_tasks: tuple[Row, ...]

    def may_decide(self, user: User, standing: Standing) -> bool:
        """task_to_act_on()'s rule on rows already read: the invoice visible to the user, the
        task open, theirs to act on now and an approval."""
        card = self.card
        return (
            may_see_invoice(
                user, standing, card.initiator_id, card.approver_ids, self.invoice_tasks
            )
            and self.task.status == TaskStatus.OPEN
            and may_act(standing, self.task, card)
            and self.task.form == FormKind.APPROVAL
        )


def _tasks_and_cards(session: Session, guids: list[str]) -> dict[str, _TaskToDecide]:
    """The tasks of these guids, each with its invoice's card and tasks: two statements."""
    if not guids:
        return {}
    tasks, wanted = session.execute(_invoice_tasks_query(), {"guids": guids}).all(), set(guids)
    invoice_ids = sorted({task.invoice_id for task in tasks})
    parties = session.execute(_parties_query(), {"invoice_ids": invoice_ids}) if tasks else []
    initiators, approvers = {}, {}
    for invoice_id, initiator_id, approver_id in parties:
        initiators[invoice_id] = initiator_id
        if approver_id is not None:
            approvers.setdefault(invoice_id, set()).add(approver_id)
    cards = {
        pk: Card(initiator, frozenset(approvers.get(pk, ())))
        for pk, initiator in initiators.items()
    }
    of_invoice: dict[int, list[Row]] = {}
    for task in tasks:
        of_invoice.setdefault(task.invoice_id, []).append(task)
    return {
        task.task_guid: _TaskToDecide(
            task, cards[task.invoice_id], tuple(of_invoice[task.invoice_id])
        )
        for task in tasks
        if task.task_guid in wanted and task.invoice_id in cards
    }


@cache
def _invoice_tasks_query() -> Select:
    """Every task of the invoices of the tasks :guids (what the rules read of a task)."""
    invoices = select(HumanTask.invoice_id).where(
        HumanTask.task_guid.in_(bindparam("guids", expanding=True))
    )
    return select(
        HumanTask.task_guid,
        HumanTask.invoice_id,
        HumanTask.status,
        HumanTask.form,
        HumanTask.assignee_user_id,
        HumanTask.candidate_role,
        HumanTask.completed_by_id,
    ).where(HumanTask.invoice_id.in_(invoices))


@cache
def _parties_query() -> Select:
    """The initiator and the approvers of the invoices :invoice_ids."""
    return (
        select(Invoice.id, Invoice.initiator_id, InvoiceApprover.user_id)
        .outerjoin(InvoiceApprover, InvoiceApprover.invoice_id == Invoice.id)
        .where(Invoice.id.in_(bindparam("invoice_ids", expanding=True)))
    )


def open_link(session: Session, signer: LinkSigner, token) -> LinkPage:
    """What a link would do, checked as it would be done; changes nothing. Raises
    LinkRefusedError."""
    link = read_link(signer, token)
    _refuse_used(session, link)
    user = session.get(User, link.user_id)
    if user is None or not user.active or not allows(user, DECIDE):
        raise LinkRefusedError(NOT_YOURS, _("This link is not valid for your account."), link)
    if _needs_second_factor(session, user):
        raise LinkRefusedError(
            SECOND_FACTOR,
            _("Your account signs in with a second factor: sign in to decide on this task."),
            link,
        )
    task = session.scalars(select(HumanTask).where(HumanTask.task_guid == link.task_guid)).first()
    if task is None:
        raise LinkRefusedError(TAMPERED, _("This link is not valid."), link)
    if task.status != TaskStatus.OPEN:
        raise _closed(session, task, link)
    try:
        task, invoice, _instance, for_id = task_to_act_on(session, user, link.task_guid)
    except (PermissionDeniedError, NotFoundError) as exc:
        raise _not_yours(exc, link) from exc
    except ConcurrentEditError as exc:
        raise _closed(session, task, link) from exc
    if task.form != FormKind.APPROVAL:
        raise LinkRefusedError(TAMPERED, _("This link is not valid."), link)
    return LinkPage(
        link,
        user,
        task,
        invoice,
        files=_files(session, invoice.id),
        on_behalf_of=session.get(User, for_id) if for_id else None,
    )


def act_on_link(session: Session, signer: LinkSigner, token, form_token, comment) -> LinkPage:
    """Do the link's one action as its recipient, once (one transaction: the decision, its
    audit event with channel "email", the link's use). Raises LinkRefusedError,
    ValidationError (a comment is required to return or reject)."""
    page = open_link(session, signer, token)
    link = page.link
    if not signer.form_token_fits(link, form_token):
        raise LinkRefusedError(
            STALE_FORM,
            _("This page was open too long. Open the link from the e-mail again."),
            link,
        )
    # Added before the decision, committed by it: rolled back with it when it is refused.
    session.add(
        EmailActionUse(
            link_digest=link.digest, human_task_id=page.task.id, user_id=page.user.id,
            action=link.action,
        )
    )  # fmt: skip
    try:
        decide(session, page.user, link.task_guid, link.action, comment, channel=EMAIL)
    except IntegrityError as exc:  # the same link, used at the same moment in another tab
        raise LinkRefusedError(USED, _("This link was already used."), link) from exc
    except ConcurrentEditError as exc:
        raise LinkRefusedError(HANDLED, _("This task was already handled."), link) from exc
    except PermissionDeniedError as exc:
        raise _not_yours(exc, link) from exc
    return page


def read_link(signer: LinkSigner, token) -> Link:
    try:
        return signer.read(token)
    except LinkExpiredError as exc:
        raise LinkRefusedError(
            EXPIRED,
            _("This link has expired. Sign in to decide on the task."),
            exc.link,
        ) from exc
    except LinkTamperedError as exc:
        raise LinkRefusedError(TAMPERED, _("This link is not valid.")) from exc


def _refuse_used(session: Session, link: Link) -> None:
    used = session.scalar(
        select(EmailActionUse.id).where(EmailActionUse.link_digest == link.digest)
    )
    if used is not None:
        raise LinkRefusedError(USED, _("This link was already used."), link)


def _closed(session: Session, task: HumanTask, link: Link) -> LinkRefusedError:
    if task.status == TaskStatus.DONE:
        return LinkRefusedError(HANDLED, _("This task was already handled."), link)
    invoice = session.get(Invoice, task.invoice_id)
    if invoice is not None and invoice.status == InvoiceStatus.CANCELLED:
        return LinkRefusedError(WITHDRAWN, _("The invoice was withdrawn by its initiator."), link)
    return LinkRefusedError(CLOSED, _("This task is no longer open."), link)


def _not_yours(exc: InvoiceFlowError, link: Link) -> LinkRefusedError:
    """Reassigned, handed to a deputy, or the rules say no: task_access's reason is the detail."""
    detail = None if isinstance(exc, NotFoundError) else exc.message
    return LinkRefusedError(NOT_YOURS, _("This task is no longer yours to decide."), link, detail)


def _needs_second_factor(session: Session, user: User) -> bool:
    return is_enrolled(session, user.id) or second_factor_required(session, user)


def _files(session: Session, invoice_id: int) -> list[Attachment]:
    return list(
        session.scalars(
            select(Attachment)
            .where(Attachment.invoice_id == invoice_id, Attachment.removed_at.is_(None))
            .order_by(Attachment.uploaded_at, Attachment.id)
        )
    )

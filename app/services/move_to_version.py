"""Moving running invoices to a published version of their diagram: which can move (and where
each would stand), which cannot and why; an admin moves all movable ones or those chosen."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.ids import parse_id
from app.errors import NotFoundError, ValidationError
from app.i18n import _, current_language
from app.models import InstanceStatus, Invoice, ProcessInstance, ProcessVersion
from app.services import use_case
from app.services.migrate_process import (
    move_running_process,
    plan_for,
    refusal_words,
    require_admin,
)

MAX_LISTED = 500  # running invoices looked at per screen: each one is diffed


@dataclass
class MoveRow:
    """One running invoice and what a move would do to it."""

    invoice_id: int
    number: str
    from_version: int
    movable: bool
    # Where it would stand afterwards: each open task's name by language.
    waiting: list[dict] = field(default_factory=list)
    plan: object = field(default=None, repr=False)

    def why_not(self, language: str | None) -> str:
        return "" if self.movable else refusal_words(self.plan, language)


@dataclass
class MoveOverview:
    version: ProcessVersion
    rows: list[MoveRow]

    @property
    def movable(self) -> list[MoveRow]:
        return [row for row in self.rows if row.movable]

    @property
    def refused(self) -> list[MoveRow]:
        return [row for row in self.rows if not row.movable]


def move_overview(session: Session, actor, version_ref) -> MoveOverview:
    """Every running invoice on another version of the process, movable or not (nothing is
    changed). Raises PermissionDeniedError, NotFoundError."""
    require_admin(actor)
    target = _version(session, version_ref)
    instances = _running_elsewhere(session, target)
    numbers = dict(
        session.execute(
            select(Invoice.id, Invoice.number).where(
                Invoice.id.in_([i.invoice_id for i in instances])
            )
        ).all()
    )
    return MoveOverview(
        target, [_row(i, target, str(numbers.get(i.invoice_id, ""))) for i in instances]
    )


@use_case
def move_to_version(session: Session, actor, version_ref, invoice_ids=None) -> list[int]:
    """Move the chosen invoices (all movable ones when none are chosen) to the version, each
    audited with its old and new version; returns the ids moved. One transaction: when one of
    them fails to run on, none moves. Raises PermissionDeniedError, NotFoundError,
    ValidationError (nothing chosen can move, or a choice cannot), ProcessFailedError."""
    require_admin(actor)
    target = _version(session, version_ref)
    chosen = _chosen_ids(invoice_ids)
    instances = [
        i for i in _running_elsewhere(session, target) if chosen is None or i.invoice_id in chosen
    ]
    if chosen is not None and len(instances) != len(chosen):
        raise ValidationError(
            {"invoices": [_("Some chosen invoices are not running on another version.")]}
        )
    moved = []
    for instance in instances:
        plan = plan_for(instance, target)
        if not plan.movable:
            if chosen is None:
                continue  # "move all" moves the movable ones
            raise ValidationError({"invoices": [_refusal(session, instance, target, plan)]})
        move_running_process(session, actor, instance, target, plan.workflow)
        moved.append(instance.invoice_id)
    if not moved:
        raise ValidationError({"invoices": [_("No chosen invoice can move to this version.")]})
    return moved


def _refusal(session, instance, target, plan) -> str:
    number = session.get(Invoice, instance.invoice_id).number
    return str(
        _(
            "Invoice #%(number)s cannot be moved to version %(v)s: %(why)s",
            number=number,
            v=target.version,
            why=refusal_words(plan, current_language()),
        )
    )


def _row(instance: ProcessInstance, target: ProcessVersion, number: str) -> MoveRow:
    plan = plan_for(instance, target)
    waiting = [{"en": t.name, **t.name_translations()} for t in plan.waiting]
    return MoveRow(
        instance.invoice_id,
        number,
        instance.process_version.version,
        plan.movable,
        waiting,
        plan,
    )


def _version(session: Session, version_ref) -> ProcessVersion:
    version = session.get(ProcessVersion, parse_id(version_ref) or 0)
    if version is None:
        raise NotFoundError(_("Process version not found."))
    return version


def _chosen_ids(invoice_ids) -> set[int] | None:
    if invoice_ids is None:
        return None
    chosen = set()
    for value in invoice_ids if isinstance(invoice_ids, list | tuple | set) else [invoice_ids]:
        pk = parse_id(value)
        if pk is None:
            raise ValidationError(
                {"invoices": [_("%(v)s is not an invoice id.", v=str(value)[:20])]}
            )
        chosen.add(pk)
    if not chosen:
        raise ValidationError({"invoices": [_("Choose at least one invoice to move.")]})
    return chosen


def _running_elsewhere(session: Session, target: ProcessVersion) -> list[ProcessInstance]:
    others = select(ProcessVersion.id).where(
        ProcessVersion.process_id == target.process_id, ProcessVersion.id != target.id
    )
    return list(
        session.scalars(
            select(ProcessInstance)
            .where(
                ProcessInstance.status == InstanceStatus.RUNNING,
                ProcessInstance.process_version_id.in_(others),
            )
            .order_by(ProcessInstance.invoice_id)
            .limit(MAX_LISTED)
        )
    )

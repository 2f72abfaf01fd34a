"""What analysts work with: processes, their versions with the invoices on each, drafts."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.domain.ids import parse_id
from app.errors import NotFoundError, ValidationError
from app.i18n import _
from app.models import ProcessInstance, ProcessVersion
from app.models.base import utcnow
from app.models.process import ProcessDraft
from app.permissions import EDIT_PROCESSES, READ_PROCESSES, allows, require
from app.services import use_case
from app.services.process_versions import INVOICE_PROCESS
from app.services.publish_process import check_diagram, checked_tables, publish_version
from app.workflow.xml import MAX_BPMN_BYTES


@dataclass
class VersionRow:
    version: ProcessVersion
    invoices: int


def versions(session: Session, actor, process_id: str = INVOICE_PROCESS) -> list[VersionRow]:
    require(actor, READ_PROCESSES)
    counts = dict(
        session.execute(
            select(ProcessInstance.process_version_id, func.count()).group_by(
                ProcessInstance.process_version_id
            )
        ).all()
    )
    rows = session.scalars(
        select(ProcessVersion)
        .where(ProcessVersion.process_id == process_id)
        .order_by(ProcessVersion.version.desc())
    ).unique()
    return [VersionRow(v, counts.get(v.id, 0)) for v in rows]


def get_version(session: Session, actor, version_id) -> ProcessVersion:
    require(actor, READ_PROCESSES)
    version = _get(session, ProcessVersion, version_id)
    if version is None:
        raise NotFoundError(_("Process version not found."))
    return version


def drafts(session: Session, actor, process_id: str = INVOICE_PROCESS) -> list[ProcessDraft]:
    """The unpublished drafts; none for those who read the versions but edit nothing."""
    if not allows(actor, EDIT_PROCESSES):
        return []
    return list(
        session.scalars(
            select(ProcessDraft)
            .where(
                ProcessDraft.process_id == process_id, ProcessDraft.published_version_id.is_(None)
            )
            .order_by(ProcessDraft.saved_at.desc())
        ).unique()
    )


def get_draft(session: Session, actor, draft_id) -> ProcessDraft:
    require(actor, EDIT_PROCESSES)
    draft = _get(session, ProcessDraft, draft_id)
    if draft is None:
        raise NotFoundError(_("Draft not found."))
    return draft


@use_case
def save_draft(
    session: Session,
    actor,
    xml: str,
    draft_id=None,
    based_on: int | None = None,
    process_id: str = INVOICE_PROCESS,
    decision_tables: dict[str, str] | None = None,
) -> ProcessDraft:
    """Store the analyst's diagram and decision tables ({file name: DMN XML}; None keeps the
    draft's own) with the check's result on both. Raises PermissionDeniedError, NotFoundError,
    ValidationError (nothing stored)."""
    require(actor, EDIT_PROCESSES)
    _refuse_unreadable_diagram(xml)
    draft = _get(session, ProcessDraft, draft_id) if draft_id else None
    if draft_id and draft is None:
        raise NotFoundError(_("Draft not found."))
    draft = draft or ProcessDraft(process_id=process_id, based_on_version=based_on)
    if decision_tables is not None or draft.id is None:
        draft.decision_tables = checked_tables(decision_tables)
    draft.bpmn_xml = xml
    draft.saved_by_id = actor.id
    draft.saved_at = utcnow()
    problems = check_diagram(session, xml, process_id, draft.decision_tables)
    draft.problems = [asdict(p) for p in problems]
    session.add(draft)
    session.flush()
    return draft


def _refuse_unreadable_diagram(xml) -> None:
    if not isinstance(xml, str) or not xml or len(xml.encode()) > MAX_BPMN_BYTES:
        raise ValidationError({"diagram": [_("The diagram is empty or larger than 1 MB.")]})
    if "\x00" in xml:  # never valid XML, and PostgreSQL cannot store it
        message = _("The diagram contains a NUL character, which is not allowed.")
        raise ValidationError({"diagram": [message]})


@use_case
def publish_draft(session: Session, actor, draft_id, note: str) -> ProcessVersion:
    """Publish a saved draft, its diagram and its decision tables, as one version (one
    transaction). Raises what publish_process raises, and NotFoundError."""
    draft = get_draft(session, actor, draft_id)
    version = publish_version(
        session, actor, draft.bpmn_xml, note, draft.process_id, draft.decision_tables
    )
    draft.published_version_id = version.id
    return version


def draft_tables(session: Session, actor, draft: ProcessDraft) -> dict[str, str]:
    """The decision tables the editor opens with a draft: those last saved with it."""
    require(actor, EDIT_PROCESSES)
    return dict(draft.decision_tables or {})


def _get(session: Session, model, raw_id):
    pk = parse_id(raw_id)
    return session.get(model, pk) if pk else None

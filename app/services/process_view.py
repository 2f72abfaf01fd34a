"""An invoice's diagram as it ran: its own version, the path taken, who holds what now."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import ProcessInstance
from app.services.process_versions import current_version
from app.services.visibility import get_visible_invoice
from app.workflow.diagram import flows_passed, labels_in_language
from app.workflow.store import load_workflow


@dataclass
class InvoiceDiagram:
    xml: str
    version: int
    done: list[str] = field(default_factory=list)
    waiting: list[str] = field(default_factory=list)


def invoice_diagram(
    session: Session, actor, invoice_id, language: str | None = None
) -> InvoiceDiagram:
    """The diagram labelled in `language` where it names elements so. Raises NotFoundError for
    an invoice the actor may not see."""
    invoice = get_visible_invoice(session, actor, invoice_id)
    instance = session.scalars(
        select(ProcessInstance).where(ProcessInstance.invoice_id == invoice.id)
    ).first()
    if instance is None:  # a draft: the version it would start on
        version = current_version(session)
        return InvoiceDiagram(_labelled(version, language), version.version)
    done, waiting = load_workflow(instance).path_taken()
    xml = instance.process_version.bpmn_xml
    done |= flows_passed(xml, done, waiting)
    return InvoiceDiagram(
        _labelled(instance.process_version, language),
        instance.process_version.version,
        sorted(done),
        sorted(waiting),
    )


def _labelled(version, language: str | None) -> str:
    """The version's diagram in `language`: parsed and rewritten once per version and language
    in a web process, not on every card view (a version's XML never changes)."""
    return _labelled_xml(version.bpmn_xml, language)


@lru_cache(maxsize=64)  # versions x languages in use; the bound keeps memory flat
def _labelled_xml(xml: str, language: str | None) -> str:
    return labels_in_language(xml, language)

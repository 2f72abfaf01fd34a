"""Process versions: `processes/*.bpmn` seed version 1; later only a publish changes them."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.errors import InvoiceFlowError
from app.i18n import _
from app.models import ProcessVersion
from app.services import audit
from app.workflow.definitions import (
    ProcessDefinition,
    definition_for,
    load_definition,
)
from app.workflow.dmn import decision_files_beside, version_sha256

INVOICE_PROCESS = "invoice_approval"

# The note of a version loaded from processes/ at the first start; stored in these words (as
# before), shown in the reader's words by seeded_from().
SEEDED_NOTE = "seeded from {file}"


def seeded_from(note: str | None) -> str | None:
    """The file a version was loaded from, when its note is the seeding note."""
    prefix = SEEDED_NOTE.removesuffix("{file}")
    return note.removeprefix(prefix) if note and note.startswith(prefix) else None


class ProcessNotAvailableError(InvoiceFlowError):
    status_code = 503


def seed_process_versions(session: Session, folder: Path) -> list[str]:
    """Give every process that has no version yet its file as version 1 (never overrides)."""
    seeded = []
    for path in sorted(Path(folder).glob("*.bpmn")):
        process_id = path.stem
        exists = session.scalar(
            select(func.count())
            .select_from(ProcessVersion)
            .where(ProcessVersion.process_id == process_id)
        )
        if exists:
            continue
        xml = path.read_text(encoding="utf-8")
        tables = decision_files_beside(path) or None  # `<stem>.*.dmn` beside the diagram
        load_definition(xml, process_id, tables)  # refuse a file the engine cannot parse
        session.add(
            ProcessVersion(
                process_id=process_id,
                version=1,
                bpmn_xml=xml,
                decision_tables=tables,
                sha256=version_sha256(xml, tables),
                note=SEEDED_NOTE.format(file=path.name),
                is_current=True,
            )
        )
        session.flush()
        audit.record(session, "process_seeded", None, {"process": process_id, "version": 1})
        seeded.append(process_id)
    session.commit()
    return seeded


def current_version(session: Session, process_id: str = INVOICE_PROCESS) -> ProcessVersion:
    version = session.scalars(
        select(ProcessVersion).where(
            ProcessVersion.process_id == process_id, ProcessVersion.is_current.is_(True)
        )
    ).first()
    if version is None:
        raise ProcessNotAvailableError(
            _("The approval process is not set up yet: ask an administrator.")
        )
    return version


def definition_of(version: ProcessVersion) -> ProcessDefinition:
    # The version row's hash names the parsed diagram: its XML is read on first use only.
    return definition_for(
        version.sha256,
        version.process_id,
        lambda: version.bpmn_xml,
        lambda: version.decision_tables,
    )

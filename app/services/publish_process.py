"""Publishing a process version: linted first, audited with its note and the task-id diff."""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app.domain.ids import parse_id
from app.errors import InvoiceFlowError, NotFoundError, ValidationError
from app.i18n import _
from app.models import ProcessVersion
from app.models.user import Role
from app.permissions import PUBLISH, require
from app.services import audit, use_case
from app.services.process_versions import INVOICE_PROCESS
from app.workflow.dmn import MAX_DECISION_FILES, unreadable_table, version_sha256
from app.workflow.lint import Problem, has_errors, lint, task_ids
from app.workflow.xml import MAX_BPMN_BYTES, UnsafeXmlError, content_digest


class DiagramRejectedError(InvoiceFlowError):
    """Lint found errors; `problems` lists them all."""

    status_code = 422

    def __init__(self, problems: list[Problem]):
        super().__init__(_("The diagram has errors: %(n)s.", n=len(problems)))
        self.problems = problems


def existing_roles(session: Session) -> set[str]:
    return set(session.scalars(select(Role.name)))


def check_diagram(
    session: Session,
    xml: str,
    process_id: str = INVOICE_PROCESS,
    decision_tables: dict[str, str] | None = None,
) -> list[Problem]:
    return lint(xml, existing_roles(session), process_id, decision_tables)


def _require_publisher(actor) -> None:
    if actor is not None:  # None: the command line, run by whoever operates the server
        require(actor, PUBLISH)


@use_case
def publish_process(
    session: Session,
    actor,
    xml: str,
    note: str,
    process_id: str = INVOICE_PROCESS,
    decision_tables: dict[str, str] | None = None,
) -> ProcessVersion:
    """Make a diagram, with its decision tables ({file name: DMN XML}), the current version
    for new invoices: one version, checked together. `actor` None: the command line.
    Raises PermissionDeniedError, ValidationError, DiagramRejectedError."""
    return publish_version(session, actor, xml, note, process_id, decision_tables)


def publish_version(
    session: Session,
    actor,
    xml: str,
    note: str,
    process_id: str = INVOICE_PROCESS,
    decision_tables: dict[str, str] | None = None,
) -> ProcessVersion:
    """publish_process inside the caller's transaction (publishing a draft marks it too)."""
    _require_publisher(actor)
    decision_tables = checked_tables(decision_tables)
    note = (note or "").strip()
    if not note or len(note) > 500:
        raise ValidationError(
            {"note": [_("Say in a few words what changed (up to 500 characters).")]}
        )
    _refuse_the_current_version(session, xml, process_id, decision_tables)
    problems = check_diagram(session, xml, process_id, decision_tables)
    if has_errors(problems):
        raise DiagramRejectedError([p for p in problems if p.severity == "error"])
    same = session.scalar(
        select(ProcessVersion.version).where(
            ProcessVersion.process_id == process_id,
            ProcessVersion.sha256 == version_sha256(xml, decision_tables),
        )
    )
    if same is not None:
        raise ValidationError(
            {
                "diagram": [
                    _(
                        "This diagram is version %(n)s already: make that version current instead.",
                        n=same,
                    )
                ]
            }
        )
    previous = session.scalars(
        select(ProcessVersion).where(
            ProcessVersion.process_id == process_id, ProcessVersion.is_current.is_(True)
        )
    ).first()
    number = (
        session.scalar(
            select(func.max(ProcessVersion.version)).where(ProcessVersion.process_id == process_id)
        )
        or 0
    ) + 1
    session.execute(
        update(ProcessVersion)
        .where(ProcessVersion.process_id == process_id)
        .values(is_current=False)
    )
    version = ProcessVersion(
        process_id=process_id,
        version=number,
        bpmn_xml=xml,
        decision_tables=decision_tables,
        sha256=version_sha256(xml, decision_tables),
        note=note,
        is_current=True,
        published_by_id=actor.id if actor else None,
    )
    session.add(version)
    session.flush()
    before = task_ids(previous.bpmn_xml) if previous else set()
    after = task_ids(xml)
    audit.record(
        session,
        "process_published",
        actor.id if actor else None,
        {
            "process": process_id,
            "version": number,
            "note": note,
            "added": sorted(after - before),
            "removed": sorted(before - after),
            **({"decision_tables": sorted(decision_tables)} if decision_tables else {}),
        },
    )
    return version


def checked_tables(tables: dict[str, str] | None) -> dict[str, str] | None:
    """The tables as stored: None without any; refused past the limits (count and size)."""
    if not tables:
        return None
    if (
        not isinstance(tables, dict)
        or len(tables) > MAX_DECISION_FILES
        or any(
            not isinstance(name, str) or not name.endswith(".dmn") or not isinstance(text, str)
            for name, text in tables.items()
        )
    ):
        message = _("Up to %(n)s decision tables, each a .dmn file.", n=MAX_DECISION_FILES)
        raise ValidationError({"decision_tables": [message]})
    if any(len(t.encode()) > MAX_BPMN_BYTES or "\x00" in t for t in tables.values()):
        message = _("A decision table is empty, larger than 1 MB or holds a NUL character.")
        raise ValidationError({"decision_tables": [message]})
    unreadable = [unreadable_table(name, text) for name, text in sorted(tables.items())]
    if any(unreadable):
        raise ValidationError({"decision_tables": [m for m in unreadable if m]})
    return dict(sorted(tables.items()))


def _refuse_the_current_version(
    session: Session, xml: str, process_id: str, decision_tables: dict | None = None
) -> None:
    """Nothing to publish when the diagram and its tables say what the current version says,
    however the editor wrote them out."""
    current = session.scalars(
        select(ProcessVersion).where(
            ProcessVersion.process_id == process_id, ProcessVersion.is_current.is_(True)
        )
    ).first()
    try:
        if current is None or content_digest(xml) != content_digest(current.bpmn_xml):
            return
        if _digests(decision_tables) != _digests(current.decision_tables):
            return
    except UnsafeXmlError:  # not a diagram: the check says why
        return
    raise ValidationError(
        {
            "diagram": [
                _(
                    "Nothing to publish: this diagram is version %(n)s already, the current "
                    "one. Change the diagram first.",
                    n=current.version,
                )
            ]
        }
    )


def _digests(tables: dict | None) -> dict:
    return {name: content_digest(text) for name, text in (tables or {}).items()}


@use_case
def make_current(session: Session, actor, version_id) -> ProcessVersion:
    """Put an earlier version back in use for new invoices. Raises PermissionDeniedError,
    NotFoundError."""
    _require_publisher(actor)
    pk = parse_id(version_id)
    version = session.get(ProcessVersion, pk) if pk else None
    if version is None:
        raise NotFoundError(_("Process version not found."))
    session.execute(
        update(ProcessVersion)
        .where(ProcessVersion.process_id == version.process_id)
        .values(is_current=False)
    )
    version.is_current = True
    audit.record(
        session,
        "process_version_made_current",
        actor.id if actor else None,
        {"process": version.process_id, "version": version.version},
    )
    return version

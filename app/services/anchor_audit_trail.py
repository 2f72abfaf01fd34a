"""Writing an anchor: `flask audit anchor` and the worker's step. A new anchor is written only
if the database still agrees with the previous one, the folder's chain is whole at its end, and
no event has waited longer than the worker allows: a trail that contradicts its last anchor, or
one that follows an anchor put back in place of newer ones, is never blessed by a newer anchor.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.orm import Session

from app.errors import InvoiceFlowError
from app.i18n import _
from app.services import use_case
from app.services.audit_anchor import (
    AnchorProblem,
    AnchorSettings,
    anchoring_overdue,
    check_against_anchor,
    heads_and_last_id,
    last_event_id,
    overdue_message,
)
from app.services.audit_anchor_file import (
    LATEST,
    Anchor,
    anchor_document,
    parse_time,
    read_anchor,
    read_header,
    replace_atomically,
    timestamped_name,
)
from app.services.audit_anchor_folder import check_folder

# PostgreSQL advisory lock held while an anchor is written: workers on several machines share
# the folder, and two writing at once would give two anchors the same sequence number.
_WRITER_LOCK = 0x1F0A_A7C4


class AnchorContradictedError(InvoiceFlowError):
    """The database disagrees with the newest anchor: no newer anchor may bless it."""

    def __init__(self, message: str, problems: list[AnchorProblem]):
        super().__init__(message)
        self.problems = problems


class AnchorFolderBrokenError(InvoiceFlowError):
    """The anchor folder's chain is broken at its end: a newer anchor would extend a forgery."""


class AnchoringOverdueError(InvoiceFlowError):
    """Events waited longer than the worker allows: newer anchors may have been removed."""


class AnchorWriterBusyError(InvoiceFlowError):
    """Another process is writing an anchor right now."""

    status_code = 409


@use_case
def anchor_audit_trail(
    session: Session,
    actor,
    now: datetime,
    settings: AnchorSettings,
    file: str | os.PathLike | None = None,
    accept_gap: bool = False,
) -> tuple[Path, int]:
    """Write the heads now into the settings' folder (a new file, and the newest under a stable
    name) or into `file`; return (path, chains). `accept_gap` writes over events left unanchored
    too long (after checking the folder against its copy). Raises AnchorContradictedError,
    AnchorFolderBrokenError, AnchoringOverdueError, AnchorRejectedError (unreadable anchor),
    AnchorWriterBusyError."""
    if not _hold_writer_lock(session):
        raise AnchorWriterBusyError(_("Another process is writing an anchor: try again."))
    return _write(session, now, settings, file, accept_gap)


def anchor_if_due(session: Session, settings: AnchorSettings, now: datetime) -> Path | None:
    """The worker's step: write an anchor when the interval since the newest has passed and
    events were appended since; otherwise nothing. Raises what anchor_audit_trail raises."""
    if not settings.directory or not _hold_writer_lock(session):
        return None
    latest = Path(settings.directory) / LATEST
    header = read_header(latest) if latest.exists() else None
    if header is not None:
        due = parse_time(header["written_at"]) + timedelta(seconds=settings.interval_seconds)
        if now < due or header.get("last_event_id") == last_event_id(session):
            return None
    return _write(session, now, settings, None, False)[0]


def _write(session, now, settings: AnchorSettings, file, accept_gap) -> tuple[Path, int]:
    previous = _previous_anchor(settings, file)
    if previous is not None:
        _refuse_contradicted(session, previous)
        since = None if accept_gap or file else anchoring_overdue(session, previous, settings, now)
        if since is not None:
            raise AnchoringOverdueError(
                f"{overdue_message(since, settings)} "
                + _(
                    "No anchor is written over that gap: compare the anchor folder with its "
                    "off-host copy, then `flask audit anchor --accept-gap` resumes anchoring."
                )
            )
    heads, last_id = heads_and_last_id(session)
    data = anchor_document(heads.values(), now, last_id, settings.hmac_key, previous)
    if file:
        return replace_atomically(Path(file), data), len(heads)
    folder = Path(settings.directory)
    path = replace_atomically(folder / timestamped_name(now), data)
    replace_atomically(folder / LATEST, data)
    return path, len(heads)


def _previous_anchor(settings: AnchorSettings, file) -> Anchor | None:
    """The anchor the new one follows: `file` as it is, or the folder's newest once its chain
    is whole at its end (heads-latest.jsonl is the newest, which follows the one before)."""
    if file:
        return read_anchor(Path(file), settings.hmac_key) if Path(file).exists() else None
    folder = check_folder(Path(settings.directory), whole=False)
    if folder.problems:
        raise AnchorFolderBrokenError(
            _(
                "The anchor folder %(path)s is not whole, so no newer anchor is written: "
                "%(problems)s",
                path=settings.directory,
                problems=" ".join(str(p) for p in folder.problems),
            )
        )
    return read_anchor(folder.newest, settings.hmac_key) if folder.newest else None


def _refuse_contradicted(session: Session, previous: Anchor) -> None:
    problems = check_against_anchor(session, previous)
    if problems:
        raise AnchorContradictedError(
            _(
                "The audit trail contradicts the anchor %(path)s, so no newer anchor is "
                "written: %(problems)s",
                path=str(previous.path),
                problems=" ".join(p.message for p in problems),
            ),
            problems,
        )


def _hold_writer_lock(session: Session) -> bool:
    """Take the writers' lock until the transaction ends (PostgreSQL; SQLite runs one worker)."""
    if session.get_bind().dialect.name != "postgresql":
        return True
    return bool(
        session.scalar(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": _WRITER_LOCK})
    )

"""Verifying the audit trail: every chain walked, its heads held against an anchor kept outside
the database (a folder's whole chain of anchors checked), every stored file re-hashed."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from app.i18n import _
from app.services import use_case
from app.services.audit import ChainReport, verify
from app.services.audit_anchor import (
    AnchorProblem,
    AnchorSettings,
    anchor_contradictions,
    anchoring_overdue,
    overdue_message,
)
from app.services.audit_anchor_file import Anchor, AnchorRejectedError, read_anchor
from app.services.audit_anchor_folder import AnchorFolder, check_folder
from app.services.audit_files import FileCheck, verify_files
from app.storage import FileStorage


@dataclass
class AuditVerdict:
    chains: list[ChainReport] = field(default_factory=list)
    anchor: Anchor | None = None
    # Why the anchor given was refused (unreadable, HMAC missing or not matching).
    anchor_refused: str | None = None
    anchor_problems: list[AnchorProblem] = field(default_factory=list)
    # The chain of anchors, when a folder was given.
    folder: AnchorFolder | None = None
    # Why the anchor does not count as signed, when a signature is required.
    unsigned: str | None = None
    # Worth a look but no proof of tampering: they fail the verdict only when `strict`.
    warnings: list[str] = field(default_factory=list)
    strict: bool = False
    not_anchored: list[str] = field(default_factory=list)
    files: FileCheck | None = None

    @property
    def broken(self) -> list[ChainReport]:
        return [report for report in self.chains if report.broken_at is not None]

    @property
    def ok(self) -> bool:
        return not (
            self.broken
            or self.anchor_refused
            or self.anchor_problems
            or (self.folder is not None and self.folder.problems)
            or self.unsigned
            or (self.strict and self.warnings)
            or (self.files is not None and self.files.problems)
        )


@use_case
def verify_audit_trail(
    session: Session,
    actor,
    now: datetime,
    heads: Path | None = None,
    settings: AnchorSettings | None = None,
    storage: FileStorage | None = None,
    strict: bool = False,
    require_signature: bool = False,
) -> AuditVerdict:
    """Walk every chain; with `heads` (an anchor file, or a folder: its chain of anchors checked,
    its newest used) compare with the anchor; with `storage` re-hash every file. Problems and
    warnings are in the verdict; raises nothing."""
    verdict = AuditVerdict(strict=strict)
    anchor = _anchor(verdict, heads, settings.hmac_key if settings else None)
    anchored = {c.chain: c.length for c in anchor.chains.values()} if anchor else None
    verdict.chains = verify(session, anchored)
    if anchor is not None:
        verdict.anchor = anchor
        verdict.anchor_problems = anchor_contradictions(
            anchor,
            {r.chain: r.last_sequence for r in verdict.chains},
            {r.chain: r.anchored_hash for r in verdict.chains if r.anchored_hash is not None},
        )
        verdict.not_anchored = [r.chain for r in verdict.chains if r.chain not in anchor.chains]
        if require_signature and anchor.signed is not True:
            verdict.unsigned = _unsigned(anchor)
        watched = verdict.folder is not None and settings is not None
        since = anchoring_overdue(session, anchor, settings, now) if watched else None
        if since is not None:
            verdict.warnings.append(str(overdue_message(since, settings)))
    if storage is not None:
        verdict.files = verify_files(session, storage)
    return verdict


def _anchor(verdict: AuditVerdict, heads: Path | None, hmac_key: str | None) -> Anchor | None:
    if heads is None:
        return None
    path = Path(heads)
    try:
        if path.is_dir():
            verdict.folder = check_folder(path)
            if verdict.folder.newest is None:
                raise AnchorRejectedError(_("No anchor file in %(path)s.", path=str(path)))
            path = verdict.folder.newest
        return read_anchor(path, hmac_key)
    except AnchorRejectedError as exc:
        verdict.anchor_refused = str(exc.message)
        return None


def _unsigned(anchor: Anchor) -> str:
    if anchor.signed is None:
        return str(
            _(
                "The anchor %(path)s carries an HMAC, but no AUDIT_ANCHOR_HMAC_KEY is set to "
                "check it, and a signature is required.",
                path=str(anchor.path),
            )
        )
    return str(
        _(
            "The anchor %(path)s is unsigned, and a signature is required: anyone who can "
            "write the anchor folder could have written it.",
            path=str(anchor.path),
        )
    )

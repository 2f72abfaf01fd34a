"""Verifying the audit trail: every chain walked, its heads held against an anchor kept outside
the database, every stored file re-hashed."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.orm import Session

from app.services import use_case
from app.services.audit import ChainReport, verify
from app.services.audit_anchor import AnchorProblem, anchor_contradictions
from app.services.audit_anchor_file import Anchor, AnchorRejectedError, read_anchor, resolve_anchor
from app.services.audit_files import FileCheck, verify_files
from app.storage import LocalFileStorage


@dataclass
class AuditVerdict:
    chains: list[ChainReport]
    anchor: Anchor | None = None
    # Why the anchor given was refused (unreadable, HMAC missing or not matching).
    anchor_refused: str | None = None
    anchor_problems: list[AnchorProblem] = field(default_factory=list)
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
            or (self.files is not None and self.files.problems)
        )


@use_case
def verify_audit_trail(
    session: Session,
    actor,
    heads: Path | None = None,
    hmac_key: str | None = None,
    storage: LocalFileStorage | None = None,
) -> AuditVerdict:
    """Walk every chain; with `heads` (an anchor file or a folder of them) compare with the
    anchor; with `storage` re-hash every file. Problems are in the verdict; raises nothing."""
    anchor, refused = _anchor(heads, hmac_key)
    anchored = {c.chain: c.length for c in anchor.chains.values()} if anchor else None
    verdict = AuditVerdict(verify(session, anchored), anchor, refused)
    if anchor is not None:
        verdict.anchor_problems = anchor_contradictions(
            anchor,
            {r.chain: r.last_sequence for r in verdict.chains},
            {r.chain: r.anchored_hash for r in verdict.chains if r.anchored_hash is not None},
        )
        verdict.not_anchored = [r.chain for r in verdict.chains if r.chain not in anchor.chains]
    if storage is not None:
        verdict.files = verify_files(session, storage)
    return verdict


def _anchor(heads: Path | None, hmac_key: str | None) -> tuple[Anchor | None, str | None]:
    if heads is None:
        return None, None
    try:
        return read_anchor(resolve_anchor(Path(heads)), hmac_key), None
    except AnchorRejectedError as exc:
        return None, str(exc.message)

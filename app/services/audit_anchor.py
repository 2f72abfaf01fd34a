"""Anchors: the audit chains' heads written outside the database (the file's format is in
audit_anchor_file). Anyone who can rewrite the database can recompute a chain's hashes, delete
its last events or delete it whole; none of that changes an anchor kept where the database's
users cannot write, so `verify --heads` shows it.

A new anchor is written only if the database still agrees with the previous one: a trail that
contradicts its last anchor is never blessed by a newer one.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import and_, func, select, tuple_
from sqlalchemy.orm import Session

from app.errors import InvoiceFlowError
from app.i18n import _
from app.models.audit import AuditEvent
from app.services import use_case
from app.services.audit_anchor_file import (
    LATEST,
    Anchor,
    AnchoredChain,
    anchor_document,
    newest_anchor_file,
    parse_time,
    read_anchor,
    read_header,
    replace_atomically,
    timestamped_name,
)

_LOOKUP_BATCH = 500


class AnchorContradictedError(InvoiceFlowError):
    """The database disagrees with the newest anchor: no newer anchor may bless it."""

    def __init__(self, message: str, problems: list[AnchorProblem]):
        super().__init__(message)
        self.problems = problems


@dataclass(frozen=True)
class AnchorProblem:
    chain: str
    sequence: int
    message: str


# --------------------------------------------------------------------------- the database side


def current_heads(session: Session) -> dict[str, AnchoredChain]:
    """Every chain's last event: one grouped query on the (chain, sequence) index."""
    last = (
        select(AuditEvent.chain, func.max(AuditEvent.sequence).label("length"))
        .group_by(AuditEvent.chain)
        .subquery()
    )
    rows = session.execute(
        select(AuditEvent.chain, AuditEvent.sequence, AuditEvent.hash).join(
            last, and_(AuditEvent.chain == last.c.chain, AuditEvent.sequence == last.c.length)
        )
    )
    return {row.chain: AnchoredChain(row.chain, row.sequence, row.hash) for row in rows}


def last_event_id(session: Session) -> int | None:
    return session.scalar(select(func.max(AuditEvent.id)))


def _stored_hashes(session: Session, positions: list[tuple[str, int]]) -> dict[str, str]:
    """{chain: hash of its event at the given sequence} for (chain, sequence) pairs."""
    found: dict[str, str] = {}
    for start in range(0, len(positions), _LOOKUP_BATCH):
        batch = positions[start : start + _LOOKUP_BATCH]
        rows = session.execute(
            select(AuditEvent.chain, AuditEvent.hash).where(
                tuple_(AuditEvent.chain, AuditEvent.sequence).in_(batch)
            )
        )
        found.update((row.chain, row.hash) for row in rows)
    return found


# --------------------------------------------------------------------------- the one rule


def anchor_contradictions(
    anchor: Anchor, last_sequences: dict[str, int], hashes_at_anchor: dict[str, str]
) -> list[AnchorProblem]:
    """What the database says against the anchor: `last_sequences` is each chain's last
    sequence now, `hashes_at_anchor` the hash stored now at the sequence the anchor recorded."""
    problems = []
    for anchored in anchor.chains.values():
        problem = _contradiction(anchored, last_sequences.get(anchored.chain), hashes_at_anchor)
        if problem is not None:
            problems.append(AnchorProblem(anchored.chain, anchored.length, str(problem)))
    return problems


def _contradiction(anchored: AnchoredChain, last: int | None, hashes: dict[str, str]):
    values = {"chain": anchored.chain, "length": anchored.length}
    stored = hashes.get(anchored.chain)
    if last is None:
        return _(
            "Chain %(chain)s was deleted: the anchor holds %(length)s events, the database none.",
            **values,
        )
    if stored is None and last < anchored.length:
        return _(
            "Chain %(chain)s lost its last events: the database ends at event %(last)s, the "
            "anchor holds %(length)s (events %(first)s to %(length)s were deleted).",
            last=last,
            first=last + 1,
            **values,
        )
    if stored is None:
        return _(
            "Chain %(chain)s: event %(length)s, the head the anchor holds, is missing.", **values
        )
    if stored != anchored.head:
        return _(
            "Chain %(chain)s was rewritten: the hash of event %(length)s differs from the "
            "head the anchor holds (its hashes were recomputed).",
            **values,
        )
    return None


def check_against_anchor(session: Session, anchor: Anchor) -> list[AnchorProblem]:
    """The anchor's rule applied with a few queries (the heads, and the events the anchor
    names on chains that grew since), without walking the chains."""
    heads = current_heads(session)
    grown = [
        (chain, anchored.length)
        for chain, anchored in anchor.chains.items()
        if chain in heads and heads[chain].length > anchored.length
    ]
    hashes = _stored_hashes(session, grown)
    hashes |= {
        chain: heads[chain].head
        for chain, anchored in anchor.chains.items()
        if chain in heads and heads[chain].length == anchored.length
    }
    return anchor_contradictions(anchor, {c: h.length for c, h in heads.items()}, hashes)


# --------------------------------------------------------------------------- writing


@use_case
def anchor_audit_trail(
    session: Session,
    actor,
    now: datetime,
    directory: str | os.PathLike | None = None,
    file: str | os.PathLike | None = None,
    hmac_key: str | None = None,
) -> tuple[Path, int]:
    """Write the heads now into `directory` (a new file, and the newest under a stable name)
    or into `file`; return (path, chains). Raises AnchorContradictedError when the database
    disagrees with the anchor it would follow, AnchorRejectedError when that one is unreadable."""
    previous_path = Path(file) if file else newest_anchor_file(Path(directory))
    previous = (
        read_anchor(previous_path, hmac_key) if previous_path and previous_path.exists() else None
    )
    return _write(session, now, previous, directory, file, hmac_key)


def anchor_if_due(
    session: Session,
    directory: str | os.PathLike | None,
    interval_seconds: int,
    hmac_key: str | None,
    now: datetime,
) -> Path | None:
    """The worker's step: write an anchor when the interval since the newest has passed and
    events were appended since; otherwise nothing. Raises AnchorContradictedError."""
    if not directory:
        return None
    latest = Path(directory) / LATEST
    header = read_header(latest) if latest.exists() else None
    if header is not None:
        due = parse_time(header["written_at"]) + timedelta(seconds=interval_seconds)
        if now < due or header.get("last_event_id") == last_event_id(session):
            return None
    previous = read_anchor(latest, hmac_key) if latest.exists() else None
    return _write(session, now, previous, directory, None, hmac_key)[0]


def _write(session, now, previous, directory, file, hmac_key) -> tuple[Path, int]:
    if previous is not None:
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
    last_id = last_event_id(session)
    heads = current_heads(session)
    data = anchor_document(heads.values(), now, last_id, hmac_key)
    if file:
        return replace_atomically(Path(file), data), len(heads)
    folder = Path(directory)
    path = replace_atomically(folder / timestamped_name(now), data)
    replace_atomically(folder / LATEST, data)
    return path, len(heads)

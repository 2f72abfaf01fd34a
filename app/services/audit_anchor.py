"""Anchors: the audit chains' heads written outside the database (the file's format is in
audit_anchor_file, the folder's chain of anchors in audit_anchor_folder, writing them in
anchor_audit_trail). Anyone who can rewrite the database can recompute a chain's hashes, delete
its last events or delete it whole; none of that changes an anchor kept where the database's
users cannot write, so `verify --heads` shows it. The rules both sides apply are here: what the
database says against an anchor, and when events have waited too long for one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, func, select, true, tuple_
from sqlalchemy.orm import Session

from app.i18n import _
from app.models.audit import AuditEvent
from app.services.audit_anchor_file import Anchor, AnchoredChain

_LOOKUP_BATCH = 500


@dataclass(frozen=True)
class AnchorProblem:
    chain: str
    sequence: int
    message: str


@dataclass(frozen=True)
class AnchorSettings:
    directory: str | None
    interval_seconds: int
    # Beyond the interval, how long an event may wait for its anchor (worker restarts, a
    # deploy) before its absence means anchors were removed.
    margin_seconds: int
    hmac_key: str | None

    @classmethod
    def from_config(cls, config) -> AnchorSettings:
        return cls(
            config["AUDIT_ANCHOR_DIR"] or None,
            config["AUDIT_ANCHOR_INTERVAL_SECONDS"],
            config["AUDIT_ANCHOR_MARGIN_SECONDS"],
            config["AUDIT_ANCHOR_HMAC_KEY"] or None,
        )


# --------------------------------------------------------------------------- the database side


def current_heads(session: Session) -> dict[str, AnchoredChain]:
    """Every chain's last event: one grouped query on the (chain, sequence) index."""
    return heads_and_last_id(session)[0]


def heads_and_last_id(session: Session) -> tuple[dict[str, AnchoredChain], int | None]:
    """The heads and the newest event's id from one statement, so they agree (the newest event
    heads its chain): the anchor written from them holds no event with a larger id."""
    last = (
        select(AuditEvent.chain, func.max(AuditEvent.sequence).label("length"))
        .group_by(AuditEvent.chain)
        .subquery()
    )
    rows = session.execute(
        select(AuditEvent.chain, AuditEvent.sequence, AuditEvent.hash, AuditEvent.id).join(
            last, and_(AuditEvent.chain == last.c.chain, AuditEvent.sequence == last.c.length)
        )
    ).all()
    heads = {row.chain: AnchoredChain(row.chain, row.sequence, row.hash) for row in rows}
    return heads, max((row.id for row in rows), default=None)


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


# --------------------------------------------------------------------------- overdue


def anchoring_overdue(
    session: Session, anchor: Anchor, settings: AnchorSettings, now: datetime
) -> datetime | None:
    """When the oldest event the anchor does not hold was written, if the worker should have
    anchored it by `now`; else None. After `anchor` the worker writes the next one once the
    interval has passed, at the first pass after an event: an event still waiting a margin
    beyond that means newer anchors may have been removed (or the worker was stopped)."""
    newer = AuditEvent.id > anchor.last_event_id if anchor.last_event_id is not None else true()
    since = session.scalar(select(func.min(AuditEvent.created_at)).where(newer))
    if since is None:
        return None
    due = max(since, anchor.written_at + timedelta(seconds=settings.interval_seconds))
    return since if now > due + timedelta(seconds=settings.margin_seconds) else None


def overdue_message(since: datetime, settings: AnchorSettings):
    return _(
        "Events since %(time)s UTC are not anchored although the worker anchors every "
        "%(interval)s s: anchors may have been removed.",
        time=since.strftime("%Y-%m-%d %H:%M:%S"),
        interval=settings.interval_seconds,
    )

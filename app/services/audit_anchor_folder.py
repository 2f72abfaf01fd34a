"""The anchor folder as a chain: each anchor carries its sequence number and the SHA-256 of the
anchor before it (under its HMAC), so a timestamped file removed, replaced or put back breaks
the chain, and heads-latest.jsonl must be the newest timestamped file.

Removing the newest files together with heads-latest.jsonl leaves a chain that is whole: the
folder alone cannot show that. audit_anchor.anchoring_overdue catches it from the database's
side (events left unanchored for longer than the worker allows), and anchors kept where nobody
can delete them (write-once or off-host storage) prevent it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from app.i18n import _
from app.services.audit_anchor_file import (
    LATEST,
    PATTERN,
    AnchorLink,
    AnchorRejectedError,
    read_link,
)


@dataclass
class AnchorFolder:
    directory: Path
    # The anchor to hold the database against: the newest timestamped file (heads-latest.jsonl
    # only when it is alone, which is itself a problem).
    newest: Path | None = None
    links: list[AnchorLink] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def sequences(self) -> tuple[int | None, int | None]:
        """The first and last sequence numbers of the chained anchors checked."""
        numbered = [link.sequence for link in self.links if link.sequence is not None]
        return (numbered[0], numbered[-1]) if numbered else (None, None)


def timestamped_anchors(directory: Path) -> list[Path]:
    """heads-<time>.jsonl files, oldest first (their names sort by time)."""
    return sorted(p for p in directory.glob(PATTERN) if p.name != LATEST)


def check_folder(directory: Path, whole: bool = True) -> AnchorFolder:
    """The folder's chain of anchors: every link when `whole`, else only the newest (what the
    worker extends on every anchor, without re-reading the whole history)."""
    files = timestamped_anchors(directory)
    latest = directory / LATEST
    folder = AnchorFolder(directory, files[-1] if files else (latest if latest.exists() else None))
    links: list[AnchorLink | None] = []
    for path in files if whole else files[-2:]:
        try:
            links.append(read_link(path))
        except AnchorRejectedError as exc:
            folder.problems.append(str(exc.message))
            links.append(None)
    folder.links = [link for link in links if link is not None]
    folder.problems += _latest_problems(directory, files, links[-1] if links else None)
    for before, after in zip(links, links[1:], strict=False):
        if before is not None and after is not None:
            folder.problems += _link_problems(before, after)
    return folder


def _latest_problems(directory: Path, files: list[Path], newest: AnchorLink | None) -> list[str]:
    latest = directory / LATEST
    values = {"latest": LATEST, "folder": str(directory)}
    if not files:
        if latest.exists():
            return [
                _(
                    "%(folder)s holds %(latest)s but no timestamped anchor: the anchors were "
                    "removed.",
                    **values,
                )
            ]
        return []
    if not latest.exists():
        return [_("%(latest)s is missing from %(folder)s.", **values)]
    if newest is None or latest.read_bytes() == newest.path.read_bytes():
        return []
    return [_latest_differs(latest, newest)]


def _latest_differs(latest: Path, newest: AnchorLink) -> str:
    values = {"latest": LATEST, "newest": newest.path.name, "sequence": newest.sequence}
    try:
        behind = read_link(latest).sequence
    except AnchorRejectedError:
        behind = None
    if behind is not None and newest.sequence is not None and behind < newest.sequence:
        return _(
            "%(latest)s is anchor %(behind)s, behind the newest anchor %(newest)s (anchor "
            "%(sequence)s): an older anchor was put back in its place.",
            behind=behind,
            **values,
        )
    return _(
        "%(latest)s differs from the newest anchor %(newest)s: one of them was replaced.",
        latest=LATEST,
        newest=newest.path.name,
    )


def _link_problems(before: AnchorLink, after: AnchorLink) -> list[str]:
    values = {"before": before.path.name, "after": after.path.name}
    if after.sequence is None:
        if before.sequence is None:
            return []  # both of the unchained format: nothing links them
        return [
            _(
                "%(after)s, of the unchained format, follows the chained anchor %(before)s.",
                **values,
            )
        ]
    expected = (before.sequence or 0) + 1
    if after.sequence == expected + 1:
        return [
            _(
                "Anchor %(missing)s is missing between %(before)s and %(after)s.",
                missing=expected,
                **values,
            )
        ]
    if after.sequence > expected:
        return [
            _(
                "Anchors %(first)s to %(last)s are missing between %(before)s and %(after)s.",
                first=expected,
                last=after.sequence - 1,
                **values,
            )
        ]
    if after.sequence < expected:
        return [
            _(
                "%(after)s is anchor %(sequence)s but follows anchor %(previous)s, %(before)s: "
                "the anchors are out of order.",
                sequence=after.sequence,
                previous=before.sequence,
                **values,
            )
        ]
    if after.previous_sha256 != before.sha256:
        return [
            _(
                "%(after)s does not follow %(before)s: the SHA-256 it records of the anchor "
                "before it differs (that anchor was replaced).",
                **values,
            )
        ]
    return []

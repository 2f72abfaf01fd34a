"""The anchor file: its format, written atomically, and read back only if it is intact.

An anchor is a JSON-lines file: a header line (format, time written, the last event id, the
number of chains, its sequence number and the SHA-256 of the anchor before it), one line per
chain (its name, its last sequence number, which is its length while intact, and the hash of
that event), and, when a key is set, a last line with an HMAC-SHA256 of every byte before it,
so the link to the previous anchor is signed too. Files of the first format (no sequence, no
link) are still read: a chain of anchors may begin after them.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from app.errors import InvoiceFlowError
from app.i18n import _

FORMAT = "invoiceflow-audit-heads/2"
UNCHAINED_FORMAT = "invoiceflow-audit-heads/1"
LATEST = "heads-latest.jsonl"
PATTERN = "heads-*.jsonl"
HMAC_FIELD = "hmac_sha256"
# Naive UTC like the database's times.
TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


class AnchorRejectedError(InvoiceFlowError):
    """The anchor file cannot be trusted or read: it proves nothing."""


@dataclass(frozen=True)
class AnchoredChain:
    chain: str
    length: int
    head: str


@dataclass(frozen=True)
class Anchor:
    path: Path
    written_at: datetime
    last_event_id: int | None
    chains: dict[str, AnchoredChain]
    # True: its HMAC was checked and matches; None: it carries one, but no key was given.
    signed: bool | None = False
    # Its place in the folder's chain (None: a file of the unchained format), the SHA-256 it
    # records of the anchor before it, and the SHA-256 of its own bytes.
    sequence: int | None = None
    previous_sha256: str | None = None
    sha256: str = ""


@dataclass(frozen=True)
class AnchorLink:
    """What the chain of anchors needs of one file: its header and the digest of its bytes."""

    path: Path
    sequence: int | None
    previous_sha256: str | None
    sha256: str


# --------------------------------------------------------------------------- writing


def anchor_document(
    chains,
    written_at: datetime,
    last_id: int | None,
    key: str | None,
    follows: Anchor | None = None,
) -> bytes:
    """The bytes of an anchor that comes after `follows` (None: the first of its chain)."""
    header = {
        "format": FORMAT,
        "written_at": written_at.strftime(TIME_FORMAT),
        "last_event_id": last_id,
        "chains": 0,
        "sequence": (follows.sequence or 0) + 1 if follows else 1,
        "previous_sha256": follows.sha256 if follows else None,
    }
    lines = [
        _line({"chain": c.chain, "length": c.length, "head": c.head})
        for c in sorted(chains, key=lambda c: c.chain)
    ]
    header["chains"] = len(lines)
    body = _line(header) + b"".join(lines)
    if key:
        body += _line({HMAC_FIELD: _mac(key, body)})
    return body


def _line(value: dict) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":")).encode() + b"\n"


def _mac(key: str, body: bytes) -> str:
    return hmac.new(key.encode(), body, hashlib.sha256).hexdigest()


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def replace_atomically(path: Path, data: bytes) -> Path:
    """Write a temporary file beside `path`, flush it to disk, rename it over `path`: a reader
    sees the old anchor or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


# --------------------------------------------------------------------------- reading


def read_anchor(path: Path, hmac_key: str | None) -> Anchor:
    """Parse and authenticate an anchor. Raises AnchorRejectedError saying why it is refused."""
    try:
        raw = path.read_bytes()
        lines = raw.splitlines(keepends=True)
        header = _header(lines)
        signed = _authenticate(path, raw, lines, hmac_key)
        body = lines[1 : len(lines) - (signed is not False)]
        chains = {c.chain: c for c in map(_anchored_chain, body)}
        if len(chains) != header["chains"] or len(body) != header["chains"]:
            raise ValueError("chain count differs from the header")
        written_at = parse_time(header["written_at"])
        sequence, previous = _link(header)
        last_id = header.get("last_event_id")
        if not (last_id is None or _is_number(last_id)):
            raise ValueError("the last event id is malformed")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise AnchorRejectedError(
            _("The anchor %(path)s is not a heads file (%(why)s).", path=str(path), why=str(exc))
        ) from exc
    return Anchor(
        path,
        written_at,
        last_id,
        chains,
        signed,
        sequence,
        previous,
        digest(raw),
    )


def read_link(path: Path) -> AnchorLink:
    """The header and digest of an anchor, without its HMAC: an anchor's link to the one before
    it is vouched for by the next one's digest of it, up to the newest, which is authenticated.
    Raises AnchorRejectedError."""
    try:
        raw = path.read_bytes()
        sequence, previous = _link(_header(raw.splitlines(keepends=True)))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise AnchorRejectedError(
            _("The anchor %(path)s is not a heads file (%(why)s).", path=str(path), why=str(exc))
        ) from exc
    return AnchorLink(path, sequence, previous, digest(raw))


def _header(lines: list[bytes]) -> dict:
    header = json.loads(lines[0]) if lines else None
    if not isinstance(header, dict) or header.get("format") not in (FORMAT, UNCHAINED_FORMAT):
        raise ValueError("no heads header")
    return header


def _link(header: dict) -> tuple[int | None, str | None]:
    """(sequence, SHA-256 of the previous anchor); (None, None) for the unchained format."""
    if header["format"] == UNCHAINED_FORMAT:
        return None, None
    sequence, previous = header["sequence"], header["previous_sha256"]
    if not (_is_number(sequence) and sequence >= 1):
        raise ValueError("the sequence number is malformed")
    if not (previous is None or isinstance(previous, str)):
        raise ValueError("the previous anchor's SHA-256 is malformed")
    return sequence, previous


def _authenticate(path: Path, raw: bytes, lines: list[bytes], key: str | None) -> bool | None:
    """True when the HMAC matches the key; None when there is one but no key; False when there
    is none and no key. Raises AnchorRejectedError for a mismatch or a missing HMAC."""
    last = json.loads(lines[-1]) if len(lines) > 1 else {}
    mac = last.get(HMAC_FIELD) if isinstance(last, dict) else None
    if mac is None:
        if key:
            raise AnchorRejectedError(
                _(
                    "The anchor %(path)s carries no HMAC although an HMAC key is set: it is "
                    "refused.",
                    path=str(path),
                )
            )
        return False
    if not key:
        return None
    body = raw[: len(raw) - len(lines[-1])]
    if not hmac.compare_digest(str(mac), _mac(key, body)):
        raise AnchorRejectedError(
            _(
                "The anchor %(path)s is refused: its HMAC does not match (the file was altered "
                "or written with another key).",
                path=str(path),
            )
        )
    return True


def _is_number(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _anchored_chain(line: bytes) -> AnchoredChain:
    item = json.loads(line)
    chain, length, head = item["chain"], item["length"], item["head"]
    if not (isinstance(chain, str) and isinstance(length, int) and isinstance(head, str)):
        raise ValueError("a chain line is malformed")
    return AnchoredChain(chain, length, head)


def read_header(path: Path) -> dict | None:
    """The first line only: the worker reads it on every pass."""
    try:
        with path.open("rb") as source:
            header = json.loads(source.readline())
        parse_time(header["written_at"])
    except (OSError, ValueError, KeyError, TypeError):
        return None  # unreadable: treat as due, and reading it in full says why
    return header if isinstance(header, dict) else None


def parse_time(text: str) -> datetime:
    return datetime.strptime(text, TIME_FORMAT)


def timestamped_name(written_at: datetime) -> str:
    """heads-<UTC time>.jsonl: sorting the names sorts the anchors by time."""
    return f"heads-{written_at.strftime('%Y%m%dT%H%M%S.%fZ')}.jsonl"

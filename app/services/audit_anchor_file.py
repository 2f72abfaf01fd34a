"""The anchor file: its format, written atomically, and read back only if it is intact.

An anchor is a JSON-lines file: a header line (format, time written, the last event id, the
number of chains), one line per chain (its name, its last sequence number, which is its length
while intact, and the hash of that event), and, when a key is set, a last line with an
HMAC-SHA256 of every byte before it.
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

FORMAT = "invoiceflow-audit-heads/1"
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


# --------------------------------------------------------------------------- writing


def anchor_document(chains, written_at: datetime, last_id: int | None, key: str | None) -> bytes:
    header = {
        "format": FORMAT,
        "written_at": written_at.strftime(TIME_FORMAT),
        "last_event_id": last_id,
        "chains": 0,
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


def newest_anchor_file(directory: Path) -> Path | None:
    """The stable name if present, else the newest timestamped file."""
    if (directory / LATEST).exists():
        return directory / LATEST
    written = sorted(p for p in directory.glob(PATTERN) if p.name != LATEST)
    return written[-1] if written else None


def resolve_anchor(path: Path) -> Path:
    """An anchor file, or a folder of them (then its newest). Raises AnchorRejectedError."""
    if not path.is_dir():
        return path
    newest = newest_anchor_file(path)
    if newest is None:
        raise AnchorRejectedError(_("No anchor file in %(path)s.", path=str(path)))
    return newest


def read_anchor(path: Path, hmac_key: str | None) -> Anchor:
    """Parse and authenticate an anchor. Raises AnchorRejectedError saying why it is refused."""
    try:
        raw = path.read_bytes()
        lines = raw.splitlines(keepends=True)
        header = json.loads(lines[0]) if lines else None
        if not isinstance(header, dict) or header.get("format") != FORMAT:
            raise ValueError("no heads header")
        signed = _authenticate(path, raw, lines, hmac_key)
        body = lines[1 : len(lines) - (signed is not False)]
        chains = {c.chain: c for c in map(_anchored_chain, body)}
        if len(chains) != header["chains"] or len(body) != header["chains"]:
            raise ValueError("chain count differs from the header")
        written_at = parse_time(header["written_at"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise AnchorRejectedError(
            _("The anchor %(path)s is not a heads file (%(why)s).", path=str(path), why=str(exc))
        ) from exc
    return Anchor(path, written_at, header.get("last_event_id"), chains, signed)


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

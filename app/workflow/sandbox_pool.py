"""The processes that run a diagram's code: each answers one request at a time, under the
address-space and CPU limits it was started with; a pool keeps a few idle ones. The web process
waits for an answer in select, outside the interpreter lock, and kills a process that overruns."""

from __future__ import annotations

import atexit
import json
import os
import select
import subprocess
import sys
import threading
import time
from pathlib import Path

from app.workflow.limits import MAX_RESULT_BYTES, sandbox_limits
from app.workflow.sandbox_child import HEADER, frame

CHILD_SCRIPT = str(Path(__file__).with_name("sandbox_child.py"))
KEEP_IDLE = 4
# The allowance counts the sandbox's CPU seconds, so a busy machine does not fail honest
# diagrams; the wall clock stops a process that overran it by this much (the kernel's CPU
# limit counts in whole seconds).
WALL_CLOCK_GRACE_SECONDS = 3.0


class _SandboxProcess:
    """One process running diagram code, one request at a time."""

    def __init__(self):
        self.owner = os.getpid()  # a process forked from ours (gunicorn) starts its own
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and script
            [sys.executable, "-I", CHILD_SCRIPT, json.dumps(sandbox_limits())],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            close_fds=True,
        )

    def usable(self) -> bool:
        return self.owner == os.getpid() and self.process.poll() is None

    def ask(self, request: dict, seconds: float) -> dict | None:
        """Its answer, or None when it gave none within `seconds` (it is then stopped)."""
        deadline = time.monotonic() + seconds
        try:
            self.process.stdin.write(frame(request))
            self.process.stdin.flush()
            header = self._read(HEADER.size, deadline)
            size = HEADER.unpack(header)[0] if header else None
            body = self._read(size, deadline) if size and size <= MAX_RESULT_BYTES else None
        except OSError:
            body = None
        if body is None:
            self.stop()
            return None
        return json.loads(body)

    def _read(self, size: int, deadline: float) -> bytes | None:
        """Wait in select (outside the interpreter lock) until `size` bytes or the deadline."""
        fd, chunks, got = self.process.stdout.fileno(), [], 0
        while got < size:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                return None
            chunk = os.read(fd, size - got)
            if not chunk:
                return None
            chunks.append(chunk)
            got += len(chunk)
        return b"".join(chunks)

    def stop(self) -> None:
        if self.owner != os.getpid():
            return  # the parent's: never ours to stop
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        self.process.stdin.close()
        self.process.stdout.close()


_IDLE: list[_SandboxProcess] = []
_IDLE_LOCK = threading.Lock()


def borrow() -> _SandboxProcess:
    with _IDLE_LOCK:
        while _IDLE:
            candidate = _IDLE.pop()
            if candidate.usable():
                return candidate
    return _SandboxProcess()


def give_back(sandbox: _SandboxProcess) -> None:
    if sandbox.usable():
        with _IDLE_LOCK:
            if len(_IDLE) < KEEP_IDLE:
                _IDLE.append(sandbox)
                return
        sandbox.stop()


@atexit.register
def _stop_idle() -> None:
    with _IDLE_LOCK:
        idle = list(_IDLE)
        _IDLE.clear()
    for sandbox in idle:
        sandbox.stop()

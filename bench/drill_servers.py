"""The production shape the drills run against: gunicorn, one `flask worker` (killable and
restarted), and an SMTP sink that can go away and come back on the same port."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import requests

from bench.common import ROOT
from bench.load import children, free_port

VENV = Path(sys.executable).parent


class SmtpSink:
    """aiosmtpd on a fixed port that can be stopped (an outage) and started again."""

    def __init__(self):
        self.port, self.controller = free_port(), None
        self.received: list[str] = []
        self.times: list[float] = []
        self.back_at = 0.0  # when it came back from the outage (monotonic)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        for line in envelope.content.decode("utf-8", "replace").splitlines():
            if line.lower().startswith("message-id:"):
                self.received.append(line.split(":", 1)[1].strip())
                self.times.append(time.monotonic())
                break
        return "250 OK"

    def start(self) -> None:
        from aiosmtpd.controller import Controller

        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()


class Servers:
    def __init__(self, env: dict, port: int, workers: int, tmp: Path):
        self.env, self.port, self.workers, self.tmp = env, port, workers, tmp
        self.web = self._spawn("gunicorn.log", [str(VENV / "gunicorn"), "-w", str(workers),
                               "-b", f"127.0.0.1:{port}", "run:app"])  # fmt: skip
        self.worker = self.start_worker()
        self.wait_for_workers()

    def _spawn(self, log_name: str, command: list[str]) -> subprocess.Popen:
        log = open(self.tmp / log_name, "a")  # noqa: SIM115 - closed with the process
        return subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=log, stderr=log)

    def start_worker(self) -> subprocess.Popen:
        return self._spawn("worker.log", [str(VENV / "flask"), "--app", "run:app", "worker"])

    def smtp_tries(self) -> int:
        """The mail worker's failed tries of the SMTP server so far (one log line each)."""
        log = (self.tmp / "worker.log").read_text(errors="replace")
        return sum("not delivered" in line and "Unavailable" in line for line in log.splitlines())

    def web_workers(self) -> list[int]:
        return children(self.web.pid)

    def wait_for_workers(self, seconds: float = 120) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if len(self.web_workers()) >= self.workers and self.answers():
                return
            time.sleep(0.3)
        raise RuntimeError(f"gunicorn did not come up; see {self.tmp / 'gunicorn.log'}")

    def answers(self) -> bool:
        try:  # busy workers (the drills' load) may take a while
            return requests.get(f"http://127.0.0.1:{self.port}/login/", timeout=30).ok
        except requests.RequestException:
            return False

    def stop(self) -> None:
        for process in (self.worker, self.web):
            process.terminate()
            process.wait(timeout=30)

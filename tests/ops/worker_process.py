"""A real worker process for the tests: `python -m tests.ops.worker_process DB_URL AT FOLDER NAME`.

It builds the application on DB_URL, moves its clock to AT (ISO; the diagram's timers read the
clock themselves, so the whole process travels), waits until FOLDER/go exists so that every
worker of a test starts together, then runs the real worker pass until no timer is due and no
mail waits. It prints one JSON line: how many timers it fired and how many instances it found
saved by another worker meanwhile (which claims make impossible).
"""

from __future__ import annotations

import json
import logging
import sys
import time
from datetime import datetime
from pathlib import Path

import time_machine
from sqlalchemy import func, select

GO_WAIT_SECONDS = 120
MAX_PASSES = 2000
IDLE_PAUSE_SECONDS = 0.1  # another worker holds what is left: look again shortly


class _Conflicts(logging.Handler):
    def __init__(self):
        super().__init__(logging.INFO)
        self.count = 0

    def emit(self, record):
        if "saved meanwhile" in record.getMessage():
            self.count += 1


def main(database_url: str, at: str, folder: str, name: str) -> None:
    with time_machine.travel(datetime.fromisoformat(at), tick=True):
        from app import create_app
        from app.worker import work_once

        root = Path(folder)
        app = create_app(
            "test",
            SQLALCHEMY_DATABASE_URI=database_url,
            FILE_STORAGE_DIR=str(root / "files"),
            MAIL_FOLDER=str(root / f"mail-{name}"),
        )
        conflicts = _Conflicts()
        logging.getLogger("app.services.timers").addHandler(conflicts)
        logging.getLogger("app.services.timers").setLevel(logging.INFO)
        (root / f"ready-{name}").touch()
        _wait_for(root / "go")
        fired = passes = 0
        while passes < MAX_PASSES:
            passes += 1
            began = time.monotonic()
            fired_now = work_once(app)["timers"] or 0
            print(
                f"{name} pass {passes}: {fired_now} fired in {time.monotonic() - began:.2f} s",
                file=sys.stderr,
            )
            fired += fired_now
            if not _anything_due(app):
                break
            if not fired_now:
                time.sleep(IDLE_PAUSE_SECONDS)
        print(json.dumps({"fired": fired, "conflicts": conflicts.count, "passes": passes}))


def _wait_for(path: Path) -> None:
    deadline = time.monotonic() + GO_WAIT_SECONDS
    while not path.exists():
        if time.monotonic() > deadline:
            raise SystemExit("never told to go")
        time.sleep(0.05)


def _anything_due(app) -> bool:
    from app.extensions import db
    from app.models import InstanceStatus, OutboxMessage, ProcessInstance
    from app.models.base import utcnow

    with app.app_context():
        timers = db.session.scalar(
            select(func.count()).where(
                ProcessInstance.status == InstanceStatus.RUNNING,
                ProcessInstance.next_timer_at <= utcnow(),
            )
        )
        mails = db.session.scalar(select(func.count()).where(OutboxMessage.status == "pending"))
        db.session.remove()
    return bool(timers or mails)


if __name__ == "__main__":
    main(*sys.argv[1:5])

"""Workers say they are alive: one row per worker process, rewritten at every pass.

/readyz asks how old the youngest heartbeat is; /metrics shows each worker's age. Rows of workers
gone for longer than FORGET_AFTER are removed, so a scaled-down fleet does not linger.
"""

from __future__ import annotations

import os
import socket
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from app.models import WorkerHeartbeat

FORGET_AFTER = timedelta(days=1)


def this_worker() -> str:
    """host:pid, unique across the machines of one installation."""
    return f"{socket.gethostname()}:{os.getpid()}"


def record_heartbeat(
    session: Session, now: datetime, counts: dict, worker_id: str | None = None
) -> None:
    """This worker passed at `now` and did `counts` (its own transaction)."""
    worker_id = worker_id or this_worker()
    counts = {
        key: int(value or 0) for key, value in counts.items() if isinstance(value, int | None)
    }
    beat = session.execute(
        update(WorkerHeartbeat)
        .where(WorkerHeartbeat.worker_id == worker_id)
        .values(beat_at=now, last_counts=counts)
        .execution_options(synchronize_session=False)
    )
    if beat.rowcount == 0:  # the first pass of this process; its id is its own: no race
        session.add(
            WorkerHeartbeat(worker_id=worker_id, started_at=now, beat_at=now, last_counts=counts)
        )
        session.execute(delete(WorkerHeartbeat).where(WorkerHeartbeat.beat_at < now - FORGET_AFTER))
    session.commit()


def youngest_heartbeat_age(session: Session, now: datetime) -> float | None:
    """Seconds since the most recent heartbeat of any worker; None when none ever beat."""
    youngest = session.scalar(select(func.max(WorkerHeartbeat.beat_at)))
    if youngest is None:
        return None
    return max((now - youngest).total_seconds(), 0.0)


def heartbeat_ages(session: Session, now: datetime) -> dict[str, float]:
    """Each known worker's seconds since its last heartbeat."""
    rows = session.execute(select(WorkerHeartbeat.worker_id, WorkerHeartbeat.beat_at))
    return {worker: max((now - beat).total_seconds(), 0.0) for worker, beat in rows}

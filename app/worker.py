"""The background worker: fires due timers of the diagrams, delivers the mail outbox and writes
the audit anchors.

`flask worker` runs it; `python run.py` starts one in a thread beside the development server.
"""

from __future__ import annotations

import logging
import threading

from app.extensions import db
from app.mail import OutboxMailer
from app.models.base import utcnow
from app.services.anchor_audit_trail import anchor_if_due
from app.services.audit_anchor import AnchorSettings
from app.services.mail_delivery import deliver_due
from app.services.timers import fire_due_timers

log = logging.getLogger(__name__)


def work_once(app, now=None, mailer=None) -> dict:
    """One pass: timers, then mail, then the audit anchor, each on its own: a failing pass of
    one never holds up the others. `now` is the application's clock (tests move it)."""
    now = now or utcnow()
    counts: dict = {}
    with app.app_context():
        try:
            counts["timers"] = _guarded("timers", lambda: fire_due_timers(db.session, now))
            counts.update(
                _guarded("mail", lambda: deliver_due(db.session, mailer or OutboxMailer(app), now))
                or {}
            )
            counts["anchored"] = int(bool(_guarded("audit anchor", lambda: _anchor(app, now))))
        finally:
            db.session.remove()
    return counts


def _anchor(app, now):
    return anchor_if_due(db.session, AnchorSettings.from_config(app.config), now)


def _guarded(what: str, step):
    try:
        return step()
    except Exception:  # noqa: BLE001 - logged; the next pass tries again
        log.exception("worker: the %s pass failed", what)
        db.session.rollback()
        return None


def run_forever(app, stop: threading.Event) -> None:
    interval = app.config["WORKER_INTERVAL_SECONDS"]
    while not stop.is_set():
        try:
            counts = work_once(app)
            if any(counts.values()):
                log.info("outbox: %s", counts)
        except Exception:  # noqa: BLE001 - the worker must outlive one bad pass
            log.exception("worker pass failed")
        stop.wait(interval)


def start_in_thread(app) -> threading.Event:
    stop = threading.Event()
    threading.Thread(
        target=run_forever, args=(app, stop), name="invoiceflow-worker", daemon=True
    ).start()
    return stop

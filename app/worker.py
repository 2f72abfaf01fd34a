"""The background worker: fires due timers of the diagrams, delivers the mail outbox and writes
the audit anchors.

`flask worker` runs it; `python run.py` starts one in a thread beside the development server.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from app.database_outage import OutageWatch, is_database_outage
from app.extensions import db
from app.logging_setup import logged
from app.mail import OutboxMailer
from app.models.base import utcnow
from app.services.anchor_audit_trail import anchor_if_due
from app.services.audit_anchor import AnchorSettings
from app.services.mail_delivery import DeliverySettings, deliver_due
from app.services.timers import TIMER_BATCH, fire_due_timers
from app.services.webhook_delivery import WebhookSettings
from app.services.webhook_delivery import deliver_due as deliver_webhooks
from app.services.worker_heartbeat import record_heartbeat

log = logging.getLogger(__name__)


def work_once(app, now=None, mailer=None) -> dict:
    """One pass: timers, then mail, then the audit anchor, each on its own: a failing pass of
    one never holds up the others. `now` is the application's clock (tests move it)."""
    now = now or utcnow()
    counts: dict = {}
    with app.app_context():
        try:
            counts["timers"] = _guarded(
                "timers", lambda: fire_due_timers(db.session, now, TIMER_BATCH), counts
            )
            mail = logged(mailer or OutboxMailer(app))  # its lines carry each message's request
            counts.update(_guarded("mail", lambda: _deliver(app, mail, now), counts) or {})
            counts["webhooks"] = _guarded("webhooks", lambda: _webhooks(app, now), counts) or 0
            counts["anchored"] = int(bool(_guarded("audit anchor", lambda: _anchor(app, now))))
            _guarded("heartbeat", lambda: record_heartbeat(db.session, now, counts))
        finally:
            db.session.remove()
    return counts


def _deliver(app, mailer, now) -> dict:
    return deliver_due(db.session, mailer, now, DeliverySettings.from_config(app.config))


def _webhooks(app, now) -> int:
    settings = WebhookSettings.from_config(app.config)
    return sum(deliver_webhooks(db.session, now, settings).values())


def _anchor(app, now):
    return anchor_if_due(db.session, AnchorSettings.from_config(app.config), now)


def _guarded(what: str, step, counts: dict | None = None):
    try:
        return step()
    except Exception as exc:  # noqa: BLE001 - logged; the next pass tries again
        if is_database_outage(exc):
            raise  # the other steps need the database too: run_forever waits it out
        log.exception("worker: the %s pass failed", what)
        db.session.rollback()
        if counts is not None:
            counts["failed_steps"] = counts.get("failed_steps", 0) + 1
        return None


def run_forever(app, stop: threading.Event) -> None:
    interval = app.config["WORKER_INTERVAL_SECONDS"]
    pauses = Pauses.from_config(app.config)
    # The database away (restarting, unreachable, locked): one WARNING when it goes, one when
    # it is back, and passes further apart meanwhile, up to the ceiling; no traceback a pass.
    database = OutageWatch("worker", interval, app.config["WORKER_OUTAGE_BACKOFF_MAX_SECONDS"], log)
    while not stop.is_set():
        counts, failed = {}, False
        try:
            counts = work_once(app)
            database.succeeded()
            if any(counts.values()):
                log.info("outbox: %s", counts)
        except Exception as exc:  # noqa: BLE001 - the worker must outlive one bad pass
            if not database.failed(exc):
                log.exception("worker pass failed")
            failed = True
        pause = database.wait_seconds() if database.down else pauses.after(counts, failed)
        stop.wait(pause)


@dataclass(frozen=True)
class Pauses:
    """How long the worker waits between passes."""

    interval: float  # when idle, or when a step failed or the mail server was unreachable
    settle: float  # after a pass that emptied the queues it found work in
    mail_batch: int  # a pass that claimed this many messages may have left more
    webhook_batch: int
    timer_batch: int = TIMER_BATCH

    @classmethod
    def from_config(cls, config) -> Pauses:
        interval = config["WORKER_INTERVAL_SECONDS"]
        return cls(
            interval,
            min(interval, config["WORKER_SETTLE_MILLISECONDS"] / 1000),
            config["OUTBOX_BATCH_SIZE"],
            config["WEBHOOK_BATCH_SIZE"],
        )

    def after(self, counts: dict, failed: bool) -> float:
        """None while due work remains (a full batch of timers, mail or webhooks, or a server
        that answered its probe: the messages waiting for it are due now), a moment after a pass
        that emptied its queues, the interval when idle or when something failed."""
        if failed or counts.get("failed_steps") or counts.get("server_down"):
            return self.interval
        mail = sum(counts.get(key) or 0 for key in ("sent", "retry", "failed"))
        full = (
            mail >= self.mail_batch
            or (counts.get("timers") or 0) >= self.timer_batch
            or (counts.get("webhooks") or 0) >= self.webhook_batch
            or counts.get("probed")
        )
        if full:
            return 0
        return (
            self.settle if mail or counts.get("timers") or counts.get("webhooks") else self.interval
        )


def start_in_thread(app) -> threading.Event:
    stop = threading.Event()
    threading.Thread(
        target=run_forever, args=(app, stop), name="invoiceflow-worker", daemon=True
    ).start()
    return stop

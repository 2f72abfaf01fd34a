"""Prometheus metrics at `/metrics`, with prometheus-client.

Counted in each web process: request latency by endpoint, requests by status, tasks completed by
decision. Computed at scrape time from the database, in four queries whatever its size: the
outbox backlog and the age of its oldest pending message, due timers not yet fired, each worker's
heartbeat age, open incidents. Under gunicorn, set PROMETHEUS_MULTIPROC_DIR (an empty folder,
before the processes start) and every scrape sums the counters of all workers (README).

Only a scraper holding METRICS_TOKEN (Bearer) and/or coming from METRICS_ALLOWED_NETWORKS is
answered (both are required when both are set); with neither set everyone is refused. Answered
before Flask-AppBuilder, like the probes: no session, user or CSRF machinery.
"""

from __future__ import annotations

import hmac
import ipaddress
import os
import time
from functools import cache

from flask import g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy import event, func, literal_column, select
from sqlalchemy import inspect as inspect_row
from sqlalchemy.orm import Session

from app.extensions import db
from app.models import (
    HumanTask,
    Incident,
    IncidentStatus,
    InstanceStatus,
    OutboxMessage,
    ProcessInstance,
    TaskStatus,
)
from app.models.base import utcnow
from app.services.worker_heartbeat import heartbeat_ages

METRICS_PATH = "/metrics"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_COUNTED = CollectorRegistry(auto_describe=True)
REQUEST_SECONDS = Histogram(
    "invoiceflow_http_request_duration_seconds",
    "Time to answer a request, by Flask endpoint and method.",
    ["endpoint", "method"],
    registry=_COUNTED,
)
REQUESTS = Counter(
    "invoiceflow_http_requests",
    "Requests answered, by Flask endpoint, method and status.",
    ["endpoint", "method", "status"],
    registry=_COUNTED,
)
DECISIONS = Counter(
    "invoiceflow_decisions",
    "Tasks completed, by decision (approve, return, reject) or, without one, by form.",
    ["kind"],
    registry=_COUNTED,
)
_PENDING_DECISIONS = "invoiceflow_metrics_decisions"


def register(app) -> None:
    allowed_networks(app.config["METRICS_ALLOWED_NETWORKS"])  # a bad CIDR stops the start
    app.before_request_funcs.setdefault(None, []).insert(0, _start_clock)
    # after_request runs in reverse order: first in the list, last to run, timing all the rest.
    app.after_request_funcs.setdefault(None, []).insert(0, _observe)
    if not event.contains(Session, "before_flush", _note_decisions):
        event.listen(Session, "before_flush", _note_decisions)
        event.listen(Session, "after_commit", _count_decisions)
        event.listen(Session, "after_rollback", _forget_decisions)
    app.wsgi_app = MetricsMiddleware(app, app.wsgi_app)


def _start_clock():
    g.metrics_started = time.perf_counter()


def _observe(response):
    started = g.pop("metrics_started", None)
    if started is not None:
        endpoint = request.endpoint or "unmatched"
        method = request.method if request.method in METHODS else "other"
        REQUEST_SECONDS.labels(endpoint, method).observe(time.perf_counter() - started)
        REQUESTS.labels(endpoint, method, str(response.status_code)).inc()
    return response


def _note_decisions(session, _flush_context, _instances) -> None:
    for row in session.dirty:
        if not isinstance(row, HumanTask) or row.status != TaskStatus.DONE:
            continue
        if inspect_row(row).attrs.status.history.has_changes():  # closed in this flush
            kind = str(row.decision or row.form or "other")[:30]
            session.info.setdefault(_PENDING_DECISIONS, []).append(kind)


def _count_decisions(session) -> None:
    for kind in session.info.pop(_PENDING_DECISIONS, ()):
        DECISIONS.labels(kind).inc()


def _forget_decisions(session) -> None:
    session.info.pop(_PENDING_DECISIONS, None)


@cache
def allowed_networks(setting: str) -> tuple:
    try:
        return tuple(
            ipaddress.ip_network(item.strip(), strict=False)
            for item in setting.split(",")
            if item.strip()
        )
    except ValueError as exc:
        raise RuntimeError(f"METRICS_ALLOWED_NETWORKS: {exc}") from exc


def refusal(config, environ) -> tuple[int, str] | None:
    """(status, reason) when this scraper may not read the metrics, else None."""
    token = config["METRICS_TOKEN"]
    networks = allowed_networks(config["METRICS_ALLOWED_NETWORKS"])
    if not token and not networks:
        return 403, "metrics are off: set METRICS_TOKEN or METRICS_ALLOWED_NETWORKS"
    if networks and not _from(environ.get("REMOTE_ADDR", ""), networks):
        return 403, "not from a network METRICS_ALLOWED_NETWORKS allows"
    if token:
        scheme, _, given = environ.get("HTTP_AUTHORIZATION", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(
            given.strip().encode(), token.encode()
        ):
            return 401, "a Bearer token is required"
    return None


def _from(address: str, networks) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


class MetricsMiddleware:
    def __init__(self, app, wsgi_app):
        self.app = app
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") != METRICS_PATH:
            return self.wsgi_app(environ, start_response)
        refused = refusal(self.app.config, environ)
        if refused is not None:
            status, reason = refused
            headers = [("Content-Type", "text/plain; charset=utf-8"), ("Cache-Control", "no-store")]
            if status == 401:
                headers.append(("WWW-Authenticate", 'Bearer realm="metrics"'))
            start_response(f"{status} {'UNAUTHORIZED' if status == 401 else 'FORBIDDEN'}", headers)
            return [reason.encode() + b"\n"]
        payload = generate_latest(scrape_registry(self.app))
        start_response(
            "200 OK",
            [
                ("Content-Type", CONTENT_TYPE_LATEST),
                ("Content-Length", str(len(payload))),
                ("Cache-Control", "no-store"),
            ],
        )
        return [payload]


def scrape_registry(app) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)  # every gunicorn worker's counters, summed
    else:
        registry.register(_ThisProcess())
    registry.register(DatabaseGauges(app))
    return registry


class _ThisProcess:
    def collect(self):
        return _COUNTED.collect()


class DatabaseGauges:
    """What an operator watches, read from the database at each scrape (four queries)."""

    def __init__(self, app):
        self.app = app

    def collect(self):
        up = GaugeMetricFamily(
            "invoiceflow_database_up", "1 when the scrape could read the database."
        )
        with self.app.app_context():
            try:
                families = list(_database_families(db.session, utcnow()))
            except Exception:  # noqa: BLE001 - the process metrics are still worth serving
                db.session.rollback()
                families = []
            finally:
                db.session.remove()
        up.add_metric([], 1 if families else 0)
        return [up, *families]


def _database_families(session, now):
    pending = OutboxMessage.status == literal_column("'pending'")
    backlog, oldest = session.execute(
        select(func.count(), func.min(OutboxMessage.created_at)).where(pending)
    ).one()
    yield _gauge("invoiceflow_outbox_pending_messages", "Mails waiting to be sent.", backlog)
    age = (now - oldest).total_seconds() if oldest else 0.0
    yield _gauge(
        "invoiceflow_outbox_oldest_pending_age_seconds",
        "Age of the oldest mail waiting to be sent (0 when none waits).",
        max(age, 0.0),
    )
    due = session.scalar(
        select(func.count()).where(
            ProcessInstance.status == InstanceStatus.RUNNING, ProcessInstance.next_timer_at <= now
        )
    )
    yield _gauge("invoiceflow_timers_due", "Processes whose due timers are not fired yet.", due)
    yield _heartbeats(heartbeat_ages(session, now))
    incidents = session.scalar(
        select(func.count()).select_from(Incident).where(Incident.status == IncidentStatus.OPEN)
    )
    yield _gauge("invoiceflow_incidents_open", "Process incidents not resolved.", incidents)


def _heartbeats(ages: dict[str, float]) -> GaugeMetricFamily:
    family = GaugeMetricFamily(
        "invoiceflow_worker_heartbeat_age_seconds",
        "Seconds since each worker (host:pid) last finished a pass.",
        labels=["worker"],
    )
    for worker, age in sorted(ages.items()):
        family.add_metric([worker], age)
    return family


def _gauge(name: str, documentation: str, value) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, value=float(value or 0))

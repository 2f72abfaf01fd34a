"""/metrics: Prometheus text a scraper parses, for a scraper the settings allow and no one else."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import event

from app.extensions import db
from app.models import Incident
from app.services.worker_heartbeat import record_heartbeat
from tests.workflow.scenario import Scenario

TOKEN = "scrape-token-0123456789"
START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def scraper(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "METRICS_TOKEN", TOKEN)
    monkeypatch.setitem(app.config, "METRICS_ALLOWED_NETWORKS", "")

    def scrape() -> dict[str, list]:
        answer = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
        assert answer.status_code == 200, answer.data
        assert answer.headers["Content-Type"].startswith("text/plain; version=")
        return {
            family.name: family.samples
            for family in text_string_to_metric_families(answer.data.decode())
        }

    return scrape


def value(families, name: str, **labels) -> float:
    family = name.removesuffix("_total").removesuffix("_count").removesuffix("_bucket")
    for sample in families.get(family, []):
        if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
            return sample.value
    return 0.0


def test_nobody_reads_the_metrics_while_neither_a_token_nor_a_network_is_set(client):
    answer = client.get("/metrics")
    assert answer.status_code == 403
    assert b"METRICS_TOKEN" in answer.data


def test_a_scraper_without_the_right_token_is_refused(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "METRICS_TOKEN", TOKEN)
    assert client.get("/metrics").status_code == 401
    wrong = client.get("/metrics", headers={"Authorization": "Bearer guess"})
    assert wrong.status_code == 401 and wrong.headers["WWW-Authenticate"].startswith("Bearer")
    right = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert right.status_code == 200 and "Set-Cookie" not in right.headers


def test_only_the_allowed_networks_are_answered(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "METRICS_ALLOWED_NETWORKS", "10.0.0.0/8, 192.168.5.7")
    inside = client.get("/metrics", environ_base={"REMOTE_ADDR": "10.20.30.40"})
    outside = client.get("/metrics", environ_base={"REMOTE_ADDR": "172.16.0.1"})
    assert (inside.status_code, outside.status_code) == (200, 403)
    # With a token as well, both are asked for.
    monkeypatch.setitem(app.config, "METRICS_TOKEN", TOKEN)
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.1.1.1"}).status_code == 401


def test_request_latency_is_counted_by_endpoint(client, scraper):
    before = scraper()
    for _ in range(3):
        client.get("/login/")
    client.get("/no/such/page")
    after = scraper()
    name = "invoiceflow_http_request_duration_seconds_count"
    login = {"endpoint": "InvoiceFlowAuthDBView.login", "method": "GET"}
    assert value(after, name, **login) - value(before, name, **login) == 3
    assert value(after, name, endpoint="unmatched", method="GET") >= 1
    requests = "invoiceflow_http_requests_total"
    assert value(after, requests, status="404", endpoint="unmatched") >= 1


def test_decisions_are_counted_by_kind_once_committed(app, make, scraper):
    case = Scenario(app, make, approvers=2)
    case.submit()
    before = scraper()
    case.decide("a1", "approve")
    case.decide("a2", "return", comment="The amount is wrong")
    after = scraper()
    name = "invoiceflow_decisions_total"
    assert value(after, name, kind="approve") - value(before, name, kind="approve") == 1
    assert value(after, name, kind="return") - value(before, name, kind="return") == 1
    assert value(after, name, kind="reject") == value(before, name, kind="reject")


def test_the_backlog_the_due_timers_the_workers_and_the_incidents_are_read_at_scrape_time(
    app, make, scraper
):
    with time_machine.travel(START, tick=False):
        case = Scenario(app, make, approvers=1)
        case.submit()  # the approver's mail waits in the outbox from now on
        with app.app_context():
            db.session.add(Incident(invoice_id=case.invoice_id, action="decide", error="boom"))
            db.session.commit()
            record_heartbeat(db.session, START.replace(tzinfo=None), {"timers": 0}, "host-a:7")
            db.session.remove()
    with time_machine.travel(START + timedelta(hours=25), tick=False):
        families = scraper()
    assert value(families, "invoiceflow_database_up") == 1
    assert value(families, "invoiceflow_outbox_pending_messages") >= 1
    assert value(families, "invoiceflow_outbox_oldest_pending_age_seconds") == 25 * 3600
    assert value(families, "invoiceflow_timers_due") == 1  # the first daily reminder
    age = value(families, "invoiceflow_worker_heartbeat_age_seconds", worker="host-a:7")
    assert age == 25 * 3600
    assert value(families, "invoiceflow_incidents_open") == 1


def test_a_scrape_asks_the_database_a_bounded_number_of_questions(app, make, scraper):
    case = Scenario(app, make, approvers=1)
    for _ in range(5):
        Scenario.with_people(case, make, approvers=1).submit()
    with app.app_context():
        for n in range(10):
            record_heartbeat(db.session, datetime.now(UTC).replace(tzinfo=None), {}, f"h:{n}")
        db.session.remove()
    statements = []

    def count(*_args):
        statements.append(1)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        scraper()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(statements) <= 4

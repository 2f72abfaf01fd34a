"""LOG_FORMAT=json: one JSON object a line; a request's lines carry its id, and so do the worker's
lines about the mail that request queued."""

from __future__ import annotations

import io
import json
import logging
import re

import pytest
from flask import request_started
from sqlalchemy import select

from app import create_app
from app.extensions import db
from app.logging_setup import install_json_handler
from app.models import OutboxMessage
from app.worker import work_once
from tests.workflow.scenario import Scenario


@pytest.fixture
def json_lines():
    """The root logger writes JSON into a buffer, as LOG_FORMAT=json makes it write to stderr."""
    root = logging.getLogger()
    level = root.level
    stream = io.StringIO()
    handler = install_json_handler("INFO", stream)

    def read() -> list[dict]:
        return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]

    yield read
    root.removeHandler(handler)
    root.setLevel(level)


def test_every_line_of_a_request_carries_the_id_the_proxy_gave_it(app, client, json_lines):
    def log_during_the_request(sender, **_extra):
        logging.getLogger("app.web.test").info("looking at the request")

    request_started.connect(log_during_the_request, app)
    try:
        answer = client.get("/login/", headers={"X-Request-ID": "nginx-4f9a2c7e1b"})
    finally:
        request_started.disconnect(log_during_the_request, app)
    assert answer.headers["X-Request-ID"] == "nginx-4f9a2c7e1b"
    lines = [line for line in json_lines() if line["message"] == "looking at the request"]
    assert len(lines) == 1
    line = lines[0]
    assert line["request_id"] == "nginx-4f9a2c7e1b"
    assert line["level"] == "INFO" and line["logger"] == "app.web.test"
    assert "timestamp" in line and isinstance(line["pid"], int)


@pytest.mark.parametrize(
    "given", ["", "short", "has spaces in it", "x" * 65, "bad\r\nX-Injected: yes", "ü-nicode-id"]
)
def test_a_missing_or_odd_request_id_is_replaced_by_a_new_one(client, given):
    # Straight into the WSGI environ: a client refuses to send some of these as headers.
    answer = client.get("/healthz", environ_overrides={"HTTP_X_REQUEST_ID": given})
    assert re.fullmatch(r"[0-9a-f]{32}", answer.headers["X-Request-ID"])


def test_the_worker_logs_the_delivery_under_the_id_of_the_request_that_queued_the_mail(
    app, make, api_token, json_lines
):
    case = Scenario(app, make, approvers=1)
    client = app.test_client()
    answer = client.post(
        f"/api/v1/invoices/{case.invoice_id}/submit",
        headers={**api_token("ivan"), "X-Request-ID": "submit-req-0001"},
    )
    assert answer.status_code == 200, answer.json
    with app.app_context():
        queued = db.session.execute(
            select(OutboxMessage.id, OutboxMessage.request_id, OutboxMessage.recipient_id)
        ).all()
        db.session.remove()
    assert [(row.request_id, row.recipient_id) for row in queued] == [
        ("submit-req-0001", case.ids["a1"])
    ]
    work_once(app)
    delivered = [line for line in json_lines() if line["logger"] == "app.mail.delivery"]
    assert [(line["message"], line["request_id"]) for line in delivered] == [
        (
            f"outbox message {queued[0].id} (task_assigned) delivered to user {case.ids['a1']}",
            "submit-req-0001",
        )
    ]


def test_mail_queued_by_the_worker_itself_has_no_request_id(app, make):
    case = Scenario(app, make, approvers=1)
    case.submit()  # through the service, outside any request
    with app.app_context():
        ids = db.session.scalars(select(OutboxMessage.request_id)).all()
        db.session.remove()
    assert ids == [None]


def test_an_unknown_log_format_stops_the_start(tmp_path):
    with pytest.raises(RuntimeError, match="LOG_FORMAT"):
        create_app(
            "test",
            SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'db.sqlite'}",
            LOG_FORMAT="xml",
        )

"""The OpenAPI document at /api/v1/_openapi describes the whole API, and the API keeps to it.

One test reads the document: every path parameter is declared, every operation says what it
answers. Then schemathesis calls every operation with generated input, as an initiator and as
an admin, and checks each answer: never a server error, and only documented status codes,
content types and bodies. Its ids are now and then swapped for the seeded rows' (hooks below),
so the successful answers get checked as well as the 404s.
"""

from __future__ import annotations

import io
import json
import re

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app import roles
from app.extensions import db
from app.models import DiscussionMessage, HumanTask
from tests import factories
from tests.web.forms import PDF

SPEC_URL = "/api/v1/_openapi"
CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
    content_type_conformance,
]
# Bounded so that both runs together stay well under two minutes; derandomized, so CI
# generates the same requests every time.
BOUNDED = settings(
    max_examples=15,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
PATH_PARAMETER = re.compile(r"{([^}]+)}")
METHODS = {"get", "put", "post", "delete", "patch"}


def tokens(app, username: str) -> dict:
    response = app.test_client().post(
        "/api/v1/security/login",
        json={
            "username": username,
            "password": factories.PASSWORD,
            "provider": "db",
            "refresh": True,
        },
    )
    assert response.status_code == 200, response.json
    return {
        "access": {"Authorization": f"Bearer {response.json['access_token']}"},
        "refresh": {"Authorization": f"Bearer {response.json['refresh_token']}"},
    }


@pytest.fixture
def world(app, make):
    """Two invoices of an initiator (a draft with a file and a message, one in approval with
    an open task), their counterparty and the users who take part."""
    ids = {
        "root": make.user("root", roles.ADMIN),
        "ivan": make.user("ivan", roles.INITIATOR),
        "anna": make.user("anna", roles.APPROVER),
    }
    party = make.counterparty("Acme")
    draft = make.invoice(ids["ivan"], party, approvers=[ids["anna"]])
    submitted = make.invoice(ids["ivan"], party, approvers=[ids["anna"]])
    ivan = tokens(app, "ivan")
    client = app.test_client()
    upload = client.post(
        f"/api/v1/invoice/{draft}/attachments",
        headers=ivan["access"],
        data={"files": [(io.BytesIO(PDF), "invoice.pdf")], "kind": "invoice"},
        content_type="multipart/form-data",
    )
    assert upload.status_code == 201, upload.json
    posted = client.post(
        f"/api/v1/discussion/{draft}/messages", headers=ivan["access"], json={"text": "Hello"}
    )
    assert posted.status_code == 201, posted.json
    submit = client.post(f"/api/v1/invoices/{submitted}/submit", headers=ivan["access"])
    assert submit.status_code == 200, submit.json
    with app.app_context():
        task_ids = list(db.session.scalars(db.select(HumanTask.task_guid)))
        message_ids = list(db.session.scalars(db.select(DiscussionMessage.id)))
        db.session.remove()
    return {
        "users": ids,
        "tokens": {"ivan": ivan, "root": tokens(app, "root")},
        "pk": {"invoice": [draft, submitted], "counterparty": [party]},
        "invoice_id": [draft, submitted],
        "attachment_id": [upload.json["result"][0]["id"]],
        "message_id": message_ids,
        "task_id": task_ids,
    }


# Every phase for the initiator; the admin's run leaves out the coverage phase (hundreds of
# boundary and malformed requests per operation, the same whoever sends them), which keeps the
# two runs under two minutes.
EVERY_PHASE = {"seed": 4242}
NO_COVERAGE = {"seed": 4242, "phases": {"coverage": {"enabled": False}}}


def api_schema(app, world, config: dict):
    schema = schemathesis.openapi.from_wsgi(
        SPEC_URL,
        app,
        config=SchemathesisConfig.from_dict(config),
        headers=world["tokens"]["root"]["access"],
    )

    @schema.hook
    def flatmap_path_parameters(context, path_parameters):
        """Half the time, name rows that exist."""
        if not isinstance(path_parameters, dict) or not path_parameters:
            return st.just(path_parameters)
        return st.one_of(
            st.just(path_parameters), seeded_ids(world, context.operation.path, path_parameters)
        )

    @schema.hook
    def flatmap_body(context, body):
        """Half the time, a counterparty and approvers that exist."""
        return st.sampled_from([body, with_seeded_people(world, body)])

    return schema


@pytest.fixture
def schema_for_initiator(app, world):
    return api_schema(app, world, EVERY_PHASE)


@pytest.fixture
def schema_for_admin(app, world):
    return api_schema(app, world, NO_COVERAGE)


def seeded_ids(world, path: str, path_parameters: dict):
    choices = {}
    for name, value in path_parameters.items():
        if name == "pk":
            kind = "counterparty" if "/counterparty/" in path else "invoice"
            choices[name] = st.sampled_from(world["pk"][kind])
        elif world.get(name):
            choices[name] = st.sampled_from(world[name])
        else:
            choices[name] = st.just(value)
    return st.fixed_dictionaries(choices)


def with_seeded_people(world, body):
    if not isinstance(body, dict):
        return body
    real = dict(body)
    if "counterparty_id" in real:
        real["counterparty_id"] = world["pk"]["counterparty"][0]
    if "approvers" in real:
        real["approvers"] = [world["users"]["anna"]]
    return real


def test_every_path_parameter_is_declared_and_every_operation_answers(app, world):
    spec = app.test_client().get(SPEC_URL, headers=world["tokens"]["root"]["access"]).json
    undeclared, silent = [], []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if method not in METHODS:
                continue
            declared = {
                p["name"]: p
                for p in operation.get("parameters", [])
                if p.get("in") == "path" and p.get("required") is True
            }
            for name in PATH_PARAMETER.findall(path):
                schema = declared.get(name, {}).get("schema", {})
                if schema.get("type") not in ("integer", "string"):
                    undeclared.append(f"{method.upper()} {path}: {{{name}}}")
            if not operation.get("responses"):
                silent.append(f"{method.upper()} {path}")
    assert undeclared == []
    assert silent == []
    # The custom endpoints are there with their parameters, not only FAB's.
    task = spec["paths"]["/api/v1/tasks/{task_id}/decision"]["post"]
    assert [p["name"] for p in task["parameters"]] == ["task_id"]
    assert set(task["responses"]) >= {"200", "401", "403", "404", "409", "422"}
    # Every component a docstring names is in the document.
    named = set(re.findall(r'"#/components/(\w+)/([\w.]+)"', json.dumps(spec)))
    assert [ref for ref in named if ref[1] not in spec["components"][ref[0]]] == []


def test_an_id_past_the_database_range_is_not_found_whatever_the_method(client, world):
    headers = world["tokens"]["ivan"]["access"]
    too_large = 2**31
    for method, url in [
        ("get", f"/api/v1/invoice/{too_large}"),
        ("put", f"/api/v1/invoice/{too_large}"),
        ("put", f"/api/v1/counterparty/{too_large}"),
        ("put", f"/api/v1/discussion/messages/{too_large}"),
        ("delete", f"/api/v1/discussion/messages/{too_large}"),
    ]:
        response = getattr(client, method)(url, headers=headers, json={"text": "x"})
        assert (method, url, response.status_code) == (method, url, 404)


def test_a_page_of_my_tasks_far_past_the_end_is_empty(client, world):
    response = client.get(
        "/api/v1/tasks/mine?page=9223372036854775808", headers=world["tokens"]["ivan"]["access"]
    )
    assert response.status_code == 200
    assert response.json == {"result": []}


def test_timestamps_say_they_are_utc(client, world):
    headers = world["tokens"]["ivan"]["access"]
    draft = world["invoice_id"][0]
    card = client.get(f"/api/v1/invoice/{draft}", headers=headers).json["result"]
    files = client.get(f"/api/v1/invoice/{draft}/attachments", headers=headers).json["result"]
    thread = client.get(f"/api/v1/discussion/{draft}/messages", headers=headers).json["result"]
    stamps = [card["created_at"], files[0]["uploaded_at"], thread["messages"][0]["created_at"]]
    assert all(stamp.endswith("+00:00") for stamp in stamps), stamps


initiator_schema = schemathesis.pytest.from_fixture("schema_for_initiator")
admin_schema = schemathesis.pytest.from_fixture("schema_for_admin")


def _headers(case, world, who: str) -> dict:
    kind = "refresh" if case.operation.path.endswith("/security/refresh") else "access"
    return world["tokens"][who][kind]


@initiator_schema.parametrize()
@BOUNDED
def test_the_api_keeps_to_its_document_for_an_initiator(case, world):
    case.call_and_validate(headers=_headers(case, world, "ivan"), checks=CHECKS)


@admin_schema.parametrize()
@BOUNDED
def test_the_api_keeps_to_its_document_for_an_admin(case, world):
    case.call_and_validate(headers=_headers(case, world, "root"), checks=CHECKS)

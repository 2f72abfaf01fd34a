"""Approving several tasks at once from My tasks or the API: one comment, each task decided in a
transaction of its own and audited as a single decision is, a result per task. A task someone
else handled meanwhile is reported, and the others are still approved."""

from __future__ import annotations

import re

import pytest

from app import permissions, roles
from app.models import TaskStatus
from tests.web.my_tasks_steps import Desk, approval, audit_of, listed, open_task_of, task_of
from tests.web.test_permissions import Grants
from tests.workflow import money_diagrams
from tests.workflow.scenario import force_current_version

COMMENT = "Checked against the contracts."


@pytest.fixture
def people(make):
    return {
        "ivan": make.user("ivan", roles.INITIATOR, roles.APPROVER),  # decides on others' invoices
        "anna": make.user("anna", roles.APPROVER),
        "boris": make.user("boris", roles.APPROVER),
        "olga": make.user("olga", roles.APPROVER),
        "fedor": make.user("fedor", roles.FINANCE_DIRECTOR, roles.APPROVER),
        "adam": make.user("adam", roles.ADMIN),
    }


@pytest.fixture
def desk(app, make, client, api_token, people):
    return Desk(app, make, client, api_token, people["ivan"], "ivan")


@pytest.fixture
def three(desk, people):
    """Three invoices whose first approver is anna and second boris."""
    return [desk.submitted([people["anna"], people["boris"]], f"{n}000.00") for n in (1, 2, 3)]


@pytest.fixture
def grants(app):
    made = Grants(app)
    yield made
    made.restore()


def guids(app, invoices) -> list[str]:
    return [open_task_of(app, invoice).task_guid for invoice in invoices]


def bulk_page(client, task_ids, comment=COMMENT, query=""):
    return client.post(
        f"/tasks/bulk-approve{query}", data={"task_id": task_ids, "comment": comment}
    )


def results_on(page: str) -> list[tuple[str, str]]:
    """(outcome, reason) of each row of the result list."""
    return re.findall(r'data-test="bulk-result" data-outcome="(\w+)" data-reason="(\w*)"', page)


def test_approving_several_tasks_records_each_decision_on_its_own(app, login, three, people):
    tasks = guids(app, three)
    answer = bulk_page(login("anna"), tasks)
    assert answer.status_code == 200
    page = answer.get_data(as_text=True)
    assert results_on(page) == [("approved", "")] * 3
    assert "Approved: 3. Already handled: 0. Refused: 0." in page
    for invoice, guid in zip(three, tasks, strict=True):
        decided = task_of(app, invoice, task_guid=guid)
        assert (decided.status, decided.decision, decided.comment) == ("done", "approve", COMMENT)
        assert decided.completed_by_id == people["anna"]
        [event] = audit_of(app, invoice, "approved")
        assert event.actor_id == people["anna"]
        assert (event.details["task"], event.details["comment"]) == (guid, COMMENT)
        assert event.details["revision"]  # what anna saw, as for a single decision
    assert listed(login("boris")) == [approval(invoice) for invoice in three]
    card = login("ivan").get(f"/invoices/show/{three[0]}").get_data(as_text=True)
    assert COMMENT in card and "Anna Tester" in card


def test_a_task_someone_else_handled_meanwhile_is_reported_and_the_others_approved(
    app, login, three, people
):
    tasks = guids(app, three)  # what anna's page showed
    login("adam").post(f"/tasks/{tasks[1]}/reassign", data={"user_id": people["olga"]})
    decided = login("olga").post(
        f"/tasks/{tasks[1]}/decision", data={"decision": "approve", "comment": "Mine now."}
    )
    assert decided.status_code == 302
    page = bulk_page(login("anna"), tasks).get_data(as_text=True)
    assert results_on(page) == [
        ("approved", ""),
        ("already_handled", "by_someone_else"),
        ("approved", ""),
    ]
    assert "Already handled by Olga Tester." in page
    assert "Approved: 2. Already handled: 1. Refused: 0." in page
    events = [audit_of(app, invoice, "approved") for invoice in three]
    assert [[e.actor_id for e in found] for found in events] == [
        [people["anna"]],
        [people["olga"]],
        [people["anna"]],
    ]
    assert events[1][0].details["comment"] == "Mine now."


def test_sending_the_same_tasks_again_says_they_were_already_approved_by_me(
    app, client, api_token, three
):
    tasks = guids(app, three)
    headers = api_token("anna")
    body = {"tasks": tasks, "comment": COMMENT}
    first = client.post("/api/v1/tasks/bulk-decide", headers=headers, json=body)
    assert [r["outcome"] for r in first.json["result"]] == ["approved"] * 3
    again = client.post("/api/v1/tasks/bulk-decide", headers=headers, json=body)
    assert again.status_code == 200
    assert [(r["outcome"], r["reason"]) for r in again.json["result"]] == [
        ("already_handled", "by_you")
    ] * 3
    assert all(len(audit_of(app, invoice, "approved")) == 1 for invoice in three)


def test_each_refusal_names_its_reason_and_the_rest_go_through(
    app, client, api_token, desk, people, login
):
    mine = desk.submitted([people["anna"]])
    after_me = desk.submitted([people["anna"], people["boris"]])
    login("anna").post(f"/tasks/{open_task_of(app, after_me).task_guid}/decision",
                       data={"decision": "approve"})  # fmt: skip
    borises = open_task_of(app, after_me).task_guid  # anna sees the invoice, not her task
    unseen = open_task_of(app, desk.submitted([people["boris"]])).task_guid
    returned = desk.submitted([people["anna"]])
    login("anna").post(
        f"/tasks/{open_task_of(app, returned).task_guid}/decision",
        data={"decision": "return", "comment": "VAT missing"},
    )
    correction = open_task_of(app, returned).task_guid  # ivan's, not an approval
    sent = [open_task_of(app, mine).task_guid, borises, unseen, "not-a-task"]
    answer = client.post(
        "/api/v1/tasks/bulk-decide", headers=api_token("anna"), json={"tasks": sent}
    )
    assert answer.status_code == 200, answer.json
    got = [(r["id"], r["outcome"], r["reason"]) for r in answer.json["result"]]
    assert got == [
        (sent[0], "approved", None),
        (borises, "refused", "not_yours"),
        (unseen, "refused", "not_found"),
        ("not-a-task", "refused", "not_found"),
    ]
    assert answer.json["result"][1]["message"] == "This task belongs to someone else."
    assert answer.json["result"][1]["title"] == approval(after_me)
    assert answer.json["result"][2]["title"] is None  # nothing told of what anna may not see
    by_ivan = client.post(
        "/api/v1/tasks/bulk-decide", headers=api_token("ivan"), json={"tasks": [correction]}
    ).json["result"]
    assert [(r["outcome"], r["reason"]) for r in by_ivan] == [("refused", "not_approval")]
    assert open_task_of(app, returned).status == TaskStatus.OPEN


def test_without_the_decide_permission_every_task_is_refused_naming_it(
    app, client, api_token, login, three, grants
):
    tasks = guids(app, three)
    grants.revoke(roles.APPROVER, permissions.DECIDE)
    page = login("anna").get("/tasks/").get_data(as_text=True)
    assert 'name="task_id"' not in page  # nothing offered to approve
    answer = client.post(
        "/api/v1/tasks/bulk-decide", headers=api_token("anna"), json={"tasks": tasks}
    )
    assert [(r["outcome"], r["reason"]) for r in answer.json["result"]] == [
        ("refused", "permission")
    ] * 3
    assert "decide on tasks" in answer.json["result"][0]["message"]
    assert all(open_task_of(app, invoice).status == TaskStatus.OPEN for invoice in three)


def test_a_task_the_rules_of_money_refuse_is_reported_and_the_others_approved(
    app, make, client, api_token, desk, people, login
):
    # The finance step became an approval: approving it would pay with no payment recorded.
    force_current_version(app, money_diagrams.FINANCE_APPROVES)
    to_pay = desk.submitted([people["anna"]])
    login("anna").post(
        f"/tasks/{open_task_of(app, to_pay).task_guid}/decision", data={"decision": "approve"}
    )
    fedors = desk.submitted([people["fedor"]])
    sent = guids(app, [to_pay, fedors])
    answer = client.post(
        "/api/v1/tasks/bulk-decide", headers=api_token("fedor"), json={"tasks": sent}
    )
    results = answer.json["result"]
    assert [(r["outcome"], r["reason"]) for r in results] == [
        ("refused", "process_refused"),
        ("approved", None),
    ]
    assert "without a recorded payment" in results[0]["message"]
    assert open_task_of(app, to_pay).task_guid == sent[0]  # nothing saved for it
    assert audit_of(app, fedors, "approved")[0].actor_id == people["fedor"]


def test_only_approval_tasks_get_a_box_to_tick(app, login, desk, people):
    to_approve = desk.submitted([people["fedor"]])
    to_pay = desk.submitted([people["anna"]])
    login("anna").post(
        f"/tasks/{open_task_of(app, to_pay).task_guid}/decision", data={"decision": "approve"}
    )
    page = login("fedor").get("/tasks/").get_data(as_text=True)
    boxes = re.findall(r'name="task_id" value="([^"]+)"', page)
    assert boxes == [open_task_of(app, to_approve).task_guid]
    assert f"Pay invoice #{to_pay}" in page
    assert 'data-test="bulk-approve"' in page
    assert 'data-test="bulk-approve"' not in login("ivan").get("/tasks/").get_data(as_text=True)


def test_more_tasks_than_the_limit_is_refused_and_nothing_is_decided(
    app, client, api_token, login, three, monkeypatch
):
    monkeypatch.setitem(app.config, "BULK_DECISION_MAX_TASKS", 2)
    tasks = guids(app, three)
    api = client.post("/api/v1/tasks/bulk-decide", headers=api_token("anna"), json={"tasks": tasks})
    assert api.status_code == 422
    assert "at most 2 tasks" in api.json["message"]["tasks"][0]
    page = bulk_page(login("anna"), tasks)
    assert page.status_code == 422
    assert "at most 2 tasks" in page.get_data(as_text=True)
    assert all(open_task_of(app, invoice).status == TaskStatus.OPEN for invoice in three)


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"tasks": []},
        {"tasks": "all"},
        {"tasks": [1, 2]},
        {"tasks": [{"id": "x"}]},
        {"tasks": ["x"], "decision": "reject", "comment": "No"},
        {"tasks": ["x"], "comment": "x" * 5001},
        {"tasks": ["x"], "comment": ["a list"]},
    ],
)
def test_a_request_that_cannot_be_read_is_422_and_decides_nothing(
    app, client, api_token, three, body
):
    if body.get("tasks") == ["x"]:
        body = {**body, "tasks": guids(app, three)}
    answer = client.post("/api/v1/tasks/bulk-decide", headers=api_token("anna"), json=body)
    assert answer.status_code == 422, answer.json
    assert all(open_task_of(app, invoice).status == TaskStatus.OPEN for invoice in three)


def test_the_screen_needs_a_chosen_task_and_keeps_the_comment(login, three):
    page = bulk_page(login("anna"), [], comment="Kept for the retry")
    assert page.status_code == 422
    html = page.get_data(as_text=True)
    assert "Choose at least one task." in html and "Kept for the retry" in html


def test_the_screen_keeps_the_filter_after_the_approval(app, login, desk, people, three):
    big = desk.submitted([people["anna"]], "90000.00")
    page = bulk_page(login("anna"), guids(app, three[:1]), query="?amount_from=2500")
    listed_after = re.findall(r">(Approval of invoice #\d+)</a>", page.get_data(as_text=True))
    assert listed_after[0] == approval(three[0])  # the result list
    assert listed_after[1:] == [approval(three[2]), approval(big)]  # the list, still narrowed


def test_a_bulk_approval_without_the_csrf_token_is_refused(app, login, three, monkeypatch):
    client = login("anna")
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    assert bulk_page(client, guids(app, three)).status_code == 400
    assert all(open_task_of(app, invoice).status == TaskStatus.OPEN for invoice in three)

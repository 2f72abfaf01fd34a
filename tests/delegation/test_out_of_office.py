"""Dated delegation over HTTP: a deputy sees, is told of and decides the absent person's tasks,
the record says "Olga Tester for Anna Tester", and the period ends by itself."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import time_machine

from app.worker import work_once
from tests import clock
from tests.delegation.conftest import audit_of, away, my_tasks, notified, submit


def test_a_deputy_named_on_the_screen_decides_for_the_absent_approver(
    app, client, login, api_token, smtp, people, invoice
):
    page = login("anna").post(
        "/account/out-of-office/",
        data={
            "deputy_id": str(people["olga"]),
            "starts_on": clock.iso_days_from_today(0),
            "ends_on": clock.iso_days_from_today(5),
            "note": "Two weeks in Sochi",
        },
        follow_redirects=True,
    )
    assert page.status_code == 200
    listed = page.get_data(as_text=True)
    assert "Olga Tester" in listed and "Two weeks in Sochi" in listed

    submit(client, api_token, invoice)
    anna, olga = api_token("anna"), api_token("olga")
    assert my_tasks(client, anna) == []
    (task,) = my_tasks(client, olga)
    assert task["on_behalf_of"] == people["anna"]
    told = notified(app, "task_assigned")
    assert set(told) == {people["olga"]}
    assert told[people["olga"]]["on_behalf_of"] == people["anna"]
    work_once(app)
    subjects = {m["To"]: m["Subject"] for m in smtp.inbox.messages}
    assert (
        subjects["olga@example.com"] == f"Approval of invoice #{invoice}, on behalf of Anna Tester"
    )
    assert "anna@example.com" not in subjects
    # Olga sees the card while she stands in; Anna, who is away, may not decide meanwhile.
    assert client.get(f"/api/v1/invoice/{invoice}", headers=olga).status_code == 200
    refused = client.post(
        f"/api/v1/tasks/{task['id']}/decision", headers=anna, json={"decision": "approve"}
    )
    assert refused.status_code == 403
    assert "deputy" in refused.json["message"]

    decided = client.post(
        f"/api/v1/tasks/{task['id']}/decision",
        headers=olga,
        json={"decision": "approve", "comment": "For Anna"},
    )
    assert decided.status_code == 200, decided.json
    ((actor, details),) = audit_of(app, "approved")
    assert actor == people["olga"] and details["on_behalf_of"] == people["anna"]
    card = login("ivan").get(f"/invoices/show/{invoice}").get_data(as_text=True)
    assert card.count("Olga Tester for Anna Tester") >= 3  # approved by, history, audit trail
    assert [t["form"] for t in my_tasks(client, api_token("boris"))] == ["approval"]


def test_a_deputy_who_approves_the_invoice_too_leaves_the_task_with_the_absent_person(
    app, client, api_token, people, invoice
):
    assert away(client, api_token("anna"), people["boris"]).status_code == 201
    submit(client, api_token, invoice)
    # Boris approves second: deciding Anna's step too would break the separation of duties.
    assert my_tasks(client, api_token("boris")) == []
    (task,) = my_tasks(client, api_token("anna"))
    assert task["on_behalf_of"] is None
    assert set(notified(app, "task_assigned")) == {people["anna"]}


def test_the_delegation_ends_by_itself_after_its_last_day(app, client, api_token, people, invoice):
    assert away(client, api_token("anna"), people["olga"], 0, 1).status_code == 201
    submit(client, api_token, invoice)
    assert len(my_tasks(client, api_token("olga"))) == 1
    two_days_on = datetime.now(UTC) + timedelta(days=2, hours=1)
    with time_machine.travel(two_days_on, tick=False):
        assert my_tasks(client, api_token("olga")) == []
        (task,) = my_tasks(client, api_token("anna"))
        assert task["on_behalf_of"] is None
        periods = client.get("/api/v1/delegations/", headers=api_token("anna")).json["result"]
        assert periods == []


def test_a_period_to_come_hands_nothing_on_yet(client, api_token, people, invoice):
    assert away(client, api_token("anna"), people["olga"], 3, 5).status_code == 201
    submit(client, api_token, invoice)
    assert len(my_tasks(client, api_token("anna"))) == 1
    assert my_tasks(client, api_token("olga")) == []
    (period,) = client.get("/api/v1/delegations/", headers=api_token("olga")).json["result"]
    assert period["in_force"] is False and period["deputy"]["name"] == "Olga Tester"


def test_ending_a_period_early_gives_the_tasks_back(client, api_token, people, invoice):
    created = away(client, api_token("anna"), people["olga"]).json["result"]
    submit(client, api_token, invoice)
    url = f"/api/v1/delegations/{created['id']}/cancel"
    assert client.post(url, headers=api_token("olga")).status_code == 403
    ended = client.post(url, headers=api_token("anna"))
    assert ended.status_code == 200 and ended.json["result"]["in_force"] is False
    assert my_tasks(client, api_token("olga")) == []
    assert len(my_tasks(client, api_token("anna"))) == 1
    assert client.post(url, headers=api_token("anna")).status_code == 422


def test_chains_and_loops_are_refused_with_names_and_dates(client, api_token, people):
    assert away(client, api_token("anna"), people["olga"]).status_code == 201
    loop = away(client, api_token("olga"), people["anna"])
    assert loop.status_code == 422
    assert "Anna Tester is out of office" in loop.json["message"]["deputy_id"][0]
    chain = away(client, api_token("olga"), people["boris"])
    assert chain.status_code == 422
    assert "Olga Tester stands in for Anna Tester" in chain.json["message"]["deputy_id"][0]
    onto_absent = away(client, api_token("boris"), people["anna"])
    assert onto_absent.status_code == 422
    twice = away(client, api_token("anna"), people["boris"], 2, 4)
    assert (
        twice.status_code == 422 and "already has a deputy" in twice.json["message"]["starts_on"][0]
    )
    # After Anna's period, Olga may go away and Anna may stand in for her.
    later = away(client, api_token("olga"), people["anna"], 10, 12)
    assert later.status_code == 201, later.json


def test_only_an_administrator_names_a_deputy_for_someone_else(app, client, api_token, people):
    refused = away(client, api_token("ivan"), people["olga"], user_id=people["anna"])
    assert refused.status_code == 403
    named = away(client, api_token("adam"), people["olga"], user_id=people["anna"])
    assert named.status_code == 201, named.json
    assert named.json["result"]["user"]["id"] == people["anna"]
    ((actor, details),) = audit_of(app, "deputy_named")
    assert actor == people["adam"] and details["user"] == people["anna"]
    assert details["deputy"] == people["olga"]


def test_bad_input_is_refused_field_by_field(client, api_token, people):
    anna = api_token("anna")
    cases = [
        ({"deputy_id": people["olga"]}, {"starts_on", "ends_on"}),
        (
            {"deputy_id": people["olga"], "starts_on": "2026-13-01", "ends_on": "x"},
            {"starts_on", "ends_on"},
        ),
        (
            {
                "deputy_id": people["olga"],
                "starts_on": clock.iso_days_from_today(3),
                "ends_on": clock.iso_days_from_today(1),
            },
            {"ends_on"},
        ),
        (
            {
                "deputy_id": people["olga"],
                "starts_on": clock.iso_days_from_today(-9),
                "ends_on": clock.iso_days_from_today(-2),
            },
            {"ends_on"},
        ),
        (
            {
                "deputy_id": people["olga"],
                "starts_on": clock.iso_days_from_today(0),
                "ends_on": clock.iso_days_from_today(400),
            },
            {"ends_on"},
        ),
        (
            {
                "deputy_id": people["anna"],
                "starts_on": clock.iso_days_from_today(0),
                "ends_on": clock.iso_days_from_today(1),
            },
            {"deputy_id"},
        ),
        (
            {
                "deputy_id": "nobody",
                "starts_on": clock.iso_days_from_today(0),
                "ends_on": clock.iso_days_from_today(1),
            },
            {"deputy_id"},
        ),
        (
            {
                "deputy_id": people["olga"],
                "starts_on": clock.iso_days_from_today(0),
                "ends_on": clock.iso_days_from_today(1),
                "note": "x" * 501,
            },
            {"note"},
        ),
        (
            {
                "deputy_id": people["olga"],
                "starts_on": clock.iso_days_from_today(0),
                "ends_on": clock.iso_days_from_today(1),
                "note": 5,
            },
            {"note"},
        ),
    ]
    for body, fields in cases:
        response = client.post("/api/v1/delegations/", headers=anna, json=body)
        assert response.status_code == 422, (body, response.json)
        assert set(response.json["message"]) == fields, body
    assert client.post("/api/v1/delegations/", headers=anna, data="[]").status_code in (400, 422)
    assert client.get("/api/v1/delegations/").status_code == 401


def test_the_screen_shows_its_refusals_on_the_form(login, people):
    page = login("anna").post(
        "/account/out-of-office/",
        data={"deputy_id": str(people["anna"]), "starts_on": "", "ends_on": ""},
    )
    assert page.status_code == 422
    text = page.get_data(as_text=True)
    assert "Give a date (YYYY-MM-DD)." in text


def test_the_days_are_the_absent_persons_own_in_their_time_zone(
    client, login, api_token, people, invoice
):
    tokyo = ZoneInfo("Asia/Tokyo")
    assert (
        login("anna").post("/account/time-zone/", data={"time_zone": "Asia/Tokyo"}).status_code
        == 302
    )
    late_evening = datetime.combine(clock.today(), time(23, 30), tokyo)
    with time_machine.travel(late_evening, tick=False):
        tomorrow = (late_evening + timedelta(days=1)).date().isoformat()
        body = {"deputy_id": people["olga"], "starts_on": tomorrow, "ends_on": tomorrow}
        created = client.post("/api/v1/delegations/", headers=api_token("anna"), json=body)
        assert created.status_code == 201, created.json
        assert created.json["result"]["time_zone"] == "Asia/Tokyo"
        submit(client, api_token, invoice)
        assert my_tasks(client, api_token("olga")) == []
    # Just after midnight in Tokyo (still the evening before in Moscow): Olga holds the task.
    with time_machine.travel(late_evening + timedelta(hours=1), tick=False):
        assert len(my_tasks(client, api_token("olga"))) == 1
    with time_machine.travel(late_evening + timedelta(days=1, hours=1), tick=False):
        assert my_tasks(client, api_token("olga")) == []
        assert len(my_tasks(client, api_token("anna"))) == 1

"""The menu's count and My tasks are each person's own, also for people whose roles are the
same (their statements are built once and shared) and while a deputy stands in."""

from __future__ import annotations

import re

from tests.delegation.conftest import away, submit


def shown_count(client) -> str | None:
    page = client.get("/tasks/").get_data(as_text=True)
    found = re.search(r'data-test="open-task-count">(\d+)<', page)
    return found.group(1) if found else None


def test_approvers_with_the_same_roles_each_count_their_own_tasks(
    client, login, api_token, make, people, invoice
):
    other = make.invoice(people["ivan"], make.counterparty("Beta"), approvers=[people["boris"]])
    submit(client, api_token, invoice)
    submit(client, api_token, other)
    counts = {who: shown_count(login(who)) for who in ("anna", "boris", "olga")}
    assert counts == {"anna": "1", "boris": "1", "olga": None}
    page = login("boris").get("/tasks/").get_data(as_text=True)
    assert f"Approval of invoice #{other}" in page
    assert f"Approval of invoice #{invoice}" not in page


def test_while_anna_is_away_her_task_is_counted_and_listed_for_her_deputy_alone(
    client, login, api_token, people, invoice
):
    assert away(client, api_token("anna"), people["olga"]).status_code == 201
    submit(client, api_token, invoice)
    counts = {who: shown_count(login(who)) for who in ("anna", "olga", "boris")}
    assert counts == {"anna": None, "olga": "1", "boris": None}
    page = " ".join(login("olga").get("/tasks/").get_data(as_text=True).split())
    assert f"Approval of invoice #{invoice}" in page
    assert "on behalf of Anna Tester" in page

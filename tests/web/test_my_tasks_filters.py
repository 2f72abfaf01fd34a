"""My tasks narrowed and sorted by kind, counterparty, due date and amount, in the URL: a
bookmark gives the same list back, and a value that cannot be read is never a server error."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app import roles
from app.domain.task_filters import end_of_week
from app.models.base import utcnow
from tests.web.my_tasks_steps import Desk, approval, listed, open_task_of, set_due


@pytest.fixture
def people(make):
    return {
        "ivan": make.user("ivan", roles.INITIATOR),
        "anna": make.user("anna", roles.APPROVER),
        "boris": make.user("boris", roles.APPROVER),
        # Approves some invoices and pays the others.
        "fedor": make.user("fedor", roles.FINANCE_DIRECTOR, roles.APPROVER),
    }


@pytest.fixture
def desk(app, make, client, api_token, people):
    return Desk(app, make, client, api_token, people["ivan"], "ivan")


@pytest.fixture
def annas(app, desk, people, frozen_clock):
    """Anna's four approval tasks: amounts, counterparties and due dates apart."""
    anna = [people["anna"]]
    tasks = {
        "small_acme": desk.submitted(anna, "150.00", "Acme"),
        "large_borealis": desk.submitted(anna, "250000.00", "Borealis"),
        "middle_acme": desk.submitted(anna, "9900.50", "Acme"),
        "no_due_cobalt": desk.submitted(anna, "4000.00", "Cobalt"),
    }
    now = utcnow()
    set_due(app, tasks["small_acme"], now - timedelta(hours=3))  # overdue
    set_due(app, tasks["large_borealis"], end_of_week(now) - timedelta(minutes=1))
    set_due(app, tasks["middle_acme"], end_of_week(now) + timedelta(days=1))  # next week
    set_due(app, tasks["no_due_cobalt"], None)
    desk.submitted([people["boris"]], "777.00", "Acme")  # boris's, never anna's
    return tasks


def titles(*invoices: int) -> list[str]:
    return [approval(invoice) for invoice in invoices]


def test_by_default_the_tasks_waiting_longest_come_first(login, annas):
    assert listed(login("anna")) == titles(*annas.values())


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("due=overdue", ["small_acme"]),
        ("due=week", ["small_acme", "large_borealis"]),
        ("due=any", ["small_acme", "large_borealis", "middle_acme", "no_due_cobalt"]),
        ("amount_from=1000&amount_to=10%20000,00", ["middle_acme", "no_due_cobalt"]),
        ("amount_from=9900.50", ["large_borealis", "middle_acme"]),
        ("amount_to=150", ["small_acme"]),
        ("amount_from=10000&amount_to=1000", ["middle_acme", "no_due_cobalt"]),  # turned round
        ("kind=approval&due=week&amount_from=200", ["large_borealis"]),
    ],
)
def test_my_tasks_narrowed_by_due_date_and_amount(login, annas, query, expected):
    assert listed(login("anna"), f"/tasks/?{query}") == titles(*(annas[k] for k in expected))


def test_my_tasks_narrowed_by_counterparty_offer_only_the_counterparties_of_my_tasks(
    login, annas, desk
):
    client = login("anna")
    page = client.get("/tasks/").get_data(as_text=True)
    choices = page[page.index('id="f-counterparty"') :]
    choices = choices[: choices.index("</select>")]
    assert [name in choices for name in ("Acme", "Borealis", "Cobalt")] == [True] * 3
    desk.party("Dormant Ltd")  # no task of anna's
    assert "Dormant Ltd" not in client.get("/tasks/").get_data(as_text=True)
    acme = desk.parties["Acme"]
    assert listed(client, f"/tasks/?counterparty={acme}") == titles(
        annas["small_acme"], annas["middle_acme"]
    )


def test_my_tasks_narrowed_by_kind(app, login, desk, people):
    fedor = [people["fedor"]]
    to_approve = desk.submitted(fedor, "500.00")
    to_pay = desk.submitted([people["anna"]], "800.00")
    login("anna").post(
        f"/tasks/{_guid(app, to_pay)}/decision", data={"decision": "approve", "comment": "ok"}
    )
    client = login("fedor")
    assert listed(client) == [approval(to_approve), f"Pay invoice #{to_pay}"]
    assert listed(client, "/tasks/?kind=payment") == [f"Pay invoice #{to_pay}"]
    assert listed(client, "/tasks/?kind=approval") == [approval(to_approve)]
    assert listed(client, "/tasks/?kind=correction") == []
    assert "No task matches these filters." in client.get("/tasks/?kind=correction").get_data(
        as_text=True
    )


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("sort=amount", ["small_acme", "no_due_cobalt", "middle_acme", "large_borealis"]),
        ("sort=amount&dir=desc", ["large_borealis", "middle_acme", "no_due_cobalt", "small_acme"]),
        ("sort=due", ["small_acme", "large_borealis", "middle_acme", "no_due_cobalt"]),
        # Tasks without a due date stay last either way.
        ("sort=due&dir=desc", ["middle_acme", "large_borealis", "small_acme", "no_due_cobalt"]),
        ("sort=counterparty", ["small_acme", "middle_acme", "large_borealis", "no_due_cobalt"]),
        (
            "sort=counterparty&dir=desc",
            ["no_due_cobalt", "large_borealis", "small_acme", "middle_acme"],
        ),
        ("sort=waiting&dir=desc", ["no_due_cobalt", "middle_acme", "large_borealis", "small_acme"]),
        ("sort=kind", ["small_acme", "large_borealis", "middle_acme", "no_due_cobalt"]),
    ],
)
def test_my_tasks_sorted_by_each_column(login, annas, sort, expected):
    assert listed(login("anna"), f"/tasks/?{sort}") == titles(*(annas[k] for k in expected))


def test_the_filter_is_in_the_url_and_every_link_keeps_it(login, annas, desk):
    acme = desk.parties["Acme"]
    page = login("anna").get(f"/tasks/?counterparty={acme}&due=week&sort=amount&dir=desc")
    html = page.get_data(as_text=True)
    assert f'<option value="{acme}" selected>Acme</option>' in html
    assert '<option value="week" selected>' in html
    assert '<option value="desc" selected>' in html
    # A second click on the sorted column turns it round; the other filters stay.
    assert f'href="/tasks/?counterparty={acme}&amp;due=week&amp;sort=amount"' in html
    assert f'href="/tasks/?counterparty={acme}&amp;due=week&amp;sort=due"' in html
    assert f'action="/tasks/bulk-approve?counterparty={acme}&amp;due=week&amp;sort=amount' in html
    assert 'data-test="reset-filters"' in html


def test_the_pages_of_a_narrowed_list_keep_the_filter(app, login, desk, people, monkeypatch):
    monkeypatch.setattr("app.web.views.tasks.PAGE_SIZE", 2)
    invoices = [desk.submitted([people["anna"]], f"{n}00.00") for n in range(1, 6)]
    client = login("anna")
    first = client.get("/tasks/?sort=amount&dir=desc").get_data(as_text=True)
    assert 'href="/tasks/?page=2&amp;sort=amount&amp;dir=desc"' in first
    assert listed(client, "/tasks/?sort=amount&dir=desc&page=2") == titles(invoices[2], invoices[1])


@pytest.mark.parametrize(
    "query",
    [
        "kind=everything",
        "counterparty=abc",
        "counterparty=99999999999999999999",
        "counterparty=-1",
        "due=yesterday",
        "amount_from=lots",
        "amount_to=-5",
        "amount_from=1e400",
        "amount_from=" + "9" * 500,
        "sort=password",
        "dir=sideways",
        "page=-3",
        "page=99999999999999999999999",
        "kind=approval&kind=payment",
    ],
)
def test_a_filter_value_that_cannot_be_read_is_ignored_on_the_page_and_400_over_the_api(
    client, login, api_token, annas, query
):
    page = login("anna").get(f"/tasks/?{query}")
    assert page.status_code == 200
    name = query.split("=")[0]
    if name not in ("page", "kind") or query == "kind=everything":
        assert 'data-test="ignored-filters"' in page.get_data(as_text=True)
    api = client.get(f"/api/v1/tasks/mine?{query}", headers=api_token("anna"))
    assert api.status_code in (200, 400)
    if api.status_code == 400:
        assert name in api.json["message"]


def test_a_nul_character_in_a_filter_is_refused_with_400(client, login, api_token, annas):
    assert login("anna").get("/tasks/?amount_from=%00").status_code == 400
    api = client.get("/api/v1/tasks/mine?amount_from=%00", headers=api_token("anna"))
    assert api.status_code == 400


def test_the_api_narrows_and_sorts_my_tasks_alike(client, api_token, annas):
    headers = api_token("anna")
    answer = client.get("/api/v1/tasks/mine?due=week&sort=amount&dir=desc", headers=headers)
    assert answer.status_code == 200
    assert [t["title"] for t in answer.json["result"]] == titles(
        annas["large_borealis"], annas["small_acme"]
    )
    refused = client.get("/api/v1/tasks/mine?sort=password", headers=headers)
    assert refused.status_code == 400
    assert "sort" in refused.json["message"]


def _guid(app, invoice_id: int) -> str:
    return open_task_of(app, invoice_id).task_guid

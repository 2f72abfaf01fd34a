"""The hot paths send a fixed, small number of SQL statements, whatever the page size."""

from contextlib import contextmanager

import pytest
from sqlalchemy import event

from app import roles
from app.extensions import db

LIST_VIEW = "InvoiceView"


@contextmanager
def counted(app):
    sent: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        sent.append(statement)

    with app.app_context():
        engine = db.engine
        # What anonymous visitors may do is read every PUBLIC_PERMISSIONS_TTL_SECONDS: read it
        # now, so that no refresh falls into the counted request.
        app.appbuilder.sm._public_permissions()
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", count)


@pytest.fixture
def people(make):
    return {
        "ivan": make.user("ivan", roles.INITIATOR),
        "anna": make.user("anna", roles.APPROVER),
        "boris": make.user("boris", roles.APPROVER),
    }


@pytest.fixture
def submitted(make, people, client, api_token):
    """Twelve invoices submitted: anna holds twelve approval tasks, boris is next on each."""
    ivan = api_token("ivan")
    ids = [
        make.invoice(
            people["ivan"], make.counterparty(), approvers=[people["anna"], people["boris"]]
        )
        for _ in range(12)
    ]
    for invoice_id in ids:
        assert client.post(f"/api/v1/invoices/{invoice_id}/submit", headers=ivan).status_code == 200
    return ids


def statements_for(app, client, url, headers=None) -> int:
    """The fewest statements of two requests after a warm one: the first request of a client
    fills caches, and a process cache (role permissions) may expire in between."""
    client.get(url, headers=headers)
    counts = []
    for _ in range(2):
        with counted(app) as sent:
            response = client.get(url, headers=headers)
        assert response.status_code == 200
        counts.append(len(sent))
    return min(counts)


def test_a_decision_over_the_api_takes_at_most_twelve_statements(app, client, api_token, submitted):
    anna = api_token("anna")
    tasks = client.get("/api/v1/tasks/mine?page_size=100", headers=anna).json["result"]
    first, second = tasks[0]["id"], tasks[1]["id"]
    body = {"decision": "approve", "comment": "Checked."}
    assert (
        client.post(f"/api/v1/tasks/{first}/decision", headers=anna, json=body).status_code == 200
    )
    with counted(app) as sent:
        response = client.post(f"/api/v1/tasks/{second}/decision", headers=anna, json=body)
    assert response.status_code == 200
    # The delegations in force of the actor (acting for someone? away?) come with the signed-in
    # user; the next holder's (does their deputy get the task?) with their addresses, in one
    # lookup of whom to tell and where. What the roles may do is kept per process
    # (app/security.py): no read of it here. The files' digests (the revision decided on), the
    # audit chain's head and the active webhook subscriptions (for the transaction's events)
    # come with the task. The rows written go in one flush.
    assert len(sent) <= 12, "\n".join(s[:100] for s in sent)
    # The answer, built without reading the task again, is what the database holds.
    answer = response.json["result"]
    stored = client.get(f"/api/v1/tasks/{second}", headers=anna).json["result"]
    assert answer["status"] == "done" and answer["decision"] == "approve"
    assert {k: stored[k] for k in answer} == answer


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/tasks/mine",
        "/tasks/",
        "/api/v1/tasks/mine?kind=approval&amount_from=1&sort=due",
        "/tasks/?kind=approval&amount_from=1&sort=amount&dir=desc",
    ],
    ids=["api", "page", "api-filtered", "page-filtered"],
)
def test_my_tasks_sends_the_same_few_statements_for_one_task_or_twelve(
    app, client, make, people, login, api_token, submitted, url
):
    olga = make.user("olga", roles.APPROVER)
    one_task = make.invoice(people["ivan"], make.counterparty(), approvers=[olga])
    client.post(f"/api/v1/invoices/{one_task}/submit", headers=api_token("ivan"))
    counts = {}
    for who in ("olga", "anna"):
        headers = api_token(who) if url.startswith("/api") else None
        if headers is None:
            login(who)
        counts[who] = statements_for(app, client, url, headers)
    shown = client.get(url, headers=headers).get_data(as_text=True)
    assert f"Approval of invoice #{submitted[-1]}" in shown
    assert counts["olga"] == counts["anna"] <= 7


@pytest.mark.parametrize(
    "url",
    ["/api/v1/invoice/?q=(page_size:{n})", f"/invoices/list/?psize_{LIST_VIEW}={{n}}"],
    ids=["api", "page"],
)
def test_the_invoice_list_sends_the_same_few_statements_for_one_row_or_a_hundred(
    app, client, login, api_token, submitted, url
):
    headers = api_token("anna") if url.startswith("/api") else None
    if headers is None:
        login("anna")
    one = statements_for(app, client, url.format(n=1), headers)
    hundred = statements_for(app, client, url.format(n=100), headers)
    assert one == hundred <= 9


def test_the_invoice_card_sends_the_same_few_statements_however_long_its_history(
    app, client, login, api_token, submitted
):
    anna = api_token("anna")
    tasks = client.get("/api/v1/tasks/mine?page_size=100", headers=anna).json["result"]
    decided = next(t for t in tasks if t["invoice_id"] == submitted[1])
    body = {"decision": "approve", "comment": "Checked."}
    url = f"/api/v1/tasks/{decided['id']}/decision"
    assert client.post(url, headers=anna, json=body).status_code == 200
    login("anna")
    just_submitted = statements_for(app, client, f"/invoices/show/{submitted[0]}")
    with_a_decision = statements_for(app, client, f"/invoices/show/{submitted[1]}")
    # The history names the next approver: read with the card, not while rendering it.
    page = client.get(f"/invoices/show/{submitted[1]}").get_data(as_text=True)
    assert "went to Boris Tester" in " ".join(page.split())
    assert just_submitted == with_a_decision <= 11

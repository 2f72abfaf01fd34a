"""The bell is a dropdown of the newest notifications that still wait, each opening in a new tab,
with "All notifications" below; without script it is the link to the list. It costs a page the
same statements for one notification or twenty, and reads in the reader's language."""

from __future__ import annotations

import pytest
from lxml import html
from sqlalchemy import event, select

from app import roles
from app.extensions import db
from app.models import HumanTask, TaskStatus
from app.web.bell import LATEST_ITEMS


@pytest.fixture
def people(make):
    return {
        "ivan": make.user("ivan", roles.INITIATOR),
        "anna": make.user("anna", roles.APPROVER),
    }


@pytest.fixture
def submit(make, people, client, api_token):
    """Submit a new invoice to anna: she gets its approval task and a notification."""

    def _submit() -> int:
        pk = make.invoice(people["ivan"], make.counterparty(), approvers=[people["anna"]])
        headers = api_token("ivan")
        assert client.post(f"/api/v1/invoices/{pk}/submit", headers=headers).status_code == 200
        return pk

    return _submit


def bell_of(client) -> html.HtmlElement:
    page = html.fromstring(client.get("/invoices/list/").get_data(as_text=True))
    [bell] = page.xpath('//*[@data-test="bell-menu"]')
    return bell


def items_of(bell) -> list[str]:
    return [" ".join(b.text_content().split()) for b in bell.xpath('.//*[@data-test="bell-item"]')]


def count_of(bell) -> int:
    badge = bell.xpath('.//*[@data-test="unread-count"]')
    return int(badge[0].text_content()) if badge else 0


def test_the_bell_lists_the_newest_waiting_items_each_opening_in_a_new_tab(login, submit, people):
    numbers = [submit() for _ in range(2)]
    bell = bell_of(login("anna"))
    toggle = bell.xpath('.//*[@data-test="bell"]')[0]
    assert toggle.get("href") == "/notifications/"  # without script: the list itself
    assert toggle.get("aria-haspopup") == "true" and toggle.get("aria-expanded") == "false"
    assert count_of(bell) == 2
    items = items_of(bell)
    assert len(items) == 2 and all(item.startswith("Approval of invoice #") for item in items)
    forms = bell.xpath('.//form[.//*[@data-test="bell-item"]]')
    assert all(f.get("target") == "_blank" and "noopener" in f.get("rel") for f in forms)
    assert all(f.get("method") == "post" and f.xpath('.//input[@name="csrf_token"]') for f in forms)
    assert bell.xpath('.//a[@data-test="bell-all"]/@href') == ["/notifications/"]
    assert numbers


def test_a_handled_task_leaves_the_dropdown_and_the_count(app, client, login, submit, api_token):
    first, second = submit(), submit()
    with app.app_context():
        guid = db.session.scalars(
            select(HumanTask.task_guid).where(
                HumanTask.invoice_id == first, HumanTask.status == TaskStatus.OPEN
            )
        ).one()
    decided = client.post(
        f"/api/v1/tasks/{guid}/decision", json={"decision": "approve"}, headers=api_token("anna")
    )
    assert decided.status_code == 200
    bell = bell_of(login("anna"))
    assert count_of(bell) == 1
    assert len(items_of(bell)) == 1 and second


def test_the_dropdown_shows_the_newest_few_and_the_count_all_that_wait(login, submit):
    for _ in range(LATEST_ITEMS + 2):
        submit()
    bell = bell_of(login("anna"))
    assert count_of(bell) == LATEST_ITEMS + 2
    assert len(items_of(bell)) == LATEST_ITEMS


def test_with_nothing_waiting_the_dropdown_says_so(login, people):
    bell = bell_of(login("anna"))
    assert count_of(bell) == 0 and items_of(bell) == []
    [empty] = bell.xpath('.//*[@data-test="bell-empty"]')
    assert empty.get("hidden") is None and empty.text_content() == "Nothing waits for you."


def test_a_page_sends_the_same_statements_for_one_notification_or_many(app, login, submit):
    client = login("anna")

    def statements() -> int:
        client.get("/invoices/list/")  # warm
        sent = []
        with app.app_context():
            engine = db.engine
        listener = lambda *_args: sent.append(1)  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            assert client.get("/invoices/list/").status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        return len(sent)

    submit()
    one = statements()
    for _ in range(LATEST_ITEMS + 3):
        submit()
    assert statements() == one


def test_the_dropdown_reads_in_russian(login, submit):
    submit()
    client = login("anna")
    client.get("/lang/ru")
    bell = bell_of(client)
    [item] = items_of(bell)
    assert item.startswith("Согласование счёта №"), item
    assert bell.xpath('.//a[@data-test="bell-all"]')[0].text_content() == "Все уведомления"
    assert bell.xpath('.//*[@data-test="bell"]')[0].get("title") == "Уведомления"

"""The home page is a dashboard: each person sees their blocks, with the right numbers."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
import time_machine
from lxml import html
from sqlalchemy import select, update

from app import roles
from app.extensions import db
from app.models import HumanTask, Incident, Invoice, OutboxMessage, OutboxStatus, TaskStatus
from app.models.base import utcnow
from app.services.complete_task import decide
from app.services.invoice_input import InvoicePolicy
from app.services.submit_invoice import submit_invoice
from app.services.visibility import visible_invoice_ids, visible_invoices_clause
from tests import clock
from tests.web.test_sql_counts import statements_for

# Each block is one to three aggregate queries; the rest is the signed-in user and the menu.
MAX_STATEMENTS = 25


@pytest.fixture
def people(make):
    return {
        "ivan": make.user("ivan", roles.INITIATOR),
        "olga": make.user("olga", roles.INITIATOR),
        "anna": make.user("anna", roles.APPROVER),
        "boris": make.user("boris", roles.APPROVER),
        "fiona": make.user("fiona", roles.FINANCE_DIRECTOR),
        "adam": make.user("adam", roles.ADMIN),
    }


class Process:
    """Moves invoices through the approval process with the services the screens call."""

    def __init__(self, app, make, people):
        self.app, self.make, self.people = app, make, people

    def invoice(self, initiator="ivan", approvers=("anna",), submit=True, **fields) -> int:
        ids = [self.people[name] for name in approvers]
        pk = self.make.invoice(
            self.people[initiator], self.make.counterparty(), approvers=ids, **fields
        )
        if submit:
            with self.app.app_context():
                submit_invoice(
                    db.session, self._user(initiator), pk, InvoicePolicy(today=clock.today())
                )
                db.session.remove()
        return pk

    def approve(self, invoice_id: int, approver: str = "anna") -> None:
        with self.app.app_context():
            task = db.session.query(HumanTask).filter_by(
                invoice_id=invoice_id, status=TaskStatus.OPEN
            )
            decide(db.session, self._user(approver), task.one().task_guid, "approve", "")
            db.session.remove()

    def due(self, invoice_id: int, due_at) -> None:
        """The open task of an invoice is due at `due_at` (as a diagram's `due` would set)."""
        with self.app.app_context():
            db.session.execute(
                update(HumanTask)
                .where(HumanTask.invoice_id == invoice_id, HumanTask.status == TaskStatus.OPEN)
                .values(due_at=due_at)
            )
            db.session.commit()
            db.session.remove()

    def _user(self, name):
        return self.app.appbuilder.sm.get_user_by_id(self.people[name])


@pytest.fixture
def process(app, make, people):
    return Process(app, make, people)


def dashboard(login, username):
    response = login(username).get("/")
    assert response.status_code == 200
    return html.fromstring(response.get_data(as_text=True))


def block(page, name):
    found = tagged(page, name)
    return found[0] if found else None


def tagged(element, name) -> list:
    return element.xpath(".//*[@data-test=$name]", name=name)


def value(element, name) -> str:
    return text(tagged(element, name)[0])


def text(element) -> str:
    """The element's text with runs of spaces and newlines made one space (no-break kept)."""
    return re.sub(r"[ \t\r\n]+", " ", element.text_content()).strip()


def counts_by_status(page) -> dict[str, int]:
    return {
        row.get("data-test").removeprefix("status-"): int(value(row, "count"))
        for row in block(page, "invoices-by-status").xpath(".//tr")
    }


def charts(page) -> dict:
    return json.loads(page.get_element_by_id("dashboard-charts").text_content())


def test_an_anonymous_visitor_is_sent_to_the_login_page(client):
    response = client.get("/")
    assert response.status_code == 302 and "/login/" in response.headers["Location"]


def test_a_new_user_reads_that_nothing_waits_and_no_invoice_exists_yet(login, people):
    page = dashboard(login, "ivan")
    assert "Nothing is waiting for you." in text(block(page, "my-tasks-block"))
    assert "No invoices yet." in text(block(page, "my-invoices-block"))
    assert block(page, "no-stages") is not None and block(page, "no-approvals") is not None
    assert block(page, "awaiting-payment-block") is None
    assert block(page, "operations-block") is None


def test_an_initiator_counts_only_the_invoices_they_take_part_in(login, process):
    process.invoice(submit=False)
    process.invoice(submit=False)
    process.invoice()
    process.invoice(initiator="olga", approvers=("boris",), submit=False)
    ivan = dashboard(login, "ivan")
    assert counts_by_status(ivan) == {"draft": 2, "in_approval": 1}
    assert text(block(ivan, "invoice-total")) == "3"
    links = [a.get("href") for a in block(ivan, "invoices-by-status").xpath(".//a")]
    assert "/invoices/list/?_flt_3_status=draft" in links
    assert counts_by_status(dashboard(login, "olga")) == {"draft": 1}
    # Approvers count the invoices naming them; the finance director counts every invoice.
    assert counts_by_status(dashboard(login, "anna")) == {"draft": 2, "in_approval": 1}
    assert counts_by_status(dashboard(login, "boris")) == {"draft": 1}
    fiona = dashboard(login, "fiona")
    assert counts_by_status(fiona) == {"draft": 3, "in_approval": 1}
    assert "All invoices" in text(block(fiona, "my-invoices-block"))


def test_open_tasks_are_listed_overdue_first_with_their_count(login, process):
    first = process.invoice()
    second = process.invoice()
    process.due(first, utcnow() + timedelta(days=1))
    process.due(second, utcnow() - timedelta(hours=3))
    page = dashboard(login, "anna")
    rows = tagged(page, "dashboard-task")
    assert [text(r.xpath(".//a")[0]) for r in rows] == [
        f"Approval of invoice #{second}",
        f"Approval of invoice #{first}",
    ]
    assert "overdue" in rows[0].get("class") and "overdue" not in rows[1].get("class")
    assert text(block(page, "open-tasks")) == "2"
    assert text(block(page, "overdue-tasks")) == "1 overdue"
    assert rows[0].xpath(".//a")[0].get("href").startswith("/tasks/")
    assert block(dashboard(login, "boris"), "dashboard-task") is None


def test_a_finance_director_sees_what_awaits_payment_per_currency_and_what_is_overdue(
    login, process, today
):
    late = process.invoice(
        amount="1000.00", issue_date=today - timedelta(days=20), due_date=today - timedelta(1)
    )
    on_time = process.invoice(amount="250.50", due_date=today + timedelta(days=5))
    euro = process.invoice(amount="99.90", currency="EUR")
    process.invoice(amount="5000.00")  # still in approval: not awaiting payment
    for pk in (late, on_time, euro):
        process.approve(pk)
    page = dashboard(login, "fiona")
    rub = block(page, "currency-RUB")
    assert [value(rub, k) for k in ("count", "overdue-count")] == [
        "2",
        "1",
    ]
    assert value(rub, "amount") == "1\u00a0250.50"
    assert value(rub, "overdue-amount") == "1\u00a0000.00"
    eur = block(page, "currency-EUR")
    assert value(eur, "count") == "1"
    assert value(eur, "amount") == "99.90"
    overdue = tagged(page, "overdue-invoice")
    assert len(overdue) == 1 and f"/invoices/show/{late}" in html.tostring(overdue[0]).decode()
    link = block(page, "overdue-payments").get("href")
    assert "_flt_3_status=awaiting_payment" in link and f"_flt_2_due_date={today}" in link
    # Their payment tasks are theirs to do: overdue ones would come first in My open tasks.
    assert text(block(page, "open-tasks")) == "3"
    assert block(dashboard(login, "ivan"), "awaiting-payment-block") is None


def test_a_finance_director_with_nothing_to_pay_reads_so(login, people):
    assert "Nothing awaits payment." in text(block(dashboard(login, "fiona"), "nothing-to-pay"))


def test_an_administrator_sees_open_incidents_failed_mails_and_the_tasks_waiting_longest(
    app, login, process, people
):
    older = process.invoice()
    process.invoice(approvers=("boris",))
    with app.app_context():
        db.session.add_all(
            [
                Incident(invoice_id=older, action="decide", error="The gateway has no way out"),
                Incident(invoice_id=older, action="timer", error="old", status="resolved"),
                _failed_mail(people["ivan"], "one"),
                _failed_mail(people["ivan"], "two"),
            ]
        )
        db.session.commit()
        db.session.remove()
    page = dashboard(login, "adam")
    assert text(block(page, "open-incidents")) == "Open incidents 1"
    assert block(page, "open-incidents").get("href") == "/incidents/list/?_flt_3_status=open"
    assert text(block(page, "failed-mails")) == "Failed e-mails 2"
    assert block(page, "failed-mails").get("href") == "/outbox/list/?_flt_3_status=failed"
    assert "The gateway has no way out" in text(block(page, "incidents"))
    waiting = [text(row) for row in tagged(page, "waiting-task")]
    assert waiting[0].startswith(f"Approval of invoice #{older} Anna Tester")
    assert len(waiting) == 2
    assert block(dashboard(login, "fiona"), "operations-block") is None


def _failed_mail(user_id, key):
    return OutboxMessage(
        recipient_id=user_id,
        to_address="ivan@example.com",
        kind="task_assigned",
        status=OutboxStatus.FAILED,
        attempts=5,
        last_error="Connection refused",
        message_id=f"<{key}@invoiceflow>",
        dedupe_key=key,
    )


def test_the_charts_show_invoices_by_stage_median_stage_times_and_approvals_per_week(
    login, process
):
    now = utcnow()
    with time_machine.travel(now - timedelta(days=60), tick=False) as traveller:
        long_ago = process.invoice()
        traveller.shift(timedelta(hours=10))
        process.approve(long_ago)  # after 10 hours, 60 days ago
        traveller.move_to(now - timedelta(hours=5))
        recent = [process.invoice(), process.invoice()]
        traveller.shift(timedelta(hours=2))
        process.approve(recent[0])  # after 2 hours
        traveller.shift(timedelta(hours=2))
        process.approve(recent[1])  # after 4 hours
    process.invoice()
    data = charts(dashboard(login, "fiona"))
    assert data["by_stage"]["labels"] == ["Pay invoice", "Approve invoice"]
    assert data["by_stage"]["series"][0]["data"] == [3, 1]
    assert data["by_stage"]["links"][1] == "/invoices/list/?_flt_3_stage=Approve+invoice"
    short, long = (series["data"] for series in data["stage_times"]["series"])
    assert data["stage_times"]["labels"] == ["Approve invoice"]
    assert (short, long) == ([3.0], [4.0])  # medians of 2 and 4 hours, of 2, 4 and 10 hours
    weeks = data["approvals"]["series"][0]["data"]
    assert len(weeks) == 12 and sum(weeks) == 3 and weeks[-1] + weeks[-2] >= 2
    # An initiator who takes part in none of these invoices counts none of them.
    other = charts(dashboard(login, "olga"))
    assert other["by_stage"]["labels"] == [] and sum(other["approvals"]["series"][0]["data"]) == 0


def test_the_dashboard_speaks_russian(client, login, process):
    process.approve(process.invoice())
    login("fiona")
    client.get("/lang/ru")
    page = dashboard(lambda _name: client, "fiona")
    shown = text(page)
    for expected in (
        "Мои открытые задачи",
        "Все счета",
        "Счета, ожидающие оплаты",
        "Счета по этапам",
        "Медианное время на этапе",
        "Согласования по неделям",
        "Оплата счёта №",
    ):
        assert expected in shown, expected
    assert "Invoices awaiting payment" not in shown and "My open tasks" not in shown
    assert charts(page)["stage_times"]["series"][0]["label"] == "За 30 дней"


DASHBOARD_USERS = ("ivan", "anna", "fiona", "adam")


def statement_counts(app, client, login) -> dict[str, int]:
    counts = {}
    for username in DASHBOARD_USERS:
        login(username)
        counts[username] = statements_for(app, client, "/")
    return counts


def test_the_dashboard_sends_the_same_few_statements_for_one_invoice_or_fifty(
    app, client, login, process
):
    process.approve(process.invoice())
    one = statement_counts(app, client, login)
    for n in range(49):
        pk = process.invoice(approvers=("anna", "boris"))
        if n % 2:
            process.approve(pk)
    fifty = statement_counts(app, client, login)
    assert one == fifty
    assert max(fifty.values()) <= MAX_STATEMENTS, fifty


def test_the_visibility_rule_as_a_filter_and_as_a_list_of_ids_agree(app, process, people):
    process.invoice(submit=False)
    process.approve(process.invoice(approvers=("anna", "boris")))
    process.invoice(initiator="olga", approvers=("boris",))
    process.approve(process.invoice(initiator="olga"))
    with app.app_context():
        every = set(db.session.scalars(select(Invoice.id)))
        for username, user_id in people.items():
            user = app.appbuilder.sm.get_user_by_id(user_id)
            clause, ids = visible_invoices_clause(user), visible_invoice_ids(user)
            by_filter = (
                every
                if clause is None
                else set(db.session.scalars(select(Invoice.id).where(clause)))
            )
            by_ids = every if ids is None else set(db.session.scalars(ids))
            assert by_filter == by_ids, username
        db.session.remove()

"""The bell counts what still waits: a notification about a task stops counting once the task is
handled (decided, paid, reassigned away, cancelled), read or not; its items open in a new tab."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import event, select

from app import roles
from app.extensions import db
from app.models import HumanTask, Notification, TaskStatus
from app.services import inbox
from tests.web.forms import PDF


@pytest.fixture
def people(make):
    return {
        "ivan": make.user("ivan", roles.INITIATOR),
        "anna": make.user("anna", roles.APPROVER),
        "olga": make.user("olga", roles.APPROVER),
        "fedor": make.user("fedor", roles.FINANCE_DIRECTOR),
        "fiona": make.user("fiona", roles.FINANCE_DIRECTOR),
        "adam": make.user("adam", roles.ADMIN),
    }


@pytest.fixture
def invoice(make, people, client, api_token):
    """Submitted: anna holds its approval task."""
    pk = make.invoice(
        people["ivan"], make.counterparty("Acme Supplies"), approvers=[people["anna"]]
    )
    assert (
        client.post(f"/api/v1/invoices/{pk}/submit", headers=api_token("ivan")).status_code == 200
    )
    return pk


def bell(login, username: str) -> int:
    """The number on the bell, as the person sees it in the navigation bar."""
    page = login(username).get("/notifications/").get_data(as_text=True)
    found = re.search(r'data-test="unread-count">(\d+)<', page)
    return int(found.group(1)) if found else 0


def open_task(app, invoice: int) -> HumanTask:
    with app.app_context():
        task = db.session.scalars(
            select(HumanTask).where(
                HumanTask.invoice_id == invoice, HumanTask.status == TaskStatus.OPEN
            )
        ).one()
        db.session.expunge(task)
        return task


def approve(login, username: str, guid: str, comment: str = "") -> None:
    done = login(username).post(
        f"/tasks/{guid}/decision", data={"decision": "approve", "comment": comment}
    )
    assert done.status_code == 302


def test_approving_a_task_takes_it_off_the_bell_though_its_notification_was_never_opened(
    app, login, invoice
):
    assert bell(login, "anna") == 1
    approve(login, "anna", open_task(app, invoice).task_guid)
    assert bell(login, "anna") == 0
    listing = login("anna").get("/notifications/").get_data(as_text=True)
    assert f"Approval of invoice #{invoice}" in listing  # still listed, marked handled
    assert 'data-test="handled"' in listing


def test_when_one_finance_director_pays_the_others_bell_drops_too(app, login, invoice):
    approve(login, "anna", open_task(app, invoice).task_guid)
    assert bell(login, "fedor") == 1 and bell(login, "fiona") == 1
    paid = login("fedor").post(
        f"/tasks/{open_task(app, invoice).task_guid}/pay",
        data={"payment_order": (io.BytesIO(PDF), "order.pdf")},
        content_type="multipart/form-data",
    )
    assert paid.status_code == 302
    assert bell(login, "fiona") == 0
    assert bell(login, "ivan") == 1  # "paid" is news about no task: it waits until read


def test_a_task_reassigned_away_stops_asking_its_old_holder_but_the_news_of_it_counts(
    app, login, invoice, people
):
    guid = open_task(app, invoice).task_guid
    assert login("adam").post(f"/tasks/{guid}/reassign", data={"user_id": people["olga"]})
    # anna: her "new task" no longer asks anything; the reassignment itself is news.
    assert bell(login, "anna") == 1
    assert bell(login, "olga") == 1
    listing = login("anna").get("/notifications/").get_data(as_text=True)
    assert "Adam Tester reassigned it from Anna Tester to Olga Tester" in listing
    approve(login, "olga", guid)
    assert bell(login, "anna") == 0 and bell(login, "olga") == 0


def test_a_withdrawn_invoice_takes_its_tasks_off_the_bell(app, login, invoice):
    withdrawn = login("ivan").post(f"/invoices/{invoice}/withdraw", data={"reason": "Duplicate"})
    assert withdrawn.status_code == 302
    assert bell(login, "anna") == 1  # the withdrawal, not the cancelled task
    with app.app_context():
        kinds = db.session.scalars(
            select(Notification.kind).where(Notification.read_at.is_(None))
        ).all()
    assert sorted(kinds) == ["task_assigned", "withdrawn"]


def test_the_return_notification_opens_the_correction_and_leaves_the_bell_on_resubmit(
    app, login, invoice, people
):
    guid = open_task(app, invoice).task_guid
    login("anna").post(f"/tasks/{guid}/decision", data={"decision": "return", "comment": "VAT"})
    correction = open_task(app, invoice)
    assert correction.form == "correction"
    with app.app_context():
        returned = db.session.scalars(
            select(Notification).where(
                Notification.kind == "returned", Notification.user_id == people["ivan"]
            )
        ).one()
        returned_id = returned.id
        assert returned.task_guid == correction.task_guid
    ivan = login("ivan")
    opened = ivan.post(f"/notifications/{returned_id}/open")
    assert opened.headers["Location"].endswith(f"/tasks/{correction.task_guid}")
    assert bell(login, "ivan") == 1  # the correction task's own notification, still unread
    assert login("ivan").post(f"/tasks/{correction.task_guid}/resubmit").status_code == 302
    assert bell(login, "ivan") == 0


def test_the_items_open_in_a_new_tab(login, invoice):
    listing = login("anna").get("/notifications/").get_data(as_text=True)
    forms = re.findall(r"<form[^>]*/notifications/\d+/open[^>]*>", listing)
    assert forms and all('target="_blank"' in f and 'rel="noopener"' in f for f in forms)


def test_the_bell_is_one_statement_however_many_notifications_there_are(
    app, make, people, client, api_token
):
    def statements_for_the_count() -> int:
        sent = []
        with app.app_context():
            anna = app.appbuilder.sm.get_user_by_id(people["anna"])

            def count(*_args):
                sent.append(1)

            event.listen(db.engine, "before_cursor_execute", count)
            try:
                inbox.unread_count(db.session, anna)
            finally:
                event.remove(db.engine, "before_cursor_execute", count)
            db.session.remove()
        return len(sent)

    one = statements_for_the_count()
    for _ in range(5):
        pk = make.invoice(people["ivan"], make.counterparty(), approvers=[people["anna"]])
        client.post(f"/api/v1/invoices/{pk}/submit", headers=api_token("ivan"))
    assert statements_for_the_count() == one == 1

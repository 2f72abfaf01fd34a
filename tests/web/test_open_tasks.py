"""Administrators' Open tasks: every open task with its holder, waiting since, due and overdue;
filters by holder, role, stage and overdue; reassigning from there; the card's "Now with"."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from app import roles
from app.extensions import db
from app.models import HumanTask, TaskStatus
from app.models.base import utcnow
from app.web.local_format import local_time
from app.web.views import open_tasks as open_tasks_view
from tests.web.test_sql_counts import counted


@pytest.fixture
def people(make):
    return {
        "ivan": make.user("ivan", roles.INITIATOR),
        "anna": make.user("anna", roles.APPROVER),
        "boris": make.user("boris", roles.APPROVER),
        "olga": make.user("olga", roles.APPROVER),
        "fedor": make.user("fedor", roles.FINANCE_DIRECTOR),
        "adam": make.user("adam", roles.ADMIN),
        "audra": make.user("audra", roles.AUDITOR),
    }


@pytest.fixture
def work(make, people, client, api_token):
    """Three invoices: one waits for anna's approval (overdue), one for boris's, and one was
    approved and waits for payment by any finance director."""
    ivan = api_token("ivan")
    invoices = {}
    for name, approver in (("late", "anna"), ("fresh", "boris"), ("to_pay", "olga")):
        pk = make.invoice(
            people["ivan"], make.counterparty(f"{name} supplier"), approvers=[people[approver]]
        )
        assert client.post(f"/api/v1/invoices/{pk}/submit", headers=ivan).status_code == 200
        invoices[name] = pk
    guid = _open_task(client.application, invoices["to_pay"]).task_guid
    approved = client.post(
        f"/api/v1/tasks/{guid}/decision", headers=api_token("olga"), json={"decision": "approve"}
    )
    assert approved.status_code == 200
    with client.application.app_context():
        db.session.execute(
            update(HumanTask)
            .where(HumanTask.invoice_id == invoices["late"])
            .values(due_at=utcnow() - timedelta(hours=3))
        )
        db.session.commit()
        db.session.remove()
    return invoices


def _open_task(app, invoice_id) -> HumanTask:
    with app.app_context():
        task = db.session.scalars(
            select(HumanTask).where(
                HumanTask.invoice_id == invoice_id, HumanTask.status == TaskStatus.OPEN
            )
        ).one()
        db.session.expunge(task)
        return task


def rows_of(page: str) -> list[str]:
    body = page[page.index('data-test="open-tasks"') :]
    return body.split('data-test="open-task"')[1:]


def shown_numbers(client, query: str = "") -> set[str]:
    answer = client.get(f"/open-tasks/{query}")
    assert answer.status_code == 200
    return {
        row.split("Invoice #", 1)[1].split("<", 1)[0]
        for row in rows_of(answer.get_data(as_text=True))
    }


def test_an_admin_sees_every_open_task_with_its_holder_waiting_since_and_due(app, login, work):
    page = login("adam").get("/open-tasks/").get_data(as_text=True)
    rows = rows_of(page)
    assert len(rows) == 3
    # waiting longest first: the oldest submit heads the list
    assert f"Invoice #{work['late']}" in rows[0] and "Anna Tester" in rows[0]
    assert 'class="danger overdue"' in page.split('data-test="open-task"')[0][-40:]
    payment = next(row for row in rows if f"Invoice #{work['to_pay']}" in row)
    assert "Finance director" in payment and ">role<" in payment
    assert "3 open task(s), 1 overdue." in page
    late = _open_task(app, work["late"])
    with app.test_request_context():  # the reader's clock: the admin chose no zone
        assert local_time(late.due_at) in rows[0] and local_time(late.created_at) in rows[0]


def test_open_tasks_filter_by_holder_role_stage_and_overdue(login, people, work):
    admin = login("adam")
    assert shown_numbers(admin, f"?holder={people['anna']}") == {str(work["late"])}
    # a task offered to a role is held by each of the role's people
    assert shown_numbers(admin, f"?holder={people['fedor']}") == {str(work["to_pay"])}
    assert shown_numbers(admin, "?role=Finance+director") == {str(work["to_pay"])}
    assert shown_numbers(admin, "?stage=approve") == {str(work["late"]), str(work["fresh"])}
    assert shown_numbers(admin, "?overdue=1") == {str(work["late"])}
    assert shown_numbers(admin, f"?stage=approve&holder={people['boris']}") == {str(work["fresh"])}
    page = admin.get("/open-tasks/?role=Approver").get_data(as_text=True)
    assert '<option value="Finance director"' in page and '<option value="approve"' in page


def test_the_due_sort_puts_the_earliest_due_first(login, work):
    page = login("adam").get("/open-tasks/?sort=due").get_data(as_text=True)
    assert f"Invoice #{work['late']}" in rows_of(page)[0]


def test_pages_keep_their_filters(login, work, monkeypatch):
    monkeypatch.setattr(open_tasks_view, "PAGE_SIZE", 1)
    admin = login("adam")
    first = admin.get("/open-tasks/?stage=approve").get_data(as_text=True)
    next_link = re.search(r'href="(/open-tasks/\?[^"]*page=2[^"]*)"', first).group(1)
    assert "stage=approve" in next_link
    assert shown_numbers(admin, "?stage=approve&page=1") == {str(work["late"])}
    assert shown_numbers(admin, "?stage=approve&page=2") == {str(work["fresh"])}
    assert shown_numbers(admin, "?stage=approve&page=3") == set()


def test_an_admin_reassigns_from_the_list_through_the_task_page(app, login, people, work):
    admin = login("adam")
    row = rows_of(admin.get(f"/open-tasks/?holder={people['anna']}").get_data(as_text=True))[0]
    guid = _open_task(app, work["late"]).task_guid
    assert f'href="/tasks/{guid}#reassign"' in row
    task_page = admin.get(f"/tasks/{guid}").get_data(as_text=True)
    assert 'id="reassign"' in task_page
    moved = admin.post(f"/tasks/{guid}/reassign", data={"user_id": people["olga"]})
    assert moved.status_code == 302
    assert shown_numbers(admin, f"?holder={people['olga']}") == {str(work["late"])}
    assert shown_numbers(admin, f"?holder={people['anna']}") == set()


def test_a_correction_is_listed_but_offers_no_reassignment(app, login, api_token, client, work):
    guid = _open_task(app, work["fresh"]).task_guid
    client.post(
        f"/api/v1/tasks/{guid}/decision",
        headers=api_token("boris"),
        json={"decision": "return", "comment": "VAT?"},
    )
    row = next(
        row
        for row in rows_of(login("adam").get("/open-tasks/").get_data(as_text=True))
        if f"Invoice #{work['fresh']}" in row
    )
    assert "Ivan Tester" in row and 'data-test="reassign"' not in row


def test_auditors_read_the_list_without_reassigning_and_others_are_refused(login, work):
    auditor = login("audra")
    page = auditor.get("/open-tasks/").get_data(as_text=True)
    assert len(rows_of(page)) == 3 and 'data-test="reassign"' not in page
    for someone in ("anna", "ivan", "fedor"):
        assert login(someone).get("/open-tasks/").status_code == 403, someone
    admin_home = login("adam").get("/").get_data(as_text=True)
    assert "/open-tasks/" in admin_home and "Administration" in admin_home


def test_the_card_s_now_with_links_to_the_task_for_admins_only(app, login, work):
    guid = _open_task(app, work["late"]).task_guid
    link = f'href="/tasks/{guid}" data-test="open-task-link"'
    assert link in login("adam").get(f"/invoices/show/{work['late']}").get_data(as_text=True)
    card = login("ivan").get(f"/invoices/show/{work['late']}").get_data(as_text=True)
    assert "Now with" in card and link not in card


def test_bad_filters_answer_400_with_a_message_and_the_whole_list(login, work):
    admin = login("adam")
    for query in ("?holder=abc", "?holder=999999", "?sort=price", "?holder=-1"):
        answer = admin.get(f"/open-tasks/{query}")
        assert answer.status_code == 400, query
        page = answer.get_data(as_text=True)
        assert "alert-danger" in page and len(rows_of(page)) == 3, query
    assert admin.get("/open-tasks/?page=-4&role=" + "x" * 500).status_code == 200


def test_the_list_sends_the_same_statements_for_three_tasks_or_fifteen(
    app, make, client, login, api_token, people, work
):
    def statements(query: str) -> int:
        client.get(f"/open-tasks/{query}")
        with counted(app) as sent:
            assert client.get(f"/open-tasks/{query}").status_code == 200
        return len(sent)

    login("adam")
    few = {q: statements(q) for q in ("", f"?holder={people['fedor']}&overdue=1")}
    ivan = api_token("ivan")
    for _ in range(12):
        pk = make.invoice(people["ivan"], make.counterparty(), approvers=[people["boris"]])
        client.post(f"/api/v1/invoices/{pk}/submit", headers=ivan)
    login("adam")
    many = {q: statements(q) for q in few}
    assert many == few
    assert max(few.values()) <= 12, few


def test_the_holder_filter_finds_people_as_the_admin_types(login, people):
    found = login("adam").get("/open-tasks/holder-choices?q=ann").json
    assert found["results"] == [{"id": people["anna"], "text": "Anna Tester (anna)"}]
    assert login("anna").get("/open-tasks/holder-choices?q=a").status_code == 403

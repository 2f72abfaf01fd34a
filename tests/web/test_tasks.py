"""The approval process through the screens and the API, per role."""

import io

import pytest

from app import roles
from app.extensions import db
from app.models import AuditEvent, HumanTask, Invoice, Notification, TaskStatus
from tests import clock
from tests.web.forms import PDF
from tests.workflow.test_new_stage_without_code import BOOKING, DEFAULT, publish


@pytest.fixture
def people(make):
    return {
        "ivan": make.user("ivan", roles.INITIATOR, roles.APPROVER),
        "anna": make.user("anna", roles.APPROVER),
        "boris": make.user("boris", roles.APPROVER),
        "olga": make.user("olga", roles.APPROVER),
        "fedor": make.user("fedor", roles.FINANCE_DIRECTOR),
        "adam": make.user("adam", roles.ADMIN),
    }


@pytest.fixture
def invoice(make, people):
    return make.invoice(
        people["ivan"], make.counterparty("Acme"), approvers=[people["anna"], people["boris"]]
    )


def open_task(app, invoice_id) -> HumanTask:
    with app.app_context():
        task = (
            db.session.query(HumanTask)
            .filter_by(invoice_id=invoice_id, status=TaskStatus.OPEN)
            .one()
        )
        db.session.expunge(task)
        return task


def status_of(app, invoice_id) -> str:
    with app.app_context():
        return db.session.get(Invoice, invoice_id).status


def submit(login, invoice_id):
    return login("ivan").post(f"/invoices/{invoice_id}/submit", follow_redirects=True)


def test_submitting_gives_the_first_approver_a_task_in_my_tasks(app, login, invoice):
    page = submit(login, invoice).get_data(as_text=True)
    assert "the first approver has the task" in page
    assert status_of(app, invoice) == "in_approval"
    mine = login("anna").get("/tasks/").get_data(as_text=True)
    assert f"Approval of invoice #{invoice}" in mine and "Acme" in mine
    assert "Nothing is waiting for you." in login("boris").get("/tasks/").get_data(as_text=True)


def test_the_task_page_shows_what_is_needed_to_decide(app, login, invoice):
    client = login("ivan")
    client.post(
        f"/files/upload/{invoice}",
        data={"kind": "invoice", "files": [(io.BytesIO(PDF), "inv.pdf")]},
        content_type="multipart/form-data",
    )
    submit(login, invoice)
    task = open_task(app, invoice)
    page = login("anna").get(f"/tasks/{task.task_guid}").get_data(as_text=True)
    for expected in (
        "1\u00a0000.00 RUB",
        "Acme",
        "inv.pdf",
        "Preview",
        "Approval history",
        f"/invoices/show/{invoice}",
        'value="approve"',
        'value="return"',
        'value="reject"',
    ):
        assert expected in page


def test_submit_without_approvers_is_refused(app, login, make, people):
    bare = make.invoice(people["ivan"], make.counterparty())
    page = submit(login, bare).get_data(as_text=True)
    assert "Choose at least one approver to submit." in page
    assert status_of(app, bare) == "draft"


def test_an_approver_cannot_decide_a_task_assigned_to_someone_else(app, login, invoice):
    submit(login, invoice)
    task = open_task(app, invoice)
    response = login("boris").post(
        f"/tasks/{task.task_guid}/decision", data={"decision": "approve"}
    )
    assert response.status_code == 403
    assert open_task(app, invoice).task_guid == task.task_guid


def test_the_initiator_cannot_approve_their_own_invoice_even_as_an_approver(
    app, login, invoice, api_token, client
):
    submit(login, invoice)
    task = open_task(app, invoice)
    assert (
        login("ivan")
        .post(f"/tasks/{task.task_guid}/decision", data={"decision": "approve"})
        .status_code
        == 403
    )
    api = client.post(
        f"/api/v1/tasks/{task.task_guid}/decision",
        headers=api_token("ivan"),
        json={"decision": "approve"},
    )
    assert api.status_code == 403
    assert status_of(app, invoice) == "in_approval"


def test_someone_who_cannot_see_the_invoice_gets_404(app, login, invoice):
    submit(login, invoice)
    task = open_task(app, invoice)
    outsider = login("olga")
    assert outsider.get(f"/tasks/{task.task_guid}").status_code == 404
    assert (
        outsider.post(f"/tasks/{task.task_guid}/decision", data={"decision": "approve"}).status_code
        == 404
    )


def test_a_finished_task_answers_409_and_nothing_changes_twice(app, login, invoice):
    submit(login, invoice)
    task = open_task(app, invoice)
    anna = login("anna")
    assert (
        anna.post(f"/tasks/{task.task_guid}/decision", data={"decision": "approve"}).status_code
        == 302
    )
    again = anna.post(f"/tasks/{task.task_guid}/decision", data={"decision": "approve"})
    assert again.status_code == 409
    with app.app_context():
        assert (
            db.session.query(AuditEvent).filter_by(invoice_id=invoice, action="approved").count()
            == 1
        )


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"decision": "maybe"}, "Choose approve, return or reject."),
        ({"decision": "return", "comment": "   "}, "a comment is required"),
        ({"decision": "reject"}, "a comment is required"),
        ({"decision": "approve", "comment": "x" * 100_000}, "at most 5000 characters"),
    ],
)
def test_bad_decisions_get_422_and_change_nothing(app, login, invoice, form, message):
    submit(login, invoice)
    task = open_task(app, invoice)
    response = login("anna").post(f"/tasks/{task.task_guid}/decision", data=form)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert open_task(app, invoice).task_guid == task.task_guid


@pytest.mark.parametrize("task_id", ["not-a-uuid", "00000000-0000-0000-0000-000000000000", "1"])
def test_unknown_task_ids_are_404(app, login, invoice, task_id, api_token, client):
    assert login("anna").get(f"/tasks/{task_id}").status_code == 404
    assert (
        client.post(
            f"/api/v1/tasks/{task_id}/decision",
            headers=api_token("anna"),
            json={"decision": "approve"},
        ).status_code
        == 404
    )


def test_return_correct_resubmit_approve_and_pay_through_the_screens(app, login, invoice):
    submit(login, invoice)
    anna = login("anna")
    anna.post(
        f"/tasks/{open_task(app, invoice).task_guid}/decision",
        data={"decision": "return", "comment": "Wrong amount"},
    )
    assert status_of(app, invoice) == "on_rework"
    correction = open_task(app, invoice)
    ivan = login("ivan")
    page = ivan.get(f"/tasks/{correction.task_guid}").get_data(as_text=True)
    assert f"Correct invoice #{invoice}" in page and "Wrong amount" in page
    assert ivan.get(f"/invoices/edit/{invoice}").status_code == 200
    ivan.post(f"/tasks/{correction.task_guid}/resubmit")
    assert status_of(app, invoice) == "in_approval"
    for name in ("anna", "boris"):
        login(name).post(
            f"/tasks/{open_task(app, invoice).task_guid}/decision", data={"decision": "approve"}
        )
    pay = open_task(app, invoice)
    assert pay.candidate_role == "Finance director"
    fedor = login("fedor")
    response = fedor.post(
        f"/tasks/{pay.task_guid}/pay",
        data={
            "paid_on": clock.iso_days_from_today(-7),
            "reference": "PP-1",
            "payment_order": (io.BytesIO(PDF), "order.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    assert status_of(app, invoice) == "paid"
    card = login("ivan").get(f"/invoices/show/{invoice}").get_data(as_text=True)
    assert "Returned for rework" in card and "Wrong amount" in card and "PP-1" in card


def test_a_payment_order_that_is_not_a_pdf_or_image_is_refused(app, login, make, people):
    strict = make.invoice(
        people["ivan"], make.counterparty(), approvers=[people["anna"]], payment_order_required=True
    )
    submit(login, strict)
    login("anna").post(
        f"/tasks/{open_task(app, strict).task_guid}/decision", data={"decision": "approve"}
    )
    pay = open_task(app, strict)
    fedor = login("fedor")
    for upload, message in (
        (None, "requires the payment order"),
        ((io.BytesIO(b"just text"), "order.txt"), "must be a PDF or an image"),
    ):
        data = {"paid_on": clock.iso_days_from_today(-7)}
        if upload:
            data["payment_order"] = upload
        response = fedor.post(
            f"/tasks/{pay.task_guid}/pay", data=data, content_type="multipart/form-data"
        )
        assert response.status_code == 422
        assert message in response.get_data(as_text=True)
    assert status_of(app, strict) == "awaiting_payment"


def test_withdrawing_cancels_and_closes_open_tasks(app, login, invoice):
    submit(login, invoice)
    login("ivan").post(f"/invoices/{invoice}/withdraw", data={"reason": "Duplicate"})
    assert status_of(app, invoice) == "cancelled"
    with app.app_context():
        assert (
            db.session.query(HumanTask)
            .filter_by(invoice_id=invoice, status=TaskStatus.OPEN)
            .count()
            == 0
        )


def test_an_admin_reassigns_a_task_and_it_is_audited(app, login, invoice, people):
    submit(login, invoice)
    task = open_task(app, invoice)
    login("adam").post(f"/tasks/{task.task_guid}/reassign", data={"user_id": people["olga"]})
    assert (
        login("anna")
        .post(f"/tasks/{task.task_guid}/decision", data={"decision": "approve"})
        .status_code
        == 403
    )
    assert (
        login("olga")
        .post(f"/tasks/{task.task_guid}/decision", data={"decision": "approve"})
        .status_code
        == 302
    )
    with app.app_context():
        event = (
            db.session.query(AuditEvent).filter_by(invoice_id=invoice, action="reassigned").one()
        )
        assert event.details["to"] == people["olga"]
        assert event.actor_id == people["adam"]
    card = login("ivan").get(f"/invoices/show/{invoice}").get_data(as_text=True)
    approvals = card[card.index('data-test="approvers"') :]
    # anna's row: approved in her place by the substitute, with the date
    first_row = approvals[: approvals.index("</tr>", approvals.index("</tr>") + 5)]
    assert "Anna Tester" in first_row and "Olga Tester" in first_row


def test_a_task_goes_only_to_someone_who_may_do_it(app, login, invoice, people, make):
    audra = make.user("audra", roles.AUDITOR)
    submit(login, invoice)
    task = open_task(app, invoice)
    admin = login("adam")
    page = admin.get(f"/tasks/{task.task_guid}").get_data(as_text=True)
    choices = page[page.index('data-test="reassign-form"') :]
    choices = choices[: choices.index("</form>")]
    assert "olga" in choices
    for someone in ("ivan", "anna", "boris", "audra", "fedor"):
        assert f"({someone})" not in choices, someone
    for someone in ("ivan", "boris", "audra"):  # initiator, later approver, no Approver role
        refused = admin.post(
            f"/tasks/{task.task_guid}/reassign", data={"user_id": people.get(someone, audra)}
        )
        assert refused.status_code == 422, someone
    assert open_task(app, invoice).assignee_user_id == people["anna"]
    login("anna").post(
        f"/tasks/{task.task_guid}/decision", data={"decision": "return", "comment": "VAT?"}
    )
    correction = open_task(app, invoice)
    assert 'data-test="reassign-form"' not in login("adam").get(
        f"/tasks/{correction.task_guid}"
    ).get_data(as_text=True)
    refused = login("adam").post(
        f"/tasks/{correction.task_guid}/reassign", data={"user_id": people["olga"]}
    )
    assert refused.status_code == 422
    assert open_task(app, invoice).assignee_user_id == people["ivan"]


def test_overdue_tasks_are_highlighted_in_my_tasks(app, login, invoice):
    from datetime import timedelta

    submit(login, invoice)
    with app.app_context():
        task = db.session.query(HumanTask).filter_by(invoice_id=invoice).one()
        task.due_at = task.created_at - timedelta(days=1)
        db.session.commit()
    assert "overdue" in login("anna").get("/tasks/").get_data(as_text=True)


def test_the_api_drives_the_same_process(app, client, api_token, invoice, people):
    ivan, anna = api_token("ivan"), api_token("anna")
    submitted = client.post(f"/api/v1/invoices/{invoice}/submit", headers=ivan)
    assert submitted.status_code == 200, submitted.json
    assert submitted.json["result"]["status"] == "in_approval"
    mine = client.get("/api/v1/tasks/mine", headers=anna).json["result"]
    assert [t["title"] for t in mine] == [f"Approval of invoice #{invoice}"]
    task_id = mine[0]["id"]
    detail = client.get(f"/api/v1/tasks/{task_id}", headers=anna).json["result"]
    assert detail["can_act"] is True and detail["invoice"]["amount"] == "1000.00"
    bad = client.post(
        f"/api/v1/tasks/{task_id}/decision", headers=anna, json={"decision": "return"}
    )
    assert bad.status_code == 422 and "comment" in bad.json["message"]
    done = client.post(
        f"/api/v1/tasks/{task_id}/decision",
        headers=anna,
        json={"decision": "approve", "comment": "ok"},
    )
    assert done.status_code == 200 and done.json["result"]["status"] == "done"
    assert (
        client.post(
            f"/api/v1/tasks/{task_id}/decision", headers=anna, json={"decision": "approve"}
        ).status_code
        == 409
    )
    boris_task = client.get("/api/v1/tasks/mine", headers=api_token("boris")).json["result"][0]
    client.post(
        f"/api/v1/tasks/{boris_task['id']}/decision",
        headers=api_token("boris"),
        json={"decision": "approve"},
    )
    paid = client.post(
        f"/api/v1/invoices/{invoice}/pay",
        headers=api_token("fedor"),
        data={"reference": "PP-9", "payment_order": (io.BytesIO(PDF), "o.pdf")},
        content_type="multipart/form-data",
    )
    assert paid.status_code == 200, paid.json
    assert status_of(app, invoice) == "paid"
    withdrawn = client.post(
        f"/api/v1/invoices/{invoice}/withdraw", headers=ivan, json={"reason": "late"}
    )
    assert withdrawn.status_code == 409


def test_the_menu_shows_how_many_tasks_are_waiting(app, login, invoice):
    assert 'data-test="open-task-count"' not in login("anna").get("/tasks/").get_data(as_text=True)
    submit(login, invoice)
    page = login("anna").get("/invoices/list/").get_data(as_text=True)
    assert '<span class="badge" data-test="open-task-count">1</span>' in page


def test_files_of_a_submitted_invoice_and_payment_orders_stay(app, login, invoice, people):
    ivan = login("ivan")
    ivan.post(
        f"/files/upload/{invoice}",
        data={"kind": "invoice", "files": [(io.BytesIO(PDF), "inv.pdf")]},
        content_type="multipart/form-data",
    )
    submit(login, invoice)
    with app.app_context():
        from app.models import Attachment

        attachment_id = db.session.query(Attachment.id).filter_by(invoice_id=invoice).scalar()
    assert login("ivan").post(f"/files/{attachment_id}/remove").status_code == 403
    assert login("adam").post(f"/files/{attachment_id}/remove").status_code == 302
    for name in ("anna", "boris"):
        login(name).post(
            f"/tasks/{open_task(app, invoice).task_guid}/decision", data={"decision": "approve"}
        )
    login("fedor").post(
        f"/tasks/{open_task(app, invoice).task_guid}/pay",
        data={"payment_order": (io.BytesIO(PDF + b"order"), "order.pdf")},
        content_type="multipart/form-data",
    )
    with app.app_context():
        from app.models import Attachment

        order_id = (
            db.session.query(Attachment.id)
            .filter_by(invoice_id=invoice, kind="payment_order")
            .scalar()
        )
    # Paid: the invoice is closed, so not even an admin removes a file (test_closed_invoice.py).
    assert login("adam").post(f"/files/{order_id}/remove").status_code == 409


def test_my_tasks_pages_through_my_own_and_my_roles_tasks_in_order(
    app, make, people, client, api_token
):
    both = make.user("petra", roles.APPROVER, roles.FINANCE_DIRECTOR)
    ivan = api_token("ivan")
    invoices = [
        make.invoice(people["ivan"], make.counterparty(), approvers=[both]) for _ in range(2)
    ]
    paid_later = make.invoice(people["ivan"], make.counterparty(), approvers=[people["anna"]])
    for invoice_id in (*invoices, paid_later):
        client.post(f"/api/v1/invoices/{invoice_id}/submit", headers=ivan)
    anna = api_token("anna")
    task = client.get("/api/v1/tasks/mine", headers=anna).json["result"][0]["id"]
    client.post(f"/api/v1/tasks/{task}/decision", headers=anna, json={"decision": "approve"})
    petra = api_token("petra")
    pages = [
        client.get(f"/api/v1/tasks/mine?page_size=2&page={n}", headers=petra).json["result"]
        for n in (1, 2, 3)
    ]
    assert [len(page) for page in pages] == [2, 1, 0]
    titles = [t["title"] for page in pages for t in page]
    assert titles == [
        f"Approval of invoice #{invoices[0]}",
        f"Approval of invoice #{invoices[1]}",
        f"Pay invoice #{paid_later}",
    ]


def test_a_role_held_through_a_group_counts_like_one_held_directly(
    app, client, api_token, make, people
):
    gina = make.user("gina", roles.INITIATOR)
    with app.app_context():
        sm = app.appbuilder.sm
        sm.add_group(
            "finance-team",
            "Finance team",
            "Pays invoices",
            roles=[sm.find_role(roles.FINANCE_DIRECTOR)],
            users=[sm.get_user_by_id(gina)],
        )
    invoice = make.invoice(people["ivan"], make.counterparty("Acme"), approvers=[people["anna"]])
    client.post(f"/api/v1/invoices/{invoice}/submit", headers=api_token("ivan"))
    anna = api_token("anna")
    task = client.get("/api/v1/tasks/mine", headers=anna).json["result"][0]["id"]
    client.post(f"/api/v1/tasks/{task}/decision", headers=anna, json={"decision": "approve"})
    gina_h = api_token("gina")
    mine = client.get("/api/v1/tasks/mine", headers=gina_h).json["result"]
    assert [t["title"] for t in mine] == [f"Pay invoice #{invoice}"]
    with app.app_context():
        told = db.session.query(Notification.kind).filter_by(user_id=gina).all()
    assert [k for (k,) in told] == ["task_assigned"]
    paid = client.post(
        f"/api/v1/invoices/{invoice}/pay",
        headers=gina_h,
        data={"reference": "PP-1", "payment_order": (io.BytesIO(PDF), "o.pdf")},
        content_type="multipart/form-data",
    )
    assert paid.status_code == 200, paid.json
    assert status_of(app, invoice) == "paid"


def test_an_acknowledge_task_is_confirmed_through_the_api_and_the_page(
    app, client, api_token, login, make, people
):
    publish(app, BOOKING)  # booking (form acknowledge) between the approvals and the payment
    first, second = (
        make.invoice(people["ivan"], make.counterparty(), approvers=[people["anna"]])
        for _ in range(2)
    )
    anna = api_token("anna")
    for invoice_id in (first, second):
        client.post(f"/api/v1/invoices/{invoice_id}/submit", headers=api_token("ivan"))
        task = open_task(app, invoice_id)
        client.post(
            f"/api/v1/tasks/{task.task_guid}/decision", headers=anna, json={"decision": "approve"}
        )
    by_api = open_task(app, first)
    answer = client.post(
        f"/api/v1/tasks/{by_api.task_guid}/acknowledge",
        headers=api_token("fedor"),
        json={"note": "Booked"},
    )
    assert answer.status_code == 200, answer.json
    assert (
        answer.json["result"]["status"] == "done" and answer.json["result"]["comment"] == "Booked"
    )
    on_page = open_task(app, second)
    browser = login("fedor")
    assert 'data-test="acknowledge-form"' in browser.get(f"/tasks/{on_page.task_guid}").get_data(
        as_text=True
    )
    assert browser.post(f"/tasks/{on_page.task_guid}/acknowledge", data={}).status_code == 302
    assert status_of(app, first) == status_of(app, second) == "awaiting_payment"


def test_my_tasks_offers_a_payment_only_to_those_who_may_make_it(
    app, client, api_token, make, people
):
    """petra is a finance director and one of the approvers: the payment is fedor's to make."""
    petra = make.user("petra", roles.APPROVER, roles.FINANCE_DIRECTOR)
    invoice = make.invoice(people["ivan"], make.counterparty(), approvers=[petra])
    client.post(f"/api/v1/invoices/{invoice}/submit", headers=api_token("ivan"))
    petra_h = api_token("petra")
    task = client.get("/api/v1/tasks/mine", headers=petra_h).json["result"][0]["id"]
    client.post(f"/api/v1/tasks/{task}/decision", headers=petra_h, json={"decision": "approve"})
    assert client.get("/api/v1/tasks/mine", headers=petra_h).json["result"] == []
    fedor = client.get("/api/v1/tasks/mine", headers=api_token("fedor")).json["result"]
    assert [t["title"] for t in fedor] == [f"Pay invoice #{invoice}"]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"amount": "999,99"}, "amount"),
        ({"amount": "1000,01"}, "amount"),
        ({"reference": "R" * 101}, "reference"),
    ],
)
def test_a_payment_that_does_not_settle_the_invoice_is_refused(
    app, client, api_token, invoice, people, fields, field
):
    client.post(f"/api/v1/invoices/{invoice}/submit", headers=api_token("ivan"))
    for who in ("anna", "boris"):
        token = api_token(who)
        task = client.get("/api/v1/tasks/mine", headers=token).json["result"][0]["id"]
        client.post(f"/api/v1/tasks/{task}/decision", headers=token, json={"decision": "approve"})
    refused = client.post(
        f"/api/v1/invoices/{invoice}/pay",
        headers=api_token("fedor"),
        data={**fields, "payment_order": (io.BytesIO(PDF), "o.pdf")},
        content_type="multipart/form-data",
    )
    assert refused.status_code == 422 and list(refused.json["message"]) == [field]
    assert status_of(app, invoice) == "awaiting_payment"


def test_the_initiator_may_not_acknowledge_a_stage_of_their_own_invoice(
    app, client, api_token, login, make, people
):
    acknowledging = DEFAULT.replace(
        '<spiffworkflow:property name="form" value="payment"/>',
        '<spiffworkflow:property name="form" value="acknowledge"/>',
    )
    publish(app, acknowledging)
    vera = make.user("vera", roles.INITIATOR, roles.FINANCE_DIRECTOR)
    invoice = make.invoice(vera, make.counterparty(), approvers=[people["anna"]])
    client.post(f"/api/v1/invoices/{invoice}/submit", headers=api_token("vera"))
    anna = api_token("anna")
    task = open_task(app, invoice)
    client.post(
        f"/api/v1/tasks/{task.task_guid}/decision", headers=anna, json={"decision": "approve"}
    )
    stage = open_task(app, invoice)
    refused = client.post(f"/api/v1/tasks/{stage.task_guid}/acknowledge", headers=api_token("vera"))
    assert refused.status_code == 403
    page = login("vera").get(f"/tasks/{stage.task_guid}").get_data(as_text=True)
    assert 'data-test="acknowledge-form"' not in page
    assert status_of(app, invoice) != "paid"

"""Participants write; everyone else who may see the invoice reads; nobody else sees anything."""

from app.extensions import db
from app.models import DiscussionMessage
from tests.discussion import steps


def test_participants_post_and_read_each_other_on_the_card(login, invoice, write, read):
    card = f"/invoices/show/{invoice}"
    response = login("ivan").post(
        f"/discussion/{invoice}/post",
        data={"text": "Is the VAT right?", "next": f"{card}#discussion"},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"{card}#discussion"
    assert write("anna", invoice, "Yes, 20%.").status_code == 201
    page = login("boris").get(card).get_data(as_text=True)
    assert "Is the VAT right?" in page and "Yes, 20%." in page
    assert page.index("Is the VAT right?") < page.index("Yes, 20%.")  # oldest first
    assert 'data-test="discussion-form"' in page
    thread = read("boris", invoice).json["result"]
    assert thread["can_post"] is True
    assert [(m["author"]["username"], m["text"]) for m in thread["messages"]] == [
        ("ivan", "Is the VAT right?"),
        ("anna", "Yes, 20%."),
    ]


def test_an_auditor_reads_but_cannot_post(login, invoice, write, read):
    write("ivan", invoice, "Please check the contract number.")
    page = login("audrey").get(f"/invoices/show/{invoice}").get_data(as_text=True)
    assert "Please check the contract number." in page
    assert 'data-test="read-only"' in page and 'data-test="discussion-form"' not in page
    assert read("audrey", invoice).json["result"]["can_post"] is False
    refused = write("audrey", invoice, "I have a remark.")
    assert refused.status_code == 403
    assert "only the invoice's participants may write" in refused.json["message"]
    on_screen = login("audrey").post(f"/discussion/{invoice}/post", data={"text": "Remark"})
    assert on_screen.status_code == 403
    assert "participants may write in it" in on_screen.get_data(as_text=True)


def test_finance_directors_and_admins_who_hold_no_task_read_only(invoice, write):
    assert write("fedor", invoice, "Hello").status_code == 403
    assert write("adam", invoice, "Hello").status_code == 403


def test_an_outsider_sees_nothing(app, client, login, invoice, write, read):
    write("ivan", invoice, "Internal note")
    assert read("oscar", invoice).status_code == 404
    assert write("oscar", invoice, "Let me in").status_code == 404
    assert login("oscar").post(f"/discussion/{invoice}/post", data={"text": "x"}).status_code == 404
    assert read("ivan", 999999).status_code == 404
    with app.app_context():
        assert db.session.query(DiscussionMessage).count() == 1


def test_whoever_is_offered_the_payment_task_joins_and_the_one_who_paid_stays(
    client, api_token, invoice, write
):
    steps.submit(client, api_token, invoice)
    steps.approve(client, api_token, "anna")
    steps.approve(client, api_token, "boris")
    # The payment task is offered to every finance director: each may write while it is open.
    assert write("fiona", invoice, "Paying tomorrow.").status_code == 201
    steps.pay(client, api_token, invoice, "fedor")
    assert write("fedor", invoice, "Paid.").status_code == 201
    refused = write("fiona", invoice, "Great.")
    assert refused.status_code == 403  # she still reads, as every finance director does


def test_the_thread_stays_on_a_paid_invoice(client, api_token, invoice, write, read, login):
    write("ivan", invoice, "Before submitting")
    steps.submit(client, api_token, invoice)
    steps.approve(client, api_token, "anna")
    steps.approve(client, api_token, "boris")
    steps.pay(client, api_token, invoice)
    texts = [m["text"] for m in read("audrey", invoice).json["result"]["messages"]]
    assert texts == ["Before submitting"]
    assert write("anna", invoice, "Thanks, closed.").status_code == 201
    page = login("ivan").get(f"/invoices/show/{invoice}").get_data(as_text=True)
    assert "Before submitting" in page and "Thanks, closed." in page


def test_the_thread_stays_on_a_cancelled_invoice(client, api_token, invoice, write, read):
    steps.submit(client, api_token, invoice)
    write("anna", invoice, "Why twice?")
    steps.withdraw(client, api_token, invoice)
    texts = [m["text"] for m in read("boris", invoice).json["result"]["messages"]]
    assert texts == ["Why twice?"]


def test_the_task_page_shows_the_thread_and_posting_there_returns_there(
    client, api_token, invoice, write, login
):
    steps.submit(client, api_token, invoice)
    write("ivan", invoice, "Urgent, please.")
    guid = steps.first_task(client, api_token("anna"))
    anna = login("anna")
    page = anna.get(f"/tasks/{guid}").get_data(as_text=True)
    assert "Urgent, please." in page and 'data-test="discussion-form"' in page
    assert f'name="next" value="/tasks/{guid}#discussion"' in page
    response = anna.post(
        f"/discussion/{invoice}/post",
        data={"text": "On it.", "next": f"/tasks/{guid}#discussion"},
    )
    assert response.headers["Location"] == f"/tasks/{guid}#discussion"


def test_a_return_address_off_this_site_is_refused_and_nothing_is_posted(app, login, invoice):
    client = login("ivan")
    for bad in ("https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:x"):
        response = client.post(f"/discussion/{invoice}/post", data={"text": "Hi", "next": bad})
        assert response.status_code == 400, bad
    with app.app_context():
        assert db.session.query(DiscussionMessage).count() == 0
    without = client.post(f"/discussion/{invoice}/post", data={"text": "Hi"})
    assert without.headers["Location"] == f"/invoices/show/{invoice}"


def test_after_a_refused_decision_the_thread_still_leads_back_to_the_task_page(
    client, api_token, invoice, login
):
    steps.submit(client, api_token, invoice)
    guid = steps.first_task(client, api_token("anna"))
    refused = login("anna").post(f"/tasks/{guid}/decision", data={"decision": "reject"})
    assert refused.status_code == 422  # the task page, rendered at the decision's URL
    assert f'name="next" value="/tasks/{guid}#discussion"' in refused.get_data(as_text=True)

"""An approver decides from the task e-mail: the links come in the mail the SMTP server received;
opening one changes nothing, its page's button does that one action, once, without signing in."""

from __future__ import annotations

import io

import pytest

from tests.mail_links.steps import (
    ACTIONS,
    Mailbox,
    form_token,
    html_links,
    session_cookies,
    text_links,
)
from tests.web.forms import PDF


@pytest.fixture
def mailbox(app, smtp, client, api_token, make):
    return Mailbox(app, smtp, client, api_token, make)


def test_a_task_mail_carries_approve_return_and_reject_links_for_its_recipient(mailbox):
    mailbox.submit()
    mailbox.deliver()
    [mail] = mailbox.mails_to("anna")
    links = html_links(mail)
    assert sorted(links) == sorted(ACTIONS)
    assert len(set(links.values())) == 3  # one link per action
    assert sorted(text_links(mail)) == sorted(links.values())  # the text part has them too
    assert all(url.startswith("http://127.0.0.1:5000/mail-actions/") for url in links.values())


def test_opening_a_link_changes_nothing_and_shows_the_invoice_to_decide_on(mailbox):
    pdf = {"files": (io.BytesIO(PDF), "acme-invoice.pdf"), "kind": "invoice"}
    added = mailbox.client.post(
        f"/api/v1/invoice/{mailbox.invoice}/attachments",
        headers=mailbox.api_token("ivan"),
        data=pdf,
        content_type="multipart/form-data",
    )
    assert added.status_code in (200, 201), added.json
    links = mailbox.submitted_links()

    for _ in range(2):  # a mail scanner, then the person
        page = mailbox.client.get(links["approve"])
        assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f"Approve invoice #{mailbox.invoice}?" in html
    assert "Acme Supplies" in html and "1\u00a0234.50 RUB" in html
    assert "acme-invoice.pdf" in html
    assert mailbox.open_tasks("anna") != []  # still waiting for her
    assert mailbox.decisions() == []
    assert session_cookies(page) == []
    assert page.headers["Cache-Control"] == "no-store"


def test_approving_from_the_mail_moves_the_invoice_on_as_the_recipient(mailbox):
    links = mailbox.submitted_links()

    done = mailbox.confirm(links["approve"])

    assert done.status_code == 200
    assert f"You approved invoice #{mailbox.invoice}." in done.get_data(as_text=True)
    assert mailbox.open_tasks("anna") == []
    assert [t["title"] for t in mailbox.open_tasks("boris")] == [
        f"Approval of invoice #{mailbox.invoice}"
    ]
    [(action, actor, details)] = mailbox.decisions()
    assert (action, actor, details["channel"]) == ("approved", mailbox.people["anna"], "email")


def test_no_session_is_created_and_no_signed_in_state_is_gained(mailbox):
    links = mailbox.submitted_links()
    client = mailbox.app.test_client()

    page = client.get(links["approve"])
    done = client.post(
        links["approve"], data={"form_token": form_token(page.get_data(as_text=True))}
    )

    assert done.status_code == 200
    assert session_cookies(page) == [] and session_cookies(done) == []
    assert client.get_cookie("session") is None
    mine = client.get("/tasks/")
    assert mine.status_code == 302 and "/login/" in mine.headers["Location"]
    assert client.get("/api/v1/tasks/mine").status_code == 401


def test_the_card_history_says_the_decision_was_made_by_email(mailbox, login):
    links = mailbox.submitted_links()
    mailbox.confirm(links["approve"])

    card = login("ivan").get(f"/invoices/show/{mailbox.invoice}")

    html = card.get_data(as_text=True)
    assert 'data-test="by-email">by e-mail<' in html


@pytest.mark.parametrize("action", ["return", "reject"])
def test_return_and_reject_ask_for_the_comment_on_the_page(mailbox, action):
    links = mailbox.submitted_links()
    page = mailbox.client.get(links[action])
    assert 'name="comment"' in page.get_data(as_text=True)

    refused = mailbox.client.post(
        links[action], data={"form_token": form_token(page.get_data(as_text=True))}
    )
    assert refused.status_code == 422
    assert "a comment is required" in refused.get_data(as_text=True)
    assert mailbox.decisions() == [] and mailbox.open_tasks("anna") != []

    done = mailbox.confirm(links[action], comment="VAT is wrong")

    assert done.status_code == 200
    [(recorded, _actor, details)] = mailbox.decisions()
    assert recorded == {"return": "returned", "reject": "rejected"}[action]
    assert details["comment"] == "VAT is wrong" and details["channel"] == "email"


def test_a_link_used_twice_changes_nothing_the_second_time(mailbox):
    links = mailbox.submitted_links()
    page = mailbox.client.get(links["approve"])
    token = form_token(page.get_data(as_text=True))
    assert mailbox.client.post(links["approve"], data={"form_token": token}).status_code == 200

    again = mailbox.client.post(links["approve"], data={"form_token": token})
    opened = mailbox.client.get(links["approve"])

    assert again.status_code == 409 and opened.status_code == 409
    assert "This link was already used." in again.get_data(as_text=True)
    assert len(mailbox.decisions()) == 1


def test_the_other_links_of_a_handled_task_say_so(mailbox):
    links = mailbox.submitted_links()
    mailbox.confirm(links["approve"])

    rejected = mailbox.client.get(links["reject"])

    assert rejected.status_code == 409
    assert "This task was already handled." in rejected.get_data(as_text=True)
    assert "Nothing was changed." in rejected.get_data(as_text=True)


def test_a_link_for_a_task_decided_on_the_task_page_does_nothing(mailbox):
    links = mailbox.submitted_links()
    page = mailbox.client.get(links["reject"])
    guid = mailbox.open_tasks("anna")[0]["id"]
    decided = mailbox.client.post(
        f"/api/v1/tasks/{guid}/decision",
        headers=mailbox.api_token("anna"),
        json={"decision": "approve"},
    )
    assert decided.status_code == 200

    late = mailbox.client.post(
        links["reject"],
        data={"form_token": form_token(page.get_data(as_text=True)), "comment": "No"},
    )

    assert late.status_code == 409
    assert [d[0] for d in mailbox.decisions()] == ["approved"]


def test_a_link_for_a_reassigned_task_does_nothing(mailbox, login):
    links = mailbox.submitted_links()
    guid = mailbox.open_tasks("anna")[0]["id"]
    admin = login("adam")
    moved = admin.post(f"/tasks/{guid}/reassign", data={"user_id": mailbox.people["vera"]})
    assert moved.status_code == 302

    refused = mailbox.app.test_client().get(links["approve"])

    assert refused.status_code == 403
    assert "This task is no longer yours to decide." in refused.get_data(as_text=True)
    assert mailbox.decisions() == []


def test_a_link_for_a_withdrawn_invoice_does_nothing(mailbox):
    links = mailbox.submitted_links()
    withdrawn = mailbox.client.post(
        f"/api/v1/invoices/{mailbox.invoice}/withdraw",
        headers=mailbox.api_token("ivan"),
        json={"reason": "Duplicate"},
    )
    assert withdrawn.status_code == 200, withdrawn.json

    refused = mailbox.client.get(links["approve"])

    assert refused.status_code == 409
    assert "The invoice was withdrawn by its initiator." in refused.get_data(as_text=True)


def test_an_expired_link_does_nothing(mailbox, app):
    import time_machine

    from app.models.base import utcnow

    links = mailbox.submitted_links()
    hours = app.config["EMAIL_ACTION_LINK_HOURS"]
    with time_machine.travel(utcnow().timestamp() + (hours + 1) * 3600, tick=False):
        refused = mailbox.client.get(links["approve"])

    assert refused.status_code == 410
    assert "This link has expired." in refused.get_data(as_text=True)
    assert mailbox.decisions() == []


def test_a_tampered_link_or_a_forged_form_does_nothing(mailbox):
    links = mailbox.submitted_links()
    token = links["approve"].rsplit("/", 1)[1]
    forged = links["approve"].replace(token, token[:-3] + ("AAA" if token[-3:] != "AAA" else "BBB"))
    # The reject link's page token does not fit the approve link: the form is bound to its link.
    other_page = mailbox.client.get(links["reject"]).get_data(as_text=True)

    tampered = mailbox.client.get(forged)
    wrong_form = mailbox.client.post(links["approve"], data={"form_token": form_token(other_page)})
    no_form = mailbox.client.post(links["approve"], data={})

    assert tampered.status_code == 400
    assert "This link is not valid." in tampered.get_data(as_text=True)
    assert wrong_form.status_code == 400 and no_form.status_code == 400
    assert mailbox.decisions() == [] and mailbox.open_tasks("anna") != []


def test_guessing_links_is_throttled_like_logins(mailbox, app):
    links = mailbox.submitted_links()
    limit = app.config["LOGIN_FAILURES_PER_MINUTE"]
    answers = [mailbox.client.get(f"/mail-actions/guess{n}").status_code for n in range(limit + 1)]

    assert answers[:limit] == [400] * limit
    assert answers[limit] == 429
    throttled = mailbox.client.get(links["approve"])  # the same address: it waits too
    assert throttled.status_code == 429 and "Retry-After" in throttled.headers

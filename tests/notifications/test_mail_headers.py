"""No text from a diagram or a card can add a header to an e-mail: Bcc stays the sender's choice."""

import email
from email.policy import default as default_policy
from pathlib import Path

import pytest

from app import roles
from app.extensions import db
from app.services.mail_delivery import header_value
from app.services.publish_process import publish_process
from app.worker import work_once

DIAGRAM = Path(__file__).parents[2] / "processes" / "invoice_approval.bpmn"
APPROVAL_TITLE = 'name="title" value="Approval of invoice #{number}"'
INJECTED = "\r\nBcc: attacker@example.com"


def publish_approval_title(app, title: str) -> None:
    """What an analyst does in the editor: a new title for the approval task."""
    xml = DIAGRAM.read_text()
    assert APPROVAL_TITLE in xml
    xml = xml.replace(APPROVAL_TITLE, f'name="title" value="{title}"')
    with app.app_context():
        publish_process(db.session, None, xml, "A new approval title")
        db.session.remove()


@pytest.fixture
def people(make):
    return {
        "ivan": make.user("ivan", roles.INITIATOR),
        "anna": make.user("anna", roles.APPROVER),
    }


def submit_and_deliver(app, make, client, api_token, people, **fields) -> None:
    invoice = make.invoice(
        people["ivan"], make.counterparty(), approvers=[people["anna"]], **fields
    )
    submitted = client.post(f"/api/v1/invoices/{invoice}/submit", headers=api_token("ivan"))
    assert submitted.status_code == 200
    work_once(app)


def assert_only_anna_got_one_line_subject(smtp, subject_start: str) -> None:
    [delivered] = smtp.inbox.messages
    assert smtp.inbox.recipients == [["anna@example.com"]]
    assert delivered["Bcc"] is None
    assert delivered["To"] == "anna@example.com"
    assert delivered["Subject"].startswith(subject_start)
    assert "Bcc: attacker@example.com" in delivered["Subject"]  # kept as text, on one line
    assert "\n" not in delivered["Subject"] and "\r" not in delivered["Subject"]


@pytest.mark.parametrize(
    "title",
    [
        "Approval of invoice #{number}&#13;&#10;Bcc: attacker@example.com",
        "Approval #{number}&#10;Bcc: attacker@example.com",
    ],
)
def test_a_line_break_in_an_analysts_task_title_adds_no_header(
    app, smtp, make, client, api_token, people, title
):
    publish_approval_title(app, title)
    submit_and_deliver(app, make, client, api_token, people)
    assert_only_anna_got_one_line_subject(smtp, "Approval")


def test_a_line_break_in_an_invoice_field_shown_in_the_title_adds_no_header(
    app, smtp, make, client, api_token, people
):
    publish_approval_title(app, "Approval of vendor invoice {vendor_invoice_no}")
    submit_and_deliver(app, make, client, api_token, people, vendor_invoice_no="V-1" + INJECTED)
    assert_only_anna_got_one_line_subject(smtp, "Approval of vendor invoice V-1")


@pytest.mark.parametrize(
    "line_break", ["\r\n", "\n", "\r", "\x0b", "\x0c", "\x85", "\u2028", "\u2029"]
)
def test_every_kind_of_line_break_leaves_a_header_value_on_one_line(line_break):
    assert header_value(f"Invoice #49{line_break}Bcc: attacker@example.com") == (
        "Invoice #49 Bcc: attacker@example.com"
    )


def test_a_message_kept_in_the_mail_folder_has_no_injected_header(
    app, make, client, api_token, people, tmp_path, monkeypatch
):
    monkeypatch.setitem(app.config, "MAIL_FOLDER", str(tmp_path))
    publish_approval_title(app, "Approval of vendor invoice {vendor_invoice_no}")
    submit_and_deliver(app, make, client, api_token, people, vendor_invoice_no="V-1" + INJECTED)
    [kept] = [
        email.message_from_bytes(path.read_bytes(), policy=default_policy)
        for path in tmp_path.glob("*.eml")
    ]
    assert kept["Bcc"] is None
    assert kept["To"] == "anna@example.com"
    assert kept["Subject"] == "Approval of vendor invoice V-1 Bcc: attacker@example.com"

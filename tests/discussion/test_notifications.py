"""A new message tells every other participant, in the app and by e-mail."""

from app.extensions import db
from app.models import Notification, NotificationKind
from app.worker import work_once
from tests.discussion import steps


def discussion_notifications(app) -> list[tuple[int, dict]]:
    with app.app_context():
        return sorted(
            (n.user_id, n.params)
            for n in db.session.query(Notification).filter_by(kind=NotificationKind.DISCUSSION)
        )


def test_posting_notifies_the_other_participants_and_not_the_author(app, people, invoice, write):
    text = "Please attach the signed act. " + "x" * 600
    write("anna", invoice, text)
    expected = {"text": text[:500], "by": people["anna"]}
    assert discussion_notifications(app) == [
        (people["ivan"], expected),
        (people["boris"], expected),
    ]


def test_the_others_get_an_e_mail_with_the_message(app, smtp, people, invoice, write):
    write("ivan", invoice, "Could you approve today?\nThanks")
    work_once(app)
    assert smtp.inbox.to("ivan@example.com") == []
    for address in ("anna@example.com", "boris@example.com"):
        [mail] = smtp.inbox.to(address)
        assert mail["Subject"] == f"New message on invoice #{invoice}"
        body = smtp.inbox.text(mail).replace("\r\n", "\n")
        assert "Ivan Tester wrote on invoice" in body
        assert "Could you approve today?\nThanks" in body
        assert f"/invoices/show/{invoice}" in body
    for bystander in ("audrey", "fedor", "adam", "oscar"):
        assert smtp.inbox.to(f"{bystander}@example.com") == []


def test_the_finance_directors_offered_the_payment_hear_of_new_messages(
    app, client, api_token, people, invoice, write
):
    steps.submit(client, api_token, invoice)
    steps.approve(client, api_token, "anna")
    steps.approve(client, api_token, "boris")
    write("ivan", invoice, "The supplier asks for payment by Friday.")
    notified = {user for user, _ in discussion_notifications(app)}
    assert notified == {people["anna"], people["boris"], people["fedor"], people["fiona"]}

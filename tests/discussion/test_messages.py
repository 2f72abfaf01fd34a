"""What a message may say, how it shows, and how long its author may change it."""

from datetime import timedelta

import pytest

from app.errors import PermissionDeniedError
from app.extensions import db
from app.models import AuditEvent, DiscussionMessage
from app.services import discussion
from app.services.discussion import MessageLockedError


def message_id(app) -> int:
    with app.app_context():
        return (
            db.session.query(DiscussionMessage.id).order_by(DiscussionMessage.id.desc()).first()[0]
        )


def posted_at(app, pk: int):
    with app.app_context():
        return db.session.get(DiscussionMessage, pk).created_at


def audit_of(app, invoice_id: int) -> list[tuple[str, dict]]:
    with app.app_context():
        return [
            (e.action, e.details)
            for e in db.session.query(AuditEvent)
            .filter(AuditEvent.invoice_id == invoice_id, AuditEvent.action.like("message_%"))
            .order_by(AuditEvent.sequence)
        ]


def as_user(app, username: str):
    return app.appbuilder.sm.find_user(username=username)


def test_html_is_shown_as_text_and_web_links_become_links(login, invoice, write):
    write(
        "ivan",
        invoice,
        '<script>alert("x")</script> <b>bold</b>\n'
        "Contract: https://docs.example.com/c?id=7&v=2.\n"
        "Not a link: javascript:alert(1)",
    )
    page = login("anna").get(f"/invoices/show/{invoice}").get_data(as_text=True)
    assert "<script>alert" not in page and "<b>bold</b>" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &lt;b&gt;bold&lt;/b&gt;" in page
    assert (
        '<a href="https://docs.example.com/c?id=7&amp;v=2" rel="nofollow noopener noreferrer" '
        'target="_blank">https://docs.example.com/c?id=7&amp;v=2</a>.' in page
    )
    assert 'href="javascript' not in page
    assert "bold&lt;/b&gt;\nContract:" in page  # line breaks kept (shown with pre-wrap)


def test_a_message_of_5000_characters_is_accepted_and_longer_or_empty_ones_are_refused(
    app, login, invoice, write
):
    assert write("ivan", invoice, "x" * 5000).status_code == 201
    too_long = write("ivan", invoice, "x" * 5001)
    assert too_long.status_code == 422
    assert too_long.json["message"]["text"] == [
        "A message may have at most 5000 characters (this one has 5001)."
    ]
    for empty in ("", "   \n ", None):
        refused = write("ivan", invoice, empty)
        assert refused.status_code == 422
        assert refused.json["message"]["text"] == ["Write a message first."]
    on_screen = login("ivan").post(f"/discussion/{invoice}/post", data={"text": "y" * 5001})
    assert on_screen.status_code == 422
    assert "at most 5000 characters" in on_screen.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(DiscussionMessage).count() == 1


def test_the_author_edits_and_deletes_within_5_minutes(app, invoice, write):
    write("ivan", invoice, "Amount is 1000")
    pk = message_id(app)
    at = posted_at(app, pk)
    with app.app_context():
        ivan = as_user(app, "ivan")
        edited = discussion.edit_message(
            db.session, ivan, pk, "Amount is 1100", at + timedelta(minutes=4, seconds=59)
        )
        assert edited.text == "Amount is 1100" and edited.edited_at is not None
        discussion.delete_message(db.session, ivan, pk, at + timedelta(minutes=5))
        db.session.remove()
    assert audit_of(app, invoice) == [
        ("message_posted", {"message_id": pk, "text": "Amount is 1000", "files": []}),
        ("message_edited", {"message_id": pk, "old": "Amount is 1000", "new": "Amount is 1100"}),
        ("message_deleted", {"message_id": pk, "text": "Amount is 1100"}),
    ]


def test_after_5_minutes_a_message_can_be_neither_edited_nor_deleted(app, invoice, write):
    write("ivan", invoice, "Final words")
    pk = message_id(app)
    later = posted_at(app, pk) + timedelta(minutes=5, seconds=1)
    with app.app_context():
        ivan = as_user(app, "ivan")
        with pytest.raises(MessageLockedError, match="only within 5 minutes"):
            discussion.edit_message(db.session, ivan, pk, "Other words", later)
        with pytest.raises(MessageLockedError, match="only within 5 minutes"):
            discussion.delete_message(db.session, ivan, pk, later)
        assert db.session.get(DiscussionMessage, pk).text == "Final words"
        db.session.remove()
    assert [action for action, _ in audit_of(app, invoice)] == ["message_posted"]


def test_the_screens_and_the_api_refuse_late_changes_with_409(
    app, client, api_token, login, invoice, write, monkeypatch
):
    write("ivan", invoice, "Too late to change")
    pk = message_id(app)
    later = posted_at(app, pk) + timedelta(minutes=6)
    monkeypatch.setattr("app.web.views.discussion.utcnow", lambda: later)
    monkeypatch.setattr("app.web.api.discussion.utcnow", lambda: later)
    monkeypatch.setattr("app.services.invoice_card.utcnow", lambda: later)
    web = login("ivan")
    assert web.post(f"/discussion/message/{pk}/edit", data={"text": "New"}).status_code == 409
    assert web.post(f"/discussion/message/{pk}/delete").status_code == 409
    headers = api_token("ivan")
    api = client.put(f"/api/v1/discussion/messages/{pk}", headers=headers, json={"text": "New"})
    assert api.status_code == 409 and "within 5 minutes" in api.json["message"]
    assert client.delete(f"/api/v1/discussion/messages/{pk}", headers=headers).status_code == 409
    page = web.get(f"/invoices/show/{invoice}").get_data(as_text=True)
    assert "Too late to change" in page and 'data-test="change-message"' not in page


def test_edit_and_delete_through_the_screens(app, login, invoice, write):
    write("ivan", invoice, "Frist draft")
    pk = message_id(app)
    web = login("ivan")
    card = f"/invoices/show/{invoice}"
    assert 'data-test="change-message"' in web.get(card).get_data(as_text=True)
    edited = web.post(
        f"/discussion/message/{pk}/edit", data={"text": "First draft", "next": f"{card}#discussion"}
    )
    assert edited.headers["Location"] == f"{card}#discussion"
    page = web.get(card).get_data(as_text=True)
    assert "First draft" in page and "Frist draft" not in page and 'data-test="edited"' in page
    web.post(f"/discussion/message/{pk}/delete", data={"next": card})
    page = login("anna").get(card).get_data(as_text=True)
    assert "message deleted" in page and "First draft" not in page
    assert [action for action, _ in audit_of(app, invoice)] == [
        "message_posted",
        "message_edited",
        "message_deleted",
    ]


def test_only_the_author_may_change_a_message(app, client, api_token, login, invoice, write):
    write("ivan", invoice, "Mine")
    pk = message_id(app)
    assert (
        login("anna").post(f"/discussion/message/{pk}/edit", data={"text": "x"}).status_code == 403
    )
    assert login("adam").post(f"/discussion/message/{pk}/delete").status_code == 403
    outsider = client.delete(f"/api/v1/discussion/messages/{pk}", headers=api_token("oscar"))
    assert outsider.status_code == 404
    with app.app_context(), pytest.raises(PermissionDeniedError):
        discussion.delete_message(db.session, as_user(app, "boris"), pk, posted_at(app, pk))


def test_a_deleted_message_keeps_its_place_and_its_text_stays_in_the_audit_trail(
    app, client, api_token, invoice, write, read
):
    write("ivan", invoice, "Wrong invoice, sorry")
    write("anna", invoice, "No problem")
    pk = write("ivan", invoice, "Another").json["result"]["id"]
    first = read("ivan", invoice).json["result"]["messages"][0]["id"]
    assert (
        client.delete(f"/api/v1/discussion/messages/{first}", headers=api_token("ivan")).status_code
        == 200
    )
    messages = read("audrey", invoice).json["result"]["messages"]
    assert [(m["deleted"], m["text"]) for m in messages] == [
        (True, None),
        (False, "No problem"),
        (False, "Another"),
    ]
    assert messages[2]["id"] == pk
    with app.app_context():
        assert db.session.query(DiscussionMessage).count() == 3  # nothing is physically deleted
    deleted = [d for action, d in audit_of(app, invoice) if action == "message_deleted"]
    assert deleted == [{"message_id": first, "text": "Wrong invoice, sorry"}]
    again = client.delete(f"/api/v1/discussion/messages/{first}", headers=api_token("ivan"))
    assert again.status_code == 409


def test_the_timeline_tells_who_wrote(login, invoice, write):
    write("anna", invoice, "Question")
    page = login("ivan").get(f"/invoices/show/{invoice}").get_data(as_text=True)
    assert "wrote in the discussion" in page

"""An open card or task page follows its discussion: it asks what changed since it was made and
gets new, edited and deleted messages rendered as the page shows them, a page at a time; only
readers of the invoice get an answer, and asking on its own keeps no idle session alive."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from app.extensions import db
from app.models import DiscussionMessage
from app.services.discussion import UPDATES_LIMIT
from tests.discussion.steps import submit

BACKGROUND = {"X-Background": "poll"}
NEVER = "2020-01-01T00:00:00"  # a page made before anything was written


def cursor_of(page: str) -> dict:
    """Where the page's thread stands: the data the script starts from."""
    since = re.search(r'data-since="(\d+)"', page).group(1)
    at = re.search(r'data-at="([^"]+)"', page).group(1)
    return {"since": since, "at": html.unescape(at)}


def updates(client, invoice_id: int, **cursor):
    return client.get(f"/discussion/{invoice_id}/updates", query_string=cursor, headers=BACKGROUND)


@pytest.fixture
def submitted(client, api_token, invoice):
    submit(client, api_token, invoice)
    return invoice


def test_a_message_written_elsewhere_reaches_an_open_card_rendered_and_escaped(
    login, write, submitted
):
    ivan = login("ivan")
    cursor = cursor_of(ivan.get(f"/invoices/show/{submitted}").get_data(as_text=True))
    assert cursor["since"] == "0"
    nothing = updates(ivan, submitted, **cursor)
    assert nothing.status_code == 200 and nothing.json["messages"] == []
    assert nothing.headers["Cache-Control"] == "no-store"

    posted = write("anna", submitted, "See https://example.com/q3 <b>now</b>").json["result"]
    answer = updates(ivan, submitted, **cursor).json
    [message] = answer["messages"]
    assert message["id"] == posted["id"] and answer["since"] == posted["id"]
    assert f'id="message-{posted["id"]}"' in message["html"]
    assert "Anna Tester" in message["html"]
    assert "&lt;b&gt;now&lt;/b&gt;" in message["html"] and "<b>" not in message["html"]
    assert '<a href="https://example.com/q3"' in message["html"]
    again = updates(ivan, submitted, since=answer["since"], at=answer["at"]).json
    assert [m["id"] for m in again["messages"]] == [posted["id"]]  # within the overlap: again
    later = (datetime.fromisoformat(answer["at"]) + timedelta(minutes=1)).isoformat()
    assert updates(ivan, submitted, since=answer["since"], at=later).json["messages"] == []


def test_an_edited_or_deleted_message_comes_again_as_it_now_reads(
    client, api_token, login, write, submitted
):
    with time_machine.travel(datetime.now(UTC).replace(microsecond=0), tick=False) as clock:
        posted = write("anna", submitted, "Frist version").json["result"]
        clock.shift(timedelta(minutes=1))
        ivan = login("ivan")
        seen = updates(ivan, submitted, since=posted["id"], at=NEVER).json
        assert [m["id"] for m in seen["messages"]] == [posted["id"]]
        cursor = {"since": seen["since"], "at": seen["at"]}
        assert updates(ivan, submitted, **cursor).json["messages"] == []
        clock.shift(timedelta(minutes=1))
        client.put(
            f"/api/v1/discussion/messages/{posted['id']}",
            headers=api_token("anna"),
            json={"text": "First version"},
        )
        [edited] = updates(ivan, submitted, **cursor).json["messages"]
        assert "First version" in edited["html"] and 'data-test="edited"' in edited["html"]
        client.delete(f"/api/v1/discussion/messages/{posted['id']}", headers=api_token("anna"))
        [deleted] = updates(ivan, submitted, **cursor).json["messages"]
        assert 'data-test="deleted"' in deleted["html"] and "First version" not in deleted["html"]


def test_its_own_messages_come_with_the_forms_to_change_them(login, write, submitted):
    write("anna", submitted, "Mine")
    back = f"/invoices/show/{submitted}#discussion"
    cursor = {"since": 0, "at": NEVER, "back": back}
    [own] = updates(login("anna"), submitted, **cursor).json["messages"]
    assert 'data-test="change-message"' in own["html"] and f'value="{back}"' in own["html"]
    [theirs] = updates(login("ivan"), submitted, **cursor).json["messages"]
    assert 'data-test="change-message"' not in theirs["html"]


def test_the_forms_of_a_message_never_lead_off_the_site(login, write, submitted):
    write("anna", submitted, "Mine")
    cursor = {"since": 0, "at": NEVER, "back": "https://evil.example/"}
    [own] = updates(login("anna"), submitted, **cursor).json["messages"]
    assert "evil.example" not in own["html"]
    assert f'value="/invoices/show/{submitted}#discussion"' in own["html"]


def test_a_busy_thread_comes_a_page_at_a_time(app, login, write, submitted, people):
    with app.app_context():
        db.session.add_all(
            DiscussionMessage(invoice_id=submitted, author_id=people["anna"], text=f"n{n}")
            for n in range(UPDATES_LIMIT + 5)
        )
        db.session.commit()
        db.session.remove()
    ivan = login("ivan")
    recent = datetime.now(UTC).replace(tzinfo=None).isoformat()
    first = updates(ivan, submitted, since=0, at=recent).json
    assert len(first["messages"]) == UPDATES_LIMIT and first["more"] is True
    rest = updates(ivan, submitted, since=first["since"], at=first["at"]).json
    new = [m for m in rest["messages"] if m["id"] > first["since"]]
    assert len(new) == 5 and rest["more"] is False


def test_only_readers_of_the_invoice_get_its_updates(client, login, submitted):
    cursor = {"since": 0, "at": NEVER}
    assert updates(login("oscar"), submitted, **cursor).status_code == 404
    assert updates(login("audrey"), submitted, **cursor).status_code == 200  # reads every invoice
    client.delete_cookie(client.application.config["SESSION_COOKIE_NAME"])
    anonymous = updates(client, submitted, **cursor)
    assert anonymous.status_code == 302 and "/login/" in anonymous.headers["Location"]


@pytest.mark.parametrize(
    "cursor",
    [
        {},
        {"since": "x", "at": "2020-01-01T00:00:00"},
        {"since": "-1", "at": "2020-01-01T00:00:00"},
        {"since": str(2**70), "at": "2020-01-01T00:00:00"},
        {"since": "0", "at": "yesterday"},
        {"since": "0", "at": "2020-01-01T00:00:00+03:00"},
    ],
)
def test_a_position_that_cannot_be_read_is_refused_with_a_message(login, submitted, cursor):
    refused = updates(login("ivan"), submitted, **cursor)
    assert refused.status_code == 400
    assert "message number and a time" in refused.get_data(as_text=True)


def test_a_page_following_the_thread_keeps_no_idle_session_alive(app, login, submitted):
    with time_machine.travel(datetime.now(UTC).replace(microsecond=0), tick=False) as clock:
        ivan = login("ivan")
        for _ in range(3):  # the tab asks on its own for 27 minutes; nobody is at it
            clock.shift(timedelta(minutes=9))
            assert updates(ivan, submitted, since=0, at=NEVER).status_code == 200
        clock.shift(timedelta(minutes=4))  # 31 minutes since the person last did anything
        assert updates(ivan, submitted, since=0, at=NEVER).status_code == 302  # signed out

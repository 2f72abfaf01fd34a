"""The audit search: every event across invoices for auditors and administrators, filtered by
actor, action, invoice and period (days on the reader's clock), in keyset pages whose links
carry the cursor; exported as CSV and XLSX with formulas neutralised; the same over the API."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime

import openpyxl
import pytest
from sqlalchemy import text

from app.extensions import db
from app.services import audit
from app.services.audit_search import PAGE_SIZE
from tests.audit_search.conftest import RETURN_COMMENT, expect

EVENT_ROW = re.compile(r'<tr data-test="audit-event" data-action="(\w+)">')
FORMULA = '=HYPERLINK("http://evil.example","click")'


def actions_on(page: str) -> list[str]:
    return EVENT_ROW.findall(page)


def hashes(page: str) -> list[str]:
    return re.findall(r'<code title="(\w+)">', page)


def link(page: str, name: str) -> str | None:
    found = re.search(rf'<a href="([^"]+)" data-test="{name}">', page)
    return found[1].replace("&amp;", "&") if found else None


def add_notes(app, count: int, invoice_id=None, actor_id=None, details=None) -> None:
    with app.app_context():
        for n in range(count):
            audit.record(db.session, "note", actor_id, details or {"n": n}, invoice_id)
        db.session.commit()
        db.session.remove()


def move_events(app, action: str, moment: datetime) -> None:
    with app.app_context():
        db.session.execute(
            text("UPDATE audit_event SET created_at = :at WHERE action = :action"),
            {"at": moment, "action": action},
        )
        db.session.commit()
        db.session.remove()


def test_an_auditor_sees_every_invoices_events_newest_first(story, login):
    page = expect(login("audra").get("/audit/")).get_data(as_text=True)
    shown = actions_on(page)
    assert shown[0] == "paid" and "created" in shown and "returned" in shown
    assert RETURN_COMMENT in page
    assert f'href="/invoices/show/{story.invoice_id}"' in page


def test_filters_by_actor_action_and_invoice(app, story, make, people, login):
    other = make.invoice(people["boris"], make.counterparty("Other supplier"))
    audra = login("audra")
    by_anna = audra.get(f"/audit/?actor={people['anna']}").get_data(as_text=True)
    assert set(actions_on(by_anna)) == {"returned", "approved"}
    returned = audra.get("/audit/?action=returned").get_data(as_text=True)
    assert actions_on(returned) == ["returned"]
    with app.app_context():
        number = db.session.execute(
            text("SELECT number FROM invoice WHERE id = :id"), {"id": other}
        ).scalar()
        db.session.remove()
    of_other = audra.get(f"/audit/?invoice=%23{number}").get_data(as_text=True)
    assert actions_on(of_other) == ["created"]
    assert actions_on(audra.get("/audit/?invoice=99999").get_data(as_text=True)) == []


def test_the_period_is_read_in_the_readers_time_zone(app, story, login):
    # 22:30 UTC on 31 March is already 1 April in Moscow (UTC+3).
    move_events(app, "paid", datetime(2026, 3, 31, 22, 30))
    audra = login("audra")
    april = audra.get("/audit/?action=paid&since=2026-04-01&until=2026-04-01")
    assert actions_on(april.get_data(as_text=True)) == ["paid"]
    march = audra.get("/audit/?action=paid&since=2026-03-01&until=2026-03-31")
    assert actions_on(march.get_data(as_text=True)) == []


def test_pages_follow_the_cursor_forwards_and_back_without_losing_an_event(app, people, login):
    add_notes(app, PAGE_SIZE * 2 + 7, actor_id=people["adam"])
    audra = login("audra")
    first = audra.get("/audit/?action=note").get_data(as_text=True)
    assert link(first, "previous") is None and link(first, "next")
    seen, page, pages = [], first, []
    while True:
        seen += hashes(page)
        pages.append(page)
        following = link(page, "next")
        if following is None:
            break
        assert "after=" in following and "action=note" in following  # cursor and filter in URL
        page = audra.get(following).get_data(as_text=True)
    assert len(seen) == len(set(seen)) == PAGE_SIZE * 2 + 7
    assert len(pages) == 3 and len(actions_on(pages[-1])) == 7
    back = audra.get(link(pages[-1], "previous")).get_data(as_text=True)
    assert hashes(back) == hashes(pages[1])
    oldest = audra.get(link(first, "last")).get_data(as_text=True)
    assert hashes(oldest)[-1] == seen[-1] and len(hashes(oldest)) == PAGE_SIZE
    assert link(oldest, "next") is None and link(oldest, "previous")


@pytest.mark.parametrize(
    "query",
    [
        "actor=abc",
        "action=DROP%20TABLE",
        "since=2026-13-45",
        "after=garbage",
        "before=1-2",
        "since=2026-05-02&until=2026-05-01",
        "invoice=-3",
    ],
)
def test_bad_filters_get_a_400_with_the_reason_not_a_500(story, login, query):
    answer = login("audra").get(f"/audit/?{query}")
    assert answer.status_code == 400
    assert 'class="alert alert-danger' in answer.get_data(as_text=True) or "danger" in (
        answer.get_data(as_text=True)
    )


@pytest.mark.parametrize("who", ["ivan", "anna", "fedor", "boris"])
def test_others_may_not_search_the_audit_trail(story, login, api_token, client, who):
    person = login(who)
    assert person.get("/audit/").status_code == 403
    assert person.get("/audit/export.csv").status_code == 403
    headers = api_token(who)
    assert client.get("/api/v1/audit-events/", headers=headers).status_code == 403


def test_an_admin_may_search_and_the_menu_shows_it_to_auditors(story, login):
    assert login("adam").get("/audit/").status_code == 200
    home = login("audra").get("/").get_data(as_text=True)
    assert 'href="/audit/"' in home


def rename(app, user_id: int, first_name: str) -> None:
    with app.app_context():
        db.session.execute(
            text("UPDATE ab_user SET first_name = :f WHERE id = :id"),
            {"f": first_name, "id": user_id},
        )
        db.session.commit()
        db.session.remove()


def test_the_csv_export_holds_the_search_with_formulas_neutralised(app, story, people, login):
    add_notes(app, 3, story.invoice_id, people["adam"], {"comment": FORMULA})
    rename(app, people["adam"], FORMULA)
    answer = expect(login("audra").get("/audit/export.csv?action=note"))
    assert answer.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(answer.data.decode("utf-8-sig"))))
    assert rows[0][0] == "Time (Europe/Moscow)" and len(rows) == 4
    assert all(row[2] == "note" and row[3] == str(story.number) for row in rows[1:])
    assert all(row[1].startswith("'" + FORMULA) for row in rows[1:])
    assert all('"comment": "=HYPERLINK' in row[6] for row in rows[1:])
    assert not any(cell.startswith("=") for row in rows for cell in row)


def test_the_xlsx_export_writes_text_as_text(app, story, people, login):
    add_notes(app, 2, None, people["adam"], {"n": 1})
    rename(app, people["adam"], "=1+1")
    answer = expect(login("audra").get("/audit/export.xlsx?action=note"))
    sheet = openpyxl.load_workbook(io.BytesIO(answer.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 3 and rows[1][1].startswith("'=1+1")
    assert isinstance(rows[1][0], datetime) and rows[1][3] is None and rows[1][4] == "system"


def test_the_export_is_refused_beyond_the_limit(app, people, login, monkeypatch):
    add_notes(app, 5, actor_id=people["adam"])
    monkeypatch.setitem(app.config, "EXPORT_MAX_ROWS", 4)
    assert login("audra").get("/audit/export.csv?action=note").status_code == 422
    assert login("audra").get("/audit/export.csv?since=bad").status_code == 422


def test_the_api_pages_with_cursors(app, people, api_token, client):
    add_notes(app, 25, actor_id=people["adam"])
    headers = api_token("audra")
    first = expect(client.get("/api/v1/audit-events/?action=note&page_size=10", headers=headers))
    body = first.json
    assert len(body["result"]) == 10 and body["previous_cursor"] is None
    event = body["result"][0]
    assert event["action"] == "note" and event["actor"]["username"] == "adam"
    assert event["created_at"].endswith("+00:00") and event["details"] == {"n": 24}
    ids = [e["id"] for e in body["result"]]
    cursor = body["next_cursor"]
    while cursor:
        page = client.get(
            f"/api/v1/audit-events/?action=note&page_size=10&after={cursor}", headers=headers
        ).json
        ids += [e["id"] for e in page["result"]]
        cursor = page["next_cursor"]
    assert len(ids) == len(set(ids)) == 25 and ids == sorted(ids, reverse=True)
    admin = expect(client.get("/api/v1/audit-events/?last=1", headers=api_token("adam")))
    assert admin.json["next_cursor"] is None


@pytest.mark.parametrize(
    "query, status",
    [
        ("page_size=0", 422),
        ("page_size=x", 400),  # the app's gate for every list's paging parameters
        ("time_zone=Mars/Base", 422),
        ("after=nope", 422),
        ("actor=0", 422),
    ],
)
def test_the_api_refuses_bad_input_with_a_4xx(people, api_token, client, query, status):
    answer = client.get(f"/api/v1/audit-events/?{query}", headers=api_token("audra"))
    assert answer.status_code == status, answer.json
    assert answer.json["message"]


def test_the_openapi_document_describes_the_audit_search(client, people, api_token):
    spec = client.get("/api/v1/_openapi", headers=api_token("adam")).json
    operation = spec["paths"]["/api/v1/audit-events/"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"actor", "action", "after", "before"}
    assert "AuditEvent" in spec["components"]["schemas"]

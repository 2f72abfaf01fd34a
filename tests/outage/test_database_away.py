"""The database goes away for a request (a restart, a dropped connection, a lock held too long):
the API and the pages answer 503 with Retry-After and a readable body, nothing is half-written,
and the next request, once it is back, works."""

from __future__ import annotations

from tests.outage.conftest import count, signed_in, token
from tests.russian_text import latin_words, visible_text

APPROVED = "SELECT count(*) FROM audit_event WHERE invoice_id = :i AND action = 'approved'"
OPEN_TASKS = "SELECT count(*) FROM human_task WHERE invoice_id = :i AND status = 'open'"


def assert_unavailable(answer) -> None:
    assert answer.status_code == 503, answer.get_data(as_text=True)[:500]
    assert int(answer.headers["Retry-After"]) > 0
    assert "Traceback" not in answer.get_data(as_text=True)


def decide(app, people, headers):
    return app.test_client().post(
        f"/api/v1/tasks/{people['task']}/decision",
        headers=headers,
        json={"decision": "approve", "comment": "ok"},
    )


def test_the_api_answers_503_with_retry_after_while_the_database_is_away_and_then_works(
    people, outage
):
    app = people["app"]
    headers = token(app, people["approver"])
    outage.cut()
    away = app.test_client().get("/api/v1/tasks/mine", headers=headers)
    assert_unavailable(away)
    assert away.is_json and "database" in away.json["message"]
    outage.restore()
    back = app.test_client().get("/api/v1/tasks/mine", headers=headers)
    assert back.status_code == 200, back.json


def test_a_page_answers_503_in_the_readers_language_and_the_next_one_works(people, outage):
    app = people["app"]
    browser = signed_in(app, people["approver"], language="ru")
    outage.cut()
    away = browser.get("/")
    assert_unavailable(away)
    page = away.get_data(as_text=True)
    assert away.mimetype == "text/html" and '<html lang="ru">' in page
    assert "База данных" in page
    assert latin_words(visible_text(page)) == []
    outage.restore()
    assert browser.get("/").status_code == 200


def test_an_error_page_that_meets_the_outage_is_503_not_500(people, outage):
    """The 404 page shows the menu with the reader's open tasks: the error handler itself
    meets the outage, and still the answer is a 503."""
    app = people["app"]
    browser = signed_in(app, people["approver"])
    with outage.lost_at("FROM human_task"):
        assert_unavailable(browser.get("/no-such-page"))
    assert browser.get("/no-such-page").status_code == 404


def test_pages_that_need_no_database_still_answer_during_an_outage(people, outage):
    app = people["app"]
    outage.cut()
    assert app.test_client().get("/login/").status_code == 200
    assert app.test_client().get("/no-such-page").status_code == 404


def test_a_decision_sent_while_the_database_is_away_changes_nothing_and_counts_when_sent_again(
    people, outage
):
    app, invoice = people["app"], people["invoice"]
    headers = token(app, people["approver"])
    outage.cut()
    assert_unavailable(decide(app, people, headers))
    outage.restore()
    assert count(app, APPROVED, i=invoice) == 0
    assert count(app, OPEN_TASKS, i=invoice) == 1
    assert decide(app, people, headers).status_code == 200
    assert count(app, APPROVED, i=invoice) == 1


def test_a_decision_lost_in_the_middle_of_its_transaction_writes_nothing_and_its_retry_counts_once(
    people, outage
):
    """Nothing retries it on the server (the commit may have landed); the client's retry is
    safe: the first to land counts, any later one hears 409."""
    app, invoice = people["app"], people["invoice"]
    headers = token(app, people["approver"])
    with outage.lost_at_commit():
        assert_unavailable(decide(app, people, headers))
    assert count(app, APPROVED, i=invoice) == 0
    assert count(app, OPEN_TASKS, i=invoice) == 1
    assert decide(app, people, headers).status_code == 200
    assert decide(app, people, headers).status_code == 409
    assert count(app, APPROVED, i=invoice) == 1


def test_an_outage_inside_an_api_method_is_503_not_the_frameworks_500(people, outage, caplog):
    """FAB's @safe turns whatever its list method raises into a 500 of its own (and logs a
    traceback): the answer is the 503 all the same, the log one WARNING line."""
    app = people["app"]
    headers = token(app, people["initiator"])
    with outage.lost_at("FROM invoice"):
        assert_unavailable(app.test_client().get("/api/v1/invoice/", headers=headers))
    assert [r.levelname for r in caplog.records if r.exc_info] == []
    assert [r.name for r in caplog.records if r.levelname == "WARNING"] == ["app.web.outage"]
    back = app.test_client().get("/api/v1/invoice/", headers=headers)
    assert back.status_code == 200 and back.json["count"] == 1


def test_a_bug_is_still_a_500_not_an_outage(people, outage, monkeypatch):
    """Only an outage is a 503: a missing table is a deployment's mistake, logged as an error."""
    app = people["app"]
    headers = token(app, people["approver"])
    from sqlalchemy import text

    from app.extensions import db
    from app.web.api import tasks

    def broken(*_args, **_kwargs):
        db.session.execute(text("SELECT * FROM no_such_table"))

    monkeypatch.setattr(tasks, "decide", broken)
    answer = decide(app, people, headers)
    assert answer.status_code == 500

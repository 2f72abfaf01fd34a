"""A deputy is told, by mail and in the bell, when a period in which they stand in for someone
is set, changed or ended: who is away, the days, the hours on the deputy's own clock, the note."""

from __future__ import annotations

from app.worker import work_once
from tests import clock
from tests.delegation.conftest import away, notified
from tests.russian_text import latin_words, visible_text


def change(client, headers, period_id, deputy_id, first, last, **more):
    body = {
        "deputy_id": deputy_id,
        "starts_on": clock.iso_days_from_today(first),
        "ends_on": clock.iso_days_from_today(last),
        **more,
    }
    return client.put(f"/api/v1/delegations/{period_id}", headers=headers, json=body)


def mails_to(app, smtp, address):
    work_once(app)
    found = smtp.inbox.to(address)
    smtp.inbox.messages.clear()
    return found


def day(days: int, language: str = "en") -> str:
    shown = clock.days_from_today(days)
    return shown.isoformat() if language == "en" else shown.strftime("%d.%m.%Y")


def test_the_deputy_is_told_when_a_period_is_set_changed_and_ended(
    app, client, api_token, smtp, people, frozen_clock
):
    anna = api_token("anna")
    created = away(client, anna, people["olga"], 1, 3, note="Two weeks in Sochi")
    assert created.status_code == 201, created.json
    [named] = mails_to(app, smtp, "olga@example.com")
    assert named["Subject"] == f"You stand in for Anna Tester from {day(1)} to {day(3)}"
    text = smtp.inbox.text(named)
    assert "Anna Tester named you their deputy." in text
    assert f"From {day(1)} 00:00 MSK until {day(4)} 00:00 MSK, on your clock." in text
    assert "Note: Two weeks in Sochi" in text
    assert notified(app, "deputy_named")[people["olga"]]["absent"] == people["anna"]

    period = created.json["result"]["id"]
    changed = change(client, anna, period, people["olga"], 1, 5, note="Three weeks")
    assert changed.status_code == 200, changed.json
    assert changed.json["result"]["ends_on"] == clock.iso_days_from_today(5)
    [moved] = mails_to(app, smtp, "olga@example.com")
    assert moved["Subject"] == f"Changed: you stand in for Anna Tester from {day(1)} to {day(5)}"
    text = smtp.inbox.text(moved)
    assert "Anna Tester changed their out-of-office period." in text
    assert f"It was from {day(1)} to {day(3)}." in text and "Note: Three weeks" in text

    assert client.post(f"/api/v1/delegations/{period}/cancel", headers=anna).status_code == 200
    [ended] = mails_to(app, smtp, "olga@example.com")
    assert ended["Subject"] == f"You no longer stand in for Anna Tester ({day(1)} to {day(5)})"
    assert "Their tasks are back with them." in smtp.inbox.text(ended)
    assert set(notified(app, "deputy_cancelled")) == {people["olga"]}


def test_an_administrator_replaces_the_deputy_and_both_deputies_are_told(
    app, client, api_token, smtp, people, login, frozen_clock
):
    adam = api_token("adam")
    created = away(client, adam, people["boris"], 0, 2, user_id=people["anna"])
    assert created.status_code == 201, created.json
    [named] = mails_to(app, smtp, "boris@example.com")
    assert "Adam Tester named you the deputy of Anna Tester." in smtp.inbox.text(named)

    period = created.json["result"]["id"]
    assert change(client, adam, period, people["olga"], 0, 2).status_code == 200
    work_once(app)
    [gone] = smtp.inbox.to("boris@example.com")
    assert gone["Subject"] == f"You no longer stand in for Anna Tester ({day(0)} to {day(2)})"
    [new] = smtp.inbox.to("olga@example.com")
    assert new["Subject"] == f"You stand in for Anna Tester from {day(0)} to {day(2)}"
    assert "anna@example.com" not in {m["To"] for m in smtp.inbox.messages}
    bell = login("boris").get("/notifications/").get_data(as_text=True)
    assert f"You no longer stand in for Anna Tester ({day(0)} to {day(2)})" in bell
    assert "Adam Tester ended the out-of-office period of Anna Tester." in bell


def test_a_russian_deputy_in_tokyo_reads_the_period_in_russian_on_their_own_clock(
    app, client, api_token, smtp, people, login, frozen_clock
):
    olga = login("olga")
    assert olga.get("/lang/ru").status_code == 302
    assert olga.post("/account/time-zone/", data={"time_zone": "Asia/Tokyo"}).status_code == 302
    anna = api_token("anna")
    created = away(client, anna, people["olga"], 1, 3, note="Отпуск")
    assert created.status_code == 201, created.json
    [named] = mails_to(app, smtp, "olga@example.com")
    assert named["Subject"] == f"Вы замещаете Anna Tester с {day(1, 'ru')} по {day(3, 'ru')}"
    text = smtp.inbox.text(named)
    # Midnight in Moscow, where Anna's days are, is six in the morning in Tokyo.
    assert f"С {day(1, 'ru')} 06:00 JST до {day(4, 'ru')} 06:00 JST по вашим часам." in text
    assert "Примечание: Отпуск" in text
    typed = {"Anna", "Olga", "Tester"}
    assert latin_words(text.split("http")[0], typed) == [], text

    period = created.json["result"]["id"]
    assert change(client, anna, period, people["olga"], 1, 4).status_code == 200
    [moved] = mails_to(app, smtp, "olga@example.com")
    assert moved["Subject"] == (
        f"Изменено: вы замещаете Anna Tester с {day(1, 'ru')} по {day(4, 'ru')}"
    )
    assert latin_words(smtp.inbox.text(moved).split("http")[0], typed) == []

    assert client.post(f"/api/v1/delegations/{period}/cancel", headers=anna).status_code == 200
    [ended] = mails_to(app, smtp, "olga@example.com")
    assert ended["Subject"] == (
        f"Вы больше не замещаете Anna Tester ({day(1, 'ru')} – {day(4, 'ru')})"
    )
    assert latin_words(smtp.inbox.text(ended).split("http")[0], typed) == []
    bell = olga.get("/notifications/").get_data(as_text=True)
    assert f"Вы замещаете Anna Tester с {day(1, 'ru')} по {day(3, 'ru')}" in bell
    assert "Вы назначены заместителем сотрудника Anna Tester." in bell


def test_changes_are_refused_with_a_reason_and_change_nothing(client, api_token, people):
    anna = api_token("anna")
    running = away(client, anna, people["olga"], 0, 3).json["result"]["id"]
    moved_start = change(client, anna, running, people["olga"], 1, 3)
    assert moved_start.status_code == 422
    assert "its first day stays" in moved_start.json["message"]["starts_on"][0]
    assert change(client, api_token("olga"), running, people["olga"], 0, 4).status_code == 403
    assert change(client, anna, 999999, people["olga"], 0, 4).status_code == 404
    onto_self = change(client, anna, running, people["anna"], 0, 4)
    assert onto_self.status_code == 422 and set(onto_self.json["message"]) == {"deputy_id"}
    bad = client.put(f"/api/v1/delegations/{running}", headers=anna, json={"ends_on": "x"})
    assert bad.status_code == 422
    assert client.post(f"/api/v1/delegations/{running}/cancel", headers=anna).status_code == 200
    over = change(client, anna, running, people["olga"], 0, 4)
    assert over.status_code == 422 and "already over" in over.json["message"]["delegation"][0]
    periods = client.get("/api/v1/delegations/", headers=anna).json["result"]
    assert periods == []


def test_the_first_day_of_a_period_to_come_may_move(client, api_token, people):
    anna = api_token("anna")
    coming = away(client, anna, people["olga"], 2, 3).json["result"]["id"]
    moved = change(client, anna, coming, people["olga"], 4, 6)
    assert moved.status_code == 200, moved.json
    assert moved.json["result"]["starts_on"] == clock.iso_days_from_today(4)
    # The same days again do not overlap with themselves.
    assert change(client, anna, coming, people["olga"], 4, 6).status_code == 200


def test_the_person_away_changes_the_period_on_the_screen_and_the_deputy_is_told(
    app, client, login, api_token, smtp, people, frozen_clock
):
    created = away(client, api_token("anna"), people["olga"], 1, 3, note="Sochi").json["result"]
    mails_to(app, smtp, "olga@example.com")
    anna = login("anna")
    form = anna.get(f"/account/out-of-office/{created['id']}/change")
    assert form.status_code == 200
    shown = form.get_data(as_text=True)
    assert 'data-test="save-period"' in shown and day(3) in shown and "Sochi" in shown
    refused = anna.post(
        f"/account/out-of-office/{created['id']}/change",
        data={"deputy_id": str(people["olga"]), "starts_on": day(3), "ends_on": day(1)},
    )
    assert refused.status_code == 422
    assert "The last day comes on or after the first." in refused.get_data(as_text=True)
    saved = anna.post(
        f"/account/out-of-office/{created['id']}/change",
        data={
            "deputy_id": str(people["olga"]),
            "starts_on": day(1),
            "ends_on": day(6),
            "note": "Sochi and Adler",
        },
        follow_redirects=True,
    )
    assert saved.status_code == 200
    assert "Period changed: the deputy is told." in saved.get_data(as_text=True)
    [moved] = mails_to(app, smtp, "olga@example.com")
    assert moved["Subject"] == f"Changed: you stand in for Anna Tester from {day(1)} to {day(6)}"
    assert "Note: Sochi and Adler" in smtp.inbox.text(moved)
    # Only the person away or an administrator changes it.
    olga = login("olga")
    assert olga.get(f"/account/out-of-office/{created['id']}/change").status_code == 403
    assert (
        olga.post(
            f"/account/out-of-office/{created['id']}/change",
            data={"deputy_id": str(people["olga"]), "starts_on": day(1), "ends_on": day(2)},
        ).status_code
        == 403
    )
    assert login("anna").get("/account/out-of-office/999999/change").status_code == 404


def test_the_change_form_reads_in_russian(client, login, api_token, people):
    created = away(client, api_token("anna"), people["olga"], 1, 3).json["result"]
    anna = login("anna")
    assert anna.get("/lang/ru").status_code == 302
    page = anna.get(f"/account/out-of-office/{created['id']}/change").get_data(as_text=True)
    assert "Изменение периода отсутствия: Anna Tester" in page
    typed = {"Anna", "Olga", "Tester", "Boris", "Ivan", "Fedor", "Fiona", "Adam"}
    assert latin_words(visible_text(page), typed) == []

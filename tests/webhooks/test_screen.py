"""The webhooks screen: register a receiver (its secret shown once), read the delivery log with
status codes and answers, deliver an event again; only admins."""

from __future__ import annotations

import re

from tests.russian_text import latin_words, visible_text
from tests.webhooks.conftest import signature_is_valid


def register(client, url, events=("submitted",)):
    return client.post(
        "/webhooks/", data={"url": url, "events": list(events), "description": "Bank gateway"}
    )


def test_an_admin_registers_a_receiver_and_sees_its_secret_once(
    desk, login, receiver, allow_localhost
):
    client = login("root")
    page = register(client, receiver.url)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    secret = re.search(r'data-test="secret">(whsec_[^<]+)<', html).group(1)
    assert receiver.url in html
    again = client.get("/webhooks/").get_data(as_text=True)
    assert secret not in again
    desk.submit(desk.invoice())
    desk.work()
    [got] = receiver.delivered()
    assert signature_is_valid(secret, got)


def test_a_private_address_on_the_screen_is_refused_with_the_reason(desk, login):
    page = register(login("root"), "http://10.0.0.8/hook")
    assert page.status_code == 422
    assert "private, loopback or reserved" in page.get_data(as_text=True)


def test_the_delivery_log_shows_codes_and_answers_and_delivers_again(
    desk, login, receiver, allow_localhost
):
    subscription = desk.subscribe(receiver.url, events=["submitted"])
    desk.submit(desk.invoice())
    receiver.answer_next(503)
    desk.work()
    client = login("root")
    log = client.get(f"/webhooks/{subscription['id']}").get_data(as_text=True)
    assert "503" in log
    assert "receiver is down for maintenance" in log
    desk.work(desk.later(31))
    [delivery] = desk.deliveries(subscription["id"])
    answer = client.post(f"/webhooks/deliveries/{delivery['id']}/redeliver")
    assert answer.status_code == 302
    desk.work()
    assert len(receiver.delivered()) == 2


def test_people_who_are_not_admins_cannot_open_the_screen(desk, login):
    client = login("ivan")
    assert client.get("/webhooks/", follow_redirects=False).status_code in (302, 403)
    assert register(client, "https://example.com/hook").status_code in (302, 403)


def test_an_unknown_subscription_or_delivery_is_a_404(desk, login):
    client = login("root")
    assert client.get("/webhooks/999999").status_code == 404
    answer = desk.client.post(
        "/api/v1/webhooks/deliveries/999999/redeliver", headers=desk.tokens["root"]
    )
    assert answer.status_code == 404


def test_a_russian_admin_reads_the_screen_and_the_log_in_russian(
    desk, login, receiver, allow_localhost
):
    subscription = desk.subscribe(receiver.url, events=["submitted", "task_assigned"])
    desk.submit(desk.invoice())
    receiver.answer_next(410, 503)
    desk.work()
    client = login("root")
    assert client.get("/lang/ru").status_code == 302
    typed = {"ERP", "Root", "Tester", "root", "ok", "true", "receiver", "is", "down", "for"}
    typed |= {"maintenance"}
    for url in ("/webhooks/", f"/webhooks/{subscription['id']}"):
        html = client.get(url).get_data(as_text=True)
        assert latin_words(visible_text(html), typed) == [], url
    log = client.get(f"/webhooks/{subscription['id']}").get_data(as_text=True)
    assert "Получатель отказал (код 410)" in log
    assert "Сбой у получателя (код 503)" in log
    page = register(client, "http://10.0.0.8/hook")
    assert "частный, локальный или зарезервированный" in page.get_data(as_text=True)


def test_switching_over_the_api_takes_only_true_or_false(desk, allow_localhost):
    subscription = desk.subscribe("http://127.0.0.1:9/hook", events=["paid"])
    answer = desk.client.post(
        f"/api/v1/webhooks/subscriptions/{subscription['id']}/switch",
        headers=desk.tokens["root"],
        json={"active": "no"},
    )
    assert answer.status_code == 422
    assert "active" in answer.json["message"]


def test_the_openapi_document_describes_the_api_and_the_payload(desk):
    document = desk.client.get("/api/v1/_openapi", headers=desk.tokens["root"]).json
    assert {
        "/webhooks/subscriptions",
        "/webhooks/subscriptions/{subscription_id}/switch",
        "/webhooks/subscriptions/{subscription_id}/deliveries",
        "/webhooks/deliveries/{delivery_id}/redeliver",
    } <= {path.removeprefix("/api/v1") for path in document["paths"]}
    payload = document["components"]["schemas"]["WebhookPayload"]
    assert {"event", "delivery_id", "invoice", "actor", "occurred_at"} <= set(payload["required"])
    assert "X-InvoiceFlow-Signature" in payload["description"]

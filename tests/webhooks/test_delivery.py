"""Webhooks reach a real receiver on localhost: signed, in the order of each invoice's events,
retried after a 500, redelivered on request; private addresses are refused."""

from __future__ import annotations

from app.extensions import db
from app.models import WebhookDelivery
from app.worker import work_once
from tests.webhooks.conftest import signature_is_valid


def test_each_event_arrives_signed_with_the_status_the_change_left(desk, receiver, allow_localhost):
    subscription = desk.subscribe(receiver.url)
    pk = desk.invoice()
    desk.submit(pk)
    desk.approve(pk)

    assert desk.work()["delivered"] == 4
    got = receiver.delivered()
    assert [r.json["event"] for r in got] == [
        "submitted",
        "task_assigned",
        "approved",
        "task_assigned",
    ]
    assert all(signature_is_valid(subscription["secret"], r) for r in got)
    submitted = got[0].json
    assert submitted["invoice"]["id"] == pk
    assert submitted["invoice"]["amount"] == "125000.50"
    assert submitted["invoice"]["currency"] == "RUB"
    assert submitted["invoice"]["status"] == "in_approval"
    assert submitted["actor"]["username"] == "ivan"
    assert got[2].json["actor"]["username"] == "anna"
    assert got[2].json["invoice"]["status"] == "awaiting_payment"
    assert got[1].json["actor"] is None  # the process handed the task out
    assert got[0].headers["X-InvoiceFlow-Delivery"] == submitted["delivery_id"]
    assert got[0].path == "/hooks/invoices"
    log = desk.deliveries(subscription["id"])
    assert {(d["status"], d["last_status_code"], d["attempts"]) for d in log} == {
        ("delivered", 200, 1)
    }
    assert log[0]["last_response"] == '{"ok": true}'


def test_a_forged_signature_does_not_verify(desk, receiver, allow_localhost):
    subscription = desk.subscribe(receiver.url, events=["submitted"])
    desk.submit(desk.invoice())
    desk.work()
    [got] = receiver.delivered()
    assert not signature_is_valid(subscription["secret"] + "x", got)
    got.body = got.body.replace(b"125000.50", b"999999.99")
    assert not signature_is_valid(subscription["secret"], got)


def test_after_a_500_the_event_is_sent_again_later_and_the_next_one_waits_for_it(
    desk, receiver, allow_localhost
):
    subscription = desk.subscribe(receiver.url)
    first, second = desk.invoice(), desk.invoice()
    desk.submit(first)
    desk.submit(second)
    receiver.answer_next(500)

    desk.work()
    # The first invoice's "submitted" failed: its "task_assigned" waits; the other invoice's
    # events go on.
    events = [(r.json["invoice"]["id"], r.json["event"], r.answered) for r in receiver.received]
    assert events == [
        (first, "submitted", 500),
        (second, "submitted", 200),
        (second, "task_assigned", 200),
    ]
    assert desk.work()["delivered"] == 0  # still in its backoff

    assert desk.work(desk.later(31))["delivered"] == 2
    mine = [r.json["event"] for r in receiver.delivered() if r.json["invoice"]["id"] == first]
    assert mine == ["submitted", "task_assigned"]
    retried = [d for d in desk.deliveries(subscription["id"]) if d["attempts"] == 2]
    assert [(d["event"], d["status"], d["last_status_code"]) for d in retried] == [
        ("submitted", "delivered", 200)
    ]


def test_a_receiver_refusing_with_a_4xx_is_given_up_and_the_next_event_goes_on(
    desk, receiver, allow_localhost
):
    subscription = desk.subscribe(receiver.url)
    desk.submit(desk.invoice())
    receiver.answer_next(410)

    desk.work()
    assert [r.json["event"] for r in receiver.delivered()] == ["task_assigned"]
    refused = [d for d in desk.deliveries(subscription["id"]) if d["status"] == "failed"]
    assert [(d["event"], d["last_status_code"]) for d in refused] == [("submitted", 410)]
    assert "HTTP 410" in refused[0]["last_error"]


def test_a_redirect_is_not_followed(desk, receiver, allow_localhost):
    subscription = desk.subscribe(receiver.url, events=["submitted"])
    desk.submit(desk.invoice())
    receiver.answer_next(302)
    desk.work()
    assert len(receiver.received) == 1
    [delivery] = desk.deliveries(subscription["id"])
    assert (delivery["status"], delivery["last_status_code"]) == ("failed", 302)


def test_an_admin_delivers_an_event_again_with_the_same_event_id(desk, receiver, allow_localhost):
    subscription = desk.subscribe(receiver.url, events=["submitted"])
    desk.submit(desk.invoice())
    desk.work()
    [delivery] = desk.deliveries(subscription["id"])

    answer = desk.client.post(
        f"/api/v1/webhooks/deliveries/{delivery['id']}/redeliver", headers=desk.tokens["root"]
    )
    assert answer.status_code == 201
    desk.work()
    first, again = receiver.delivered()
    assert again.json["event_id"] == first.json["event_id"]
    assert again.json["redelivery_of"] == first.json["delivery_id"]
    assert again.json["delivery_id"] != first.json["delivery_id"]
    assert signature_is_valid(subscription["secret"], again)
    log = desk.deliveries(subscription["id"])
    assert [d["redelivery_of"] for d in log] == [delivery["id"], None]


def test_nothing_is_queued_when_the_change_is_rolled_back(desk, receiver, allow_localhost):
    desk.subscribe(receiver.url, events=["submitted"])
    pk = desk.invoice()
    desk.submit(pk)
    again = desk.client.post(f"/api/v1/invoices/{pk}/submit", headers=desk.tokens["ivan"])
    assert again.status_code == 409
    with desk.app.app_context():
        assert db.session.query(WebhookDelivery).count() == 1
        db.session.remove()


def test_the_worker_pass_delivers_webhooks(app, desk, receiver, allow_localhost):
    desk.subscribe(receiver.url, events=["submitted"])
    desk.submit(desk.invoice())
    counts = work_once(app)
    assert counts["webhooks"] == 1
    assert [r.json["event"] for r in receiver.delivered()] == ["submitted"]


def test_a_switched_off_subscription_gets_nothing(desk, receiver, allow_localhost):
    subscription = desk.subscribe(receiver.url, events=["submitted"])
    desk.submit(desk.invoice())
    answer = desk.client.post(
        f"/api/v1/webhooks/subscriptions/{subscription['id']}/switch",
        headers=desk.tokens["root"],
        json={"active": False},
    )
    assert answer.json["result"]["active"] is False
    desk.work()
    assert receiver.received == []
    [delivery] = desk.deliveries(subscription["id"])
    assert delivery["status"] == "failed"

"""Several workers share the webhook outbox: each delivery goes out once, the invoice's order
holds, and a delivery whose worker died is sent again after its lease with the same id."""

from __future__ import annotations

import threading

from sqlalchemy import update

from app.extensions import db
from app.models import WebhookDelivery, WebhookDeliveryStatus
from app.models.base import utcnow
from app.services.webhook_delivery import WebhookSettings, deliver_due


def test_two_workers_at_once_send_each_delivery_once_and_in_order(
    app, desk, receiver, allow_localhost
):
    desk.subscribe(receiver.url, events=["submitted", "task_assigned"])
    invoices = [desk.invoice() for _ in range(6)]
    for pk in invoices:
        desk.submit(pk)
    settings = WebhookSettings.from_config(app.config)
    settings = WebhookSettings(settings.allowlist, batch_size=3)
    now = utcnow()

    def worker():
        with app.app_context():
            for _ in range(10):
                if not any(deliver_due(db.session, now, settings).values()):
                    break
            db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    desk.work()  # whatever a lost race left

    got = receiver.delivered()
    ids = [r.json["delivery_id"] for r in got]
    assert len(ids) == len(set(ids)) == 12
    for pk in invoices:
        mine = [r.json["event"] for r in got if r.json["invoice"]["id"] == pk]
        assert mine == ["submitted", "task_assigned"]


def test_a_delivery_whose_worker_died_goes_out_again_after_its_lease(
    app, desk, receiver, allow_localhost
):
    subscription = desk.subscribe(receiver.url, events=["submitted", "task_assigned"])
    desk.submit(desk.invoice())
    with app.app_context():
        first = db.session.query(WebhookDelivery).order_by(WebhookDelivery.id).first()
        uid = first.delivery_uid
        # The worker marked the attempt, maybe sent it, and died before recording the answer.
        db.session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.id == first.id)
            .values(
                status=WebhookDeliveryStatus.SENDING,
                attempts=1,
                claimed_by="dead-worker",
                next_attempt_at=utcnow() + settings_lease(),
            )
        )
        db.session.commit()
        db.session.remove()

    assert desk.work()["delivered"] == 0  # its lease still runs: the next event waits too
    assert desk.work(desk.later(31))["delivered"] == 2
    got = receiver.delivered()
    assert [r.json["event"] for r in got] == ["submitted", "task_assigned"]
    assert got[0].json["delivery_id"] == uid
    log = {d["event"]: d for d in desk.deliveries(subscription["id"])}
    assert log["submitted"]["attempts"] == 2


def settings_lease():
    return WebhookSettings().lease

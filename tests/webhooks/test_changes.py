"""An admin changes a subscription (URL checked again, events, description, paused or active)
and rotates its secret, on the screen and over the API: during the overlap a real receiver can
verify each delivery with the old secret or the new one, after it only with the new; every change
is audited without a secret."""

from __future__ import annotations

import json
import re

from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent
from tests.russian_text import latin_words, visible_text
from tests.webhooks.conftest import expect, signature_is_valid, signatures
from tests.webhooks.receiver import Receiver

DAY = 24 * 3600


def change(desk, subscription_id, who="root", **fields):
    return desk.client.patch(
        f"/api/v1/webhooks/subscriptions/{subscription_id}", headers=desk.tokens[who], json=fields
    )


def rotate(desk, subscription_id, who="root"):
    return desk.client.post(
        f"/api/v1/webhooks/subscriptions/{subscription_id}/rotate-secret",
        headers=desk.tokens[who],
    )


def audit_events(app, action: str) -> list[AuditEvent]:
    with app.app_context():
        query = select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        events = list(db.session.scalars(query))
        db.session.remove()
    return events


def every_audit_detail(app) -> str:
    with app.app_context():
        details = [json.dumps(e.details) for e in db.session.scalars(select(AuditEvent))]
        db.session.remove()
    return "\n".join(details)


def test_an_admin_moves_a_subscription_to_another_receiver_and_the_audit_says_what_changed(
    desk, receiver, allow_localhost
):
    subscription = desk.subscribe(receiver.url, events=["submitted"])
    other = Receiver().start()
    try:
        answer = change(
            desk,
            subscription["id"],
            url=other.url,
            events=["submitted", "task_assigned"],
            description="New ERP",
        )
        changed = expect(answer).json["result"]
        assert (changed["url"], changed["events"], changed["description"]) == (
            other.url,
            ["submitted", "task_assigned"],
            "New ERP",
        )
        desk.submit(desk.invoice())
        desk.work()
        assert receiver.received == []
        assert [r.json["event"] for r in other.delivered()] == ["submitted", "task_assigned"]
        assert all(signature_is_valid(subscription["secret"], r) for r in other.delivered())
    finally:
        other.stop()
    [event] = audit_events(desk.app, "webhook_changed")
    assert event.actor_id == desk.people["root"]
    assert event.created_at is not None
    assert event.details["changes"] == {
        "url": [receiver.url, other.url],
        "events": [["submitted"], ["submitted", "task_assigned"]],
        "description": ["ERP", "New ERP"],
    }


def test_a_changed_address_is_checked_as_at_registration(desk, app, monkeypatch, allow_localhost):
    subscription = desk.subscribe("http://127.0.0.1:9/hook", events=["paid"])
    refused = change(desk, subscription["id"], url="http://10.0.0.8/hook")
    assert refused.status_code == 422
    assert "private, loopback or reserved" in refused.json["message"]["url"][0]
    assert change(desk, subscription["id"], url="ftp://example.com/x").status_code == 422
    assert change(desk, subscription["id"], events=["nothing"]).status_code == 422
    assert change(desk, subscription["id"], active="no").status_code == 422
    [kept] = expect(
        desk.client.get("/api/v1/webhooks/subscriptions", headers=desk.tokens["root"])
    ).json["result"]
    assert kept["url"] == "http://127.0.0.1:9/hook"
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOWED_HOSTS", "127.0.0.1/32,10.0.0.0/8")
    moved = expect(change(desk, subscription["id"], url="http://10.0.0.8/hook")).json["result"]
    assert moved["url"] == "http://10.0.0.8/hook"
    assert audit_events(desk.app, "webhook_changed")[-1].details["changes"] == {
        "url": ["http://127.0.0.1:9/hook", "http://10.0.0.8/hook"]
    }


def test_a_paused_subscription_gets_nothing_until_it_is_active_again(
    desk, receiver, allow_localhost
):
    subscription = desk.subscribe(receiver.url, events=["submitted"])
    assert expect(change(desk, subscription["id"], active=False)).json["result"]["active"] is False
    desk.submit(desk.invoice())
    desk.work()
    assert receiver.received == []
    expect(change(desk, subscription["id"], active=True))
    later = desk.invoice()
    desk.submit(later)
    desk.work()
    assert [r.json["invoice"]["id"] for r in receiver.delivered()] == [later]
    changes = [e.details["changes"] for e in audit_events(desk.app, "webhook_changed")]
    assert changes == [{"active": [True, False]}, {"active": [False, True]}]


def test_during_the_overlap_both_secrets_verify_and_after_it_only_the_new_one(
    desk, receiver, allow_localhost
):
    subscription = desk.subscribe(receiver.url, events=["submitted"])
    old = subscription["secret"]
    rotated = expect(rotate(desk, subscription["id"])).json["result"]
    new = rotated["secret"]
    assert new.startswith("whsec_") and new != old
    assert rotated["previous_secret_valid_until"] is not None

    desk.submit(desk.invoice())
    desk.work(desk.later(DAY - 60))  # a minute before the overlap ends
    [during] = receiver.delivered()
    assert len(signatures(during)) == 2
    assert signature_is_valid(new, during) and signature_is_valid(old, during)

    desk.submit(desk.invoice())
    desk.work(desk.later(DAY + 60))  # the clock moved past the overlap
    after = receiver.delivered()[1]
    assert len(signatures(after)) == 1
    assert signature_is_valid(new, after)
    assert not signature_is_valid(old, after)


def test_the_overlap_is_a_setting(desk, app, receiver, allow_localhost, monkeypatch):
    monkeypatch.setitem(app.config, "WEBHOOK_SECRET_OVERLAP_HOURS", 1)
    subscription = desk.subscribe(receiver.url, events=["submitted"])
    new = expect(rotate(desk, subscription["id"])).json["result"]["secret"]
    desk.submit(desk.invoice())
    desk.work(desk.later(2 * 3600))
    [got] = receiver.delivered()
    assert signatures(got) and len(signatures(got)) == 1
    assert signature_is_valid(new, got)
    assert not signature_is_valid(subscription["secret"], got)


def test_a_second_rotation_ends_the_first_secret_at_once(desk, receiver, allow_localhost):
    subscription = desk.subscribe(receiver.url, events=["submitted"])
    second = expect(rotate(desk, subscription["id"])).json["result"]["secret"]
    third = expect(rotate(desk, subscription["id"])).json["result"]["secret"]
    desk.submit(desk.invoice())
    desk.work()
    [got] = receiver.delivered()
    assert signature_is_valid(third, got) and signature_is_valid(second, got)
    assert not signature_is_valid(subscription["secret"], got)


def test_rotations_and_changes_are_audited_without_any_secret(desk, login, allow_localhost):
    subscription = desk.subscribe("http://127.0.0.1:9/hook", events=["paid"])
    new = expect(rotate(desk, subscription["id"])).json["result"]["secret"]
    page = login("root").post(f"/webhooks/{subscription['id']}/rotate")
    newest = re.search(r'data-test="secret">(whsec_[^<]+)<', page.get_data(as_text=True)).group(1)
    [first, second] = audit_events(desk.app, "webhook_secret_rotated")
    assert first.actor_id == second.actor_id == desk.people["root"]
    assert first.details["subscription"] == subscription["id"]
    assert first.details["old_secret_signs_until"]
    everything = every_audit_detail(desk.app)
    for secret in (subscription["secret"], new, newest):
        assert secret not in everything
    assert "whsec_" not in everything


def test_an_admin_changes_a_subscription_on_the_screen(desk, login, allow_localhost):
    subscription = desk.subscribe("http://127.0.0.1:9/hook", events=["paid"])
    client = login("root")
    form = client.get(f"/webhooks/{subscription['id']}/edit").get_data(as_text=True)
    assert 'value="http://127.0.0.1:9/hook"' in form
    typed = {"url": "http://10.0.0.8/hook", "events": ["paid"], "description": "x", "active": "1"}
    refused = client.post(f"/webhooks/{subscription['id']}/edit", data=typed)
    assert refused.status_code == 422
    assert "private, loopback or reserved" in refused.get_data(as_text=True)
    typed.update(url="http://127.0.0.1:9/other", events=["paid", "rejected"], description="Bank")
    del typed["active"]  # unticked: paused
    saved = client.post(f"/webhooks/{subscription['id']}/edit", data=typed)
    assert saved.status_code == 302
    [row] = expect(
        desk.client.get("/api/v1/webhooks/subscriptions", headers=desk.tokens["root"])
    ).json["result"]
    assert (row["url"], row["events"], row["description"], row["active"]) == (
        "http://127.0.0.1:9/other",
        ["rejected", "paid"],
        "Bank",
        False,
    )
    listed = client.get("/webhooks/").get_data(as_text=True)
    assert "Bank" in listed and "http://127.0.0.1:9/other" in listed


def test_the_screen_shows_a_rotated_secret_once_and_deliveries_verify_with_it(
    desk, login, receiver, allow_localhost
):
    subscription = desk.subscribe(receiver.url, events=["submitted"])
    client = login("root")
    page = client.post(f"/webhooks/{subscription['id']}/rotate")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    secret = re.search(r'data-test="secret">(whsec_[^<]+)<', html).group(1)
    assert 'data-test="overlap"' in html
    again = client.get(f"/webhooks/{subscription['id']}/edit").get_data(as_text=True)
    assert secret not in again
    assert 'data-test="overlap"' in again  # the old secret still signs: said, not shown
    desk.submit(desk.invoice())
    desk.work()
    [got] = receiver.delivered()
    assert signature_is_valid(secret, got)


def test_forms_without_the_csrf_token_are_refused(desk, app, login, monkeypatch, allow_localhost):
    subscription = desk.subscribe("http://127.0.0.1:9/hook", events=["paid"])
    client = login("root")
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    typed = {"url": "http://127.0.0.1:9/other", "events": ["paid"], "active": "1"}
    assert client.post(f"/webhooks/{subscription['id']}/edit", data=typed).status_code == 400
    assert client.post(f"/webhooks/{subscription['id']}/rotate").status_code == 400
    assert audit_events(desk.app, "webhook_changed") == []
    assert audit_events(desk.app, "webhook_secret_rotated") == []


def test_only_admins_change_or_rotate(desk, login, allow_localhost):
    subscription = desk.subscribe("http://127.0.0.1:9/hook", events=["paid"])
    pk = subscription["id"]
    for who in ("ivan", "fedor"):
        assert change(desk, pk, who=who, description="mine").status_code == 403
        assert rotate(desk, pk, who=who).status_code == 403
        client = login(who)
        assert client.get(f"/webhooks/{pk}/edit").status_code in (302, 403)
        assert client.post(f"/webhooks/{pk}/edit", data={"url": "x"}).status_code in (302, 403)
        assert client.post(f"/webhooks/{pk}/rotate").status_code in (302, 403)
    assert audit_events(desk.app, "webhook_changed") == []
    assert audit_events(desk.app, "webhook_secret_rotated") == []


def test_an_unknown_subscription_is_a_404(desk, login):
    assert change(desk, 999999, description="x").status_code == 404
    assert rotate(desk, 999999).status_code == 404
    client = login("root")
    assert client.get("/webhooks/999999/edit").status_code == 404
    assert client.post("/webhooks/999999/rotate").status_code == 404


def test_a_russian_admin_changes_and_rotates_in_russian(desk, login, allow_localhost):
    subscription = desk.subscribe("http://127.0.0.1:9/hook", events=["paid"])
    client = login("root")
    assert client.get("/lang/ru").status_code == 302
    typed = {"ERP", "Root", "Tester", "root"}
    rotated = client.post(f"/webhooks/{subscription['id']}/rotate").get_data(as_text=True)
    assert "Новый секрет подписи показан один раз" in rotated
    form = client.get(f"/webhooks/{subscription['id']}/edit").get_data(as_text=True)
    assert latin_words(visible_text(form), typed) == []
    assert "Сменить секрет" in form
    refused = client.post(
        f"/webhooks/{subscription['id']}/edit", data={"url": "http://10.0.0.8/h", "events": []}
    ).get_data(as_text=True)
    assert "частный, локальный или зарезервированный" in refused


def test_the_openapi_document_describes_changing_and_rotating(desk):
    document = desk.client.get("/api/v1/_openapi", headers=desk.tokens["root"]).json
    paths = {path.removeprefix("/api/v1"): ops for path, ops in document["paths"].items()}
    assert "patch" in paths["/webhooks/subscriptions/{subscription_id}"]
    rotation = paths["/webhooks/subscriptions/{subscription_id}/rotate-secret"]["post"]
    assert "comma-separated" in rotation["description"]
    schemas = document["components"]["schemas"]
    assert {"url", "events", "description", "active"} <= set(
        schemas["WebhookSubscriptionChange"]["properties"]
    )
    assert "previous_secret_valid_until" in schemas["WebhookSubscription"]["properties"]
    assert "comma-separated" in schemas["WebhookPayload"]["description"]

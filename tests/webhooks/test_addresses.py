"""Private, loopback, link-local and multicast receivers are refused, at registration and at
delivery after resolving the name again (DNS rebinding), unless WEBHOOK_ALLOWED_HOSTS names
them."""

from __future__ import annotations

import pytest

from app.domain.webhook_addresses import (
    AddressRefusedError,
    Allowlist,
    checked_addresses,
    parse_url,
)
from app.extensions import db
from app.services.webhook_delivery import WebhookSettings, deliver_due
from app.services.webhook_sender import HttpSender


def public(_host, _port):
    return ["93.184.215.14"]


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/hook",
        "http://localhost:8080/hook",
        "http://10.0.0.5/hook",
        "http://192.168.1.20/hook",
        "http://172.16.0.1/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hook",
        "http://[fe80::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://224.0.0.1/hook",
        "http://0.0.0.0/hook",
        "http://100.64.0.1/hook",
    ],
)
def test_a_private_loopback_link_local_or_multicast_address_is_refused(url):
    with pytest.raises(AddressRefusedError) as refused:
        checked_addresses(parse_url(url), Allowlist())
    assert refused.value.reason == "a private, loopback or reserved address"


@pytest.mark.parametrize(
    "url", ["ftp://example.com/x", "https://user:pw@example.com/x", "example.com/x", "http:///x"]
)
def test_only_plain_http_and_https_urls_are_taken(url):
    with pytest.raises(AddressRefusedError):
        parse_url(url)


def test_a_name_is_refused_when_any_of_its_addresses_is_private():
    def mixed(_host, _port):
        return ["93.184.215.14", "10.0.0.7"]

    with pytest.raises(AddressRefusedError):
        checked_addresses(parse_url("https://erp.example.com/hook"), Allowlist(), mixed)


def test_the_allowlist_names_hosts_and_networks():
    allowlist = Allowlist.parse("erp.internal, 10.1.2.0/24")
    inside = checked_addresses(
        parse_url("http://10.1.2.3/hook"), allowlist, lambda h, p: ["10.1.2.3"]
    )
    assert [str(a) for a in inside] == ["10.1.2.3"]
    named = parse_url("http://erp.internal/hook")
    assert checked_addresses(named, allowlist, lambda h, p: ["10.9.9.9"])
    with pytest.raises(AddressRefusedError):
        checked_addresses(parse_url("http://10.1.3.3/hook"), allowlist, lambda h, p: ["10.1.3.3"])


def test_registering_a_private_address_is_refused_with_a_422(desk):
    for url in ("http://127.0.0.1:9/hook", "http://169.254.169.254/", "http://[::1]/x"):
        answer = desk.client.post(
            "/api/v1/webhooks/subscriptions",
            headers=desk.tokens["root"],
            json={"url": url, "events": ["paid"]},
        )
        assert answer.status_code == 422, url
        assert "url" in answer.json["message"]


def test_registering_needs_known_events_and_an_admin(desk, allow_localhost):
    root, ivan = desk.tokens["root"], desk.tokens["ivan"]
    body = {"url": "http://127.0.0.1:9/hook", "events": ["paid", "exploded"]}
    answer = desk.client.post("/api/v1/webhooks/subscriptions", headers=root, json=body)
    assert answer.status_code == 422
    assert "events" in answer.json["message"]
    body["events"] = ["paid"]
    answer = desk.client.post("/api/v1/webhooks/subscriptions", headers=ivan, json=body)
    assert answer.status_code == 403
    answer = desk.client.get("/api/v1/webhooks/subscriptions", headers=ivan)
    assert answer.status_code == 403


def test_a_name_that_resolves_to_a_private_address_at_delivery_is_not_called(
    app, desk, receiver, allow_localhost
):
    """DNS rebinding: public when registered, the receiver's loopback address when sent."""
    subscription = desk.subscribe(receiver.url, events=["submitted"])
    desk.submit(desk.invoice())
    rebinding = HttpSender(Allowlist(), resolver=lambda h, p: ["127.0.0.1"])
    with app.app_context():
        counts = deliver_due(db.session, desk.later(0), WebhookSettings(), sender=rebinding)
        db.session.remove()
    assert counts["failed"] == 1
    assert receiver.received == []
    [delivery] = desk.deliveries(subscription["id"])
    assert delivery["status"] == "failed"
    assert "address refused" in delivery["last_error"]

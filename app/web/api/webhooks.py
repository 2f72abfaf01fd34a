"""Webhooks over REST (administrators): subscriptions, their delivery logs, redelivery. The same
services and errors as the screen (app/web/views/webhooks.py)."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app, g
from flask_appbuilder.api import expose, protect, safe

from app.domain.webhook_addresses import Allowlist
from app.i18n import _
from app.models.base import utcnow
from app.services.change_webhook import SubscriptionChange, change_subscription, rotate_secret
from app.services.webhooks import (
    SubscriptionRequest,
    create_subscription,
    delivery_log,
    redeliver,
    subscriptions,
    switch_subscription,
)
from app.web import context
from app.web.api.base import moment
from app.web.api.openapi import (
    REFUSED_ACTION,
    REFUSED_READ,
    listing,
    operation,
    path_id,
    ref,
    register_schemas,
)
from app.web.api.tasks import ActionApi
from app.web.api.webhooks_schemas import SCHEMAS

SUBSCRIPTION_ID = path_id("subscription_id")
DELIVERY_ID = path_id("delivery_id")


def allowlist() -> Allowlist:
    return Allowlist.parse(current_app.config.get("WEBHOOK_ALLOWED_HOSTS", ""))


def secret_overlap() -> timedelta:
    return timedelta(hours=float(current_app.config.get("WEBHOOK_SECRET_OVERLAP_HOURS", 24)))


class WebhookApi(ActionApi):
    resource_name = "webhooks"
    class_permission_name = "Webhooks"
    method_permission_name = {
        "list_subscriptions": "read",
        "subscribe": "read",
        "switch": "read",
        "change": "read",
        "rotate": "read",
        "deliveries": "read",
        "deliver_again": "read",
    }
    base_permissions = ["can_read"]

    def add_apispec_components(self, api_spec) -> None:
        super().add_apispec_components(api_spec)
        register_schemas(api_spec, SCHEMAS)

    @operation(
        "get",
        "The webhook subscriptions (administrators)",
        ok=("Subscriptions", listing(ref("WebhookSubscription"))),
        refusals=("401", "403"),
    )
    @expose("/subscriptions", methods=["GET"])
    @protect()
    @safe
    def list_subscriptions(self):
        """The webhook subscriptions."""
        return self.run(
            lambda: [subscription_json(s) for s in subscriptions(context.session(), g.user)]
        )

    @operation(
        "post",
        "Register a receiver for some events; the answer holds the secret that signs the "
        "deliveries, shown this once. Each delivery POSTs a WebhookPayload.",
        body=ref("WebhookSubscriptionNew"),
        ok=("The subscription and its secret", ref("WebhookSubscriptionCreated")),
        ok_status="201",
        refusals=REFUSED_ACTION,
    )
    @expose("/subscriptions", methods=["POST"])
    @protect()
    @safe
    def subscribe(self):
        """Register a receiver."""
        body = self.json_body()
        request = SubscriptionRequest(
            url=body.get("url", ""),
            events=body.get("events") or [],
            description=body.get("description") or "",
        )

        def action():
            subscription, secret = create_subscription(
                context.session(), g.user, request, allowlist()
            )
            return {**subscription_json(subscription), "secret": secret}

        return self.run(action, 201)

    @operation(
        "post",
        "Switch a subscription off (its waiting deliveries are given up) or on again",
        path=(SUBSCRIPTION_ID,),
        body=ref("WebhookSwitch"),
        ok=("The subscription", ref("WebhookSubscription")),
        refusals=REFUSED_ACTION,
    )
    @expose("/subscriptions/<int:subscription_id>/switch", methods=["POST"])
    @protect()
    @safe
    def switch(self, subscription_id):
        """Switch a subscription off or on."""
        active = self.json_body().get("active")
        if not isinstance(active, bool):
            return self.response_422(message={"active": [str(_("Send true or false."))]})
        return self.run(
            lambda: subscription_json(
                switch_subscription(context.session(), g.user, subscription_id, active)
            )
        )

    @operation(
        "patch",
        "Change a subscription: its URL (checked as at registration), events, description, "
        "active or paused; fields left out stay as they are. Audited.",
        path=(SUBSCRIPTION_ID,),
        body=ref("WebhookSubscriptionChange"),
        ok=("The subscription", ref("WebhookSubscription")),
        refusals=REFUSED_ACTION,
    )
    @expose("/subscriptions/<int:subscription_id>", methods=["PATCH"])
    @protect()
    @safe
    def change(self, subscription_id):
        """Change a subscription."""
        body = self.json_body()
        wanted = SubscriptionChange(
            url=body.get("url"),
            events=body.get("events"),
            description=body.get("description"),
            active=body.get("active"),
        )
        return self.run(
            lambda: subscription_json(
                change_subscription(
                    context.session(), g.user, subscription_id, wanted, allowlist(), utcnow()
                )
            )
        )

    @operation(
        "post",
        "Rotate the signing secret: the answer holds the new secret, shown this once. Until "
        "`previous_secret_valid_until` (WEBHOOK_SECRET_OVERLAP_HOURS, 24 by default) each "
        "delivery carries two signatures, the new secret's first, comma-separated in "
        "X-InvoiceFlow-Signature; then only the new one. Audited (never the secret).",
        path=(SUBSCRIPTION_ID,),
        body_required=False,
        ok=("The subscription and its new secret", ref("WebhookSubscriptionCreated")),
        refusals=REFUSED_ACTION,
    )
    @expose("/subscriptions/<int:subscription_id>/rotate-secret", methods=["POST"])
    @protect()
    @safe
    def rotate(self, subscription_id):
        """Rotate a subscription's secret."""

        def action():
            subscription, secret = rotate_secret(
                context.session(), g.user, subscription_id, secret_overlap(), utcnow()
            )
            return {**subscription_json(subscription), "secret": secret}

        return self.run(action)

    @operation(
        "get",
        "A subscription's delivery log, newest first (the latest 200)",
        path=(SUBSCRIPTION_ID,),
        ok=("Deliveries", listing(ref("WebhookDelivery"))),
        refusals=REFUSED_READ,
    )
    @expose("/subscriptions/<int:subscription_id>/deliveries", methods=["GET"])
    @protect()
    @safe
    def deliveries(self, subscription_id):
        """A subscription's delivery log."""
        return self.run(
            lambda: [
                delivery_json(d)
                for d in delivery_log(context.session(), g.user, subscription_id)[1]
            ]
        )

    @operation(
        "post",
        "Deliver an event again: a new delivery with the same body and event id",
        path=(DELIVERY_ID,),
        ok=("The new delivery", ref("WebhookDelivery")),
        ok_status="201",
        refusals=REFUSED_ACTION,
    )
    @expose("/deliveries/<int:delivery_id>/redeliver", methods=["POST"])
    @protect()
    @safe
    def deliver_again(self, delivery_id):
        """Deliver an event again."""

        def action():
            with context.kept_after_commit():
                again = redeliver(context.session(), g.user, delivery_id, utcnow())
            return delivery_json(again)

        return self.run(action, 201)


def subscription_json(subscription) -> dict:
    return {
        "id": subscription.id,
        "url": subscription.url,
        "description": subscription.description,
        "events": list(subscription.events or []),
        "active": subscription.active,
        "created_at": moment(subscription.created_at),
        "created_by": subscription.created_by.username if subscription.created_by else "",
        "updated_at": moment(subscription.updated_at),
        "secret_rotated_at": moment(subscription.secret_rotated_at),
        "previous_secret_valid_until": moment(subscription.previous_secret_until),
    }


def delivery_json(delivery) -> dict:
    return {
        "id": delivery.id,
        "delivery_id": delivery.delivery_uid,
        "event": delivery.event,
        "invoice_id": delivery.invoice_id,
        "status": delivery.status,
        "attempts": delivery.attempts,
        "last_status_code": delivery.last_status_code,
        "last_response": delivery.last_response,
        "last_error": delivery.last_error,
        "next_attempt_at": moment(delivery.next_attempt_at),
        "created_at": moment(delivery.created_at),
        "delivered_at": moment(delivery.delivered_at),
        "redelivery_of": delivery.redelivery_of_id,
    }

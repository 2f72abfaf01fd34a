"""The OpenAPI components of the webhooks API (app/web/api/webhooks.py) and of the body each
delivery POSTs to a receiver: data only."""

from __future__ import annotations

from app.models import WebhookEvent
from app.web.api.openapi_schemas import (
    DECIMAL,
    ID,
    MOMENT,
    NULLABLE_MOMENT,
    NULLABLE_TEXT,
    STATUS,
    TEXT,
    json_object,
)

EVENT = {"type": "string", "enum": list(WebhookEvent.ALL)}
DELIVERY_STATUS = {"type": "string", "enum": ["pending", "sending", "delivered", "failed"]}

SUBSCRIPTION = json_object(
    {
        "id": ID,
        "url": TEXT,
        "description": TEXT,
        "events": {"type": "array", "items": EVENT},
        "active": {"type": "boolean"},
        "created_at": MOMENT,
        "created_by": TEXT,
        "updated_at": {**NULLABLE_MOMENT, "description": "The last change or rotation"},
        "secret_rotated_at": NULLABLE_MOMENT,
        "previous_secret_valid_until": {
            **NULLABLE_MOMENT,
            "description": "Until then deliveries are signed with the replaced secret too",
        },
    }
)
SUBSCRIPTION_NEW = json_object(
    {
        "url": {
            **TEXT,
            "maxLength": 2000,
            "description": "http(s); private, loopback, link-local and reserved addresses are "
            "refused unless WEBHOOK_ALLOWED_HOSTS names them",
        },
        "events": {"type": "array", "items": EVENT, "minItems": 1},
        "description": {**TEXT, "maxLength": 200},
    },
    optional=("description",),
)
SUBSCRIPTION_CREATED = json_object(
    {
        **SUBSCRIPTION["properties"],
        "secret": {
            **TEXT,
            "description": "Signs every delivery; shown in this answer only, keep it",
        },
    }
)
SUBSCRIPTION_CHANGE = {
    "type": "object",
    "properties": {
        **SUBSCRIPTION_NEW["properties"],
        "active": {"type": "boolean", "description": "false: paused, nothing is delivered"},
    },
    "description": "Fields left out stay as they are",
}
SWITCH = json_object({"active": {"type": "boolean"}})
DELIVERY = json_object(
    {
        "id": ID,
        "delivery_id": TEXT,
        "event": EVENT,
        "invoice_id": {**ID, "nullable": True},
        "status": DELIVERY_STATUS,
        "attempts": {"type": "integer", "minimum": 0},
        "last_status_code": {"type": "integer", "nullable": True},
        "last_response": {**NULLABLE_TEXT, "description": "The start of the receiver's answer"},
        "last_error": NULLABLE_TEXT,
        "next_attempt_at": MOMENT,
        "created_at": MOMENT,
        "delivered_at": NULLABLE_MOMENT,
        "redelivery_of": {**ID, "nullable": True},
    }
)
PERSON = {
    **json_object({"id": ID, "username": TEXT, "name": TEXT}),
    "nullable": True,
    "description": "Who acted; null when the process did (a task handed out)",
}
# What a receiver gets: the JSON body of the POST. Headers: X-InvoiceFlow-Event,
# X-InvoiceFlow-Delivery, X-InvoiceFlow-Timestamp (Unix seconds) and X-InvoiceFlow-Signature:
# sha256=<hex HMAC-SHA256 of "<timestamp>.<body>" with the subscription's secret>; during a
# rotation's overlap two of them, comma-separated, the new secret's first.
PAYLOAD = {
    **json_object(
        {
            "event": EVENT,
            "event_id": {**ID, "description": "The audit event; the same in a redelivery"},
            "delivery_id": {**TEXT, "format": "uuid"},
            "redelivery_of": {**TEXT, "format": "uuid", "description": "Only in a redelivery"},
            "occurred_at": MOMENT,
            "invoice": json_object(
                {"id": ID, "number": ID, "amount": DECIMAL, "currency": TEXT, "status": STATUS}
            ),
            "actor": PERSON,
            "comment": {**TEXT, "description": "A return's or rejection's reason, when given"},
            "task": json_object(
                {"id": TEXT, "step": TEXT, "assignee_id": {**ID, "nullable": True}, "role": TEXT}
            ),
        },
        optional=("redelivery_of", "comment", "task"),
    ),
    "description": "The body POSTed to a receiver, signed: X-InvoiceFlow-Signature is "
    "sha256=HMAC-SHA256(secret, X-InvoiceFlow-Timestamp + '.' + body) in hex; for a while "
    "after the secret is rotated it holds two such signatures, comma-separated (the new "
    "secret's first): accept the delivery if any of them verifies. Retried with "
    "backoff on 5xx, 408, 429 and timeouts; redirects are not followed; per invoice the "
    "events arrive in order.",
}

SCHEMAS = {
    "WebhookSubscription": SUBSCRIPTION,
    "WebhookSubscriptionNew": SUBSCRIPTION_NEW,
    "WebhookSubscriptionCreated": SUBSCRIPTION_CREATED,
    "WebhookSubscriptionChange": SUBSCRIPTION_CHANGE,
    "WebhookSwitch": SWITCH,
    "WebhookDelivery": DELIVERY,
    "WebhookPayload": PAYLOAD,
}

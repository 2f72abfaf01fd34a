"""Webhook subscriptions (admins): register a URL with its events, switch it off or on, read
its delivery log, deliver an event again. Deliveries are queued by app/services/webhook_events.py
and sent by the worker (app/services/webhook_delivery.py)."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.ids import parse_id
from app.domain.webhook_addresses import (
    URL_LIMIT,
    AddressRefusedError,
    Allowlist,
    Resolver,
    checked_addresses,
    parse_url,
    resolve,
)
from app.errors import NotFoundError, PermissionDeniedError, ValidationError
from app.i18n import _
from app.models import WebhookDelivery, WebhookDeliveryStatus, WebhookEvent, WebhookSubscription
from app.roles import ADMIN, has_role
from app.services import audit, use_case

LOG_LIMIT = 200
DESCRIPTION_LIMIT = 200


@dataclass(frozen=True)
class SubscriptionRequest:
    url: str = ""
    events: list[str] = field(default_factory=list)
    description: str = ""


def _refusal_text(exc: AddressRefusedError) -> str:
    texts = {
        "not a URL": _("Enter a full URL, such as https://erp.example.com/hooks/invoices."),
        "only http and https URLs": _("Only http:// and https:// addresses can receive webhooks."),
        "no user or password in the URL": _("Leave the user name and password out of the URL."),
        "the host name does not resolve": _("The host name cannot be found."),
        "a private, loopback or reserved address": _(
            "The address %(address)s is private, loopback or reserved: webhooks go to public "
            "addresses only, unless the WEBHOOK_ALLOWED_HOSTS setting names it.",
            address=exc.host,
        ),
    }
    return str(texts.get(exc.reason, exc.reason))


def require_admin(actor) -> None:
    if not has_role(actor, ADMIN):
        raise PermissionDeniedError(_("Only administrators manage webhooks."))


def _checked(request: SubscriptionRequest, allowlist: Allowlist, resolver: Resolver) -> dict:
    errors: dict[str, list] = {}
    fields = {
        "url": checked_field(errors, "url", checked_url, request.url, allowlist, resolver),
        "events": checked_field(errors, "events", checked_events, request.events),
        "description": checked_field(
            errors, "description", checked_description, request.description
        ),
    }
    if errors:
        raise ValidationError(errors)
    return fields


def checked_field(errors: dict, name: str, check, *args):
    """The value `check` makes of the input, or None with its message added to `errors`."""
    try:
        return check(*args)
    except ValueError as exc:
        errors[name] = [str(exc.args[0])]
        return None


def checked_url(raw, allowlist: Allowlist, resolver: Resolver) -> str:
    """The URL as stored; raises ValueError with the reason a receiver there is refused."""
    url = raw.strip() if isinstance(raw, str) else ""
    try:
        checked_addresses(parse_url(url), allowlist, resolver)
    except AddressRefusedError as exc:
        raise ValueError(_refusal_text(exc)) from exc
    return url[:URL_LIMIT]


def checked_events(raw) -> list[str]:
    events = raw if isinstance(raw, list | tuple) else []
    chosen = [e for e in WebhookEvent.ALL if e in events]
    if not chosen or len(chosen) != len(set(events)):
        raise ValueError(_("Choose one or more of the events listed."))
    return chosen


def checked_description(raw) -> str:
    description = raw.strip() if isinstance(raw, str) else ""
    if len(description) > DESCRIPTION_LIMIT:
        raise ValueError(_("At most %(n)s characters.", n=DESCRIPTION_LIMIT))
    return description


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


@use_case
def create_subscription(
    session: Session,
    actor,
    request: SubscriptionRequest,
    allowlist: Allowlist,
    resolver: Resolver = resolve,
) -> tuple[WebhookSubscription, str]:
    """Register a receiver; returns it and its secret (shown this once).
    Raises PermissionDeniedError, ValidationError."""
    require_admin(actor)
    fields = _checked(request, allowlist, resolver)
    secret = new_secret()
    subscription = WebhookSubscription(**fields, secret=secret, created_by_id=actor.id)
    session.add(subscription)
    session.flush()
    audit.record(
        session, "webhook_subscribed", actor.id, {"subscription": subscription.id, **fields}
    )
    return subscription, secret


@use_case
def switch_subscription(session: Session, actor, subscription_id, active: bool):
    """Switch a receiver off (its pending deliveries are given up as they come) or on again.
    Raises PermissionDeniedError, NotFoundError."""
    subscription = subscription_for_admin(session, actor, subscription_id)
    subscription.active = bool(active)
    details = {"subscription": subscription.id, "active": subscription.active}
    audit.record(session, "webhook_switched", actor.id, details)
    return subscription


def subscriptions(session: Session, actor) -> list[WebhookSubscription]:
    """Raises PermissionDeniedError."""
    require_admin(actor)
    return list(session.scalars(select(WebhookSubscription).order_by(WebhookSubscription.id)))


def subscription_for_admin(session: Session, actor, subscription_id) -> WebhookSubscription:
    """Raises PermissionDeniedError, NotFoundError."""
    require_admin(actor)
    pk = parse_id(subscription_id)
    subscription = session.get(WebhookSubscription, pk) if pk else None
    if subscription is None:
        raise NotFoundError(_("No such webhook subscription."))
    return subscription


def delivery_log(session: Session, actor, subscription_id, limit: int = LOG_LIMIT):
    """The latest deliveries of a subscription, newest first.
    Raises PermissionDeniedError, NotFoundError."""
    subscription = subscription_for_admin(session, actor, subscription_id)
    rows = session.scalars(
        select(WebhookDelivery)
        .where(WebhookDelivery.subscription_id == subscription.id)
        .order_by(WebhookDelivery.id.desc())
        .limit(limit)
    )
    return subscription, list(rows)


@use_case
def redeliver(session: Session, actor, delivery_id, now: datetime) -> WebhookDelivery:
    """Queue an event again, as a new delivery with the same body and event id (its delivery
    id says it is a redelivery). Raises PermissionDeniedError, NotFoundError."""
    require_admin(actor)
    pk = parse_id(delivery_id)
    original = session.get(WebhookDelivery, pk) if pk else None
    if original is None:
        raise NotFoundError(_("No such webhook delivery."))
    uid = _new_uid()
    again = WebhookDelivery(
        subscription_id=original.subscription_id,
        delivery_uid=uid,
        event=original.event,
        invoice_id=original.invoice_id,
        sequence=original.sequence,
        audit_event_id=original.audit_event_id,
        payload={**original.payload, "delivery_id": uid, "redelivery_of": original.delivery_uid},
        status=WebhookDeliveryStatus.PENDING,
        next_attempt_at=now,
        created_at=now,
        redelivery_of_id=original.id,
    )
    session.add(again)
    session.flush()
    details = {"delivery": original.id, "again_as": again.id}
    audit.record(session, "webhook_redelivered", actor.id, details)
    return again


def _new_uid() -> str:
    return str(uuid.uuid4())

"""An admin changes a webhook subscription (its URL, events, description, on or off) or rotates
its secret. After a rotation the replaced secret keeps signing, next to the new one, for an
overlap (WEBHOOK_SECRET_OVERLAP_HOURS), so a receiver can switch without losing events. Every
change is audited: what changed, never a secret."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from app.domain.webhook_addresses import Allowlist, Resolver, resolve
from app.errors import ValidationError
from app.i18n import _
from app.models import WebhookSubscription
from app.services import audit, use_case
from app.services.webhooks import (
    checked_description,
    checked_events,
    checked_field,
    checked_url,
    new_secret,
    subscription_for_admin,
)


@dataclass(frozen=True)
class SubscriptionChange:
    """What an admin sends; None leaves a field as it is."""

    url: str | None = None
    events: list[str] | None = None
    description: str | None = None
    active: bool | None = None


@use_case
def change_subscription(
    session: Session,
    actor,
    subscription_id,
    change: SubscriptionChange,
    allowlist: Allowlist,
    now: datetime,
    resolver: Resolver = resolve,
) -> WebhookSubscription:
    """Change a receiver; the URL is checked as at registration. Deliveries not sent yet go to
    the new URL. Raises PermissionDeniedError, NotFoundError, ValidationError."""
    subscription = subscription_for_admin(session, actor, subscription_id)
    wanted = _checked_change(change, allowlist, resolver)
    changes = {
        name: [getattr(subscription, name), value]
        for name, value in wanted.items()
        if getattr(subscription, name) != value
    }
    if not changes:
        return subscription
    for name, (_before, after) in changes.items():
        setattr(subscription, name, after)
    subscription.updated_at = now
    details = {"subscription": subscription.id, "changes": changes}
    audit.record(session, "webhook_changed", actor.id, details)
    return subscription


def _checked_change(change: SubscriptionChange, allowlist: Allowlist, resolver) -> dict:
    errors: dict[str, list] = {}
    wanted = {}
    if change.url is not None:
        wanted["url"] = checked_field(errors, "url", checked_url, change.url, allowlist, resolver)
    if change.events is not None:
        wanted["events"] = checked_field(errors, "events", checked_events, change.events)
    if change.description is not None:
        description = change.description
        wanted["description"] = checked_field(
            errors, "description", checked_description, description
        )
    if change.active is not None:
        if isinstance(change.active, bool):
            wanted["active"] = change.active
        else:
            errors["active"] = [_("Send true or false.")]
    if errors:
        raise ValidationError(errors)
    return wanted


@use_case
def rotate_secret(
    session: Session, actor, subscription_id, overlap: timedelta, now: datetime
) -> tuple[WebhookSubscription, str]:
    """A new signing secret (returned, shown this once); the replaced one still signs until
    `now + overlap`. A secret replaced earlier stops signing at once.
    Raises PermissionDeniedError, NotFoundError."""
    subscription = subscription_for_admin(session, actor, subscription_id)
    secret = new_secret()
    overlap = max(overlap, timedelta(0))
    subscription.previous_secret = subscription.secret if overlap else None
    subscription.previous_secret_until = now + overlap if overlap else None
    subscription.secret = secret
    subscription.secret_rotated_at = subscription.updated_at = now
    details = {
        "subscription": subscription.id,
        "old_secret_signs_until": subscription.previous_secret_until,
    }
    audit.record(session, "webhook_secret_rotated", actor.id, details)
    return subscription, secret

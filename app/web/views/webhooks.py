"""Admins' webhooks screen: the subscriptions, a new one (its secret shown once), changing one
and rotating its secret (the new one shown once), each one's delivery log with the status codes
and the receivers' answers, and redelivery."""

from __future__ import annotations

from flask import g, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access

from app.errors import InvoiceFlowError, ValidationError
from app.i18n import _
from app.models import WebhookEvent
from app.models.base import utcnow
from app.services.change_webhook import SubscriptionChange, change_subscription, rotate_secret
from app.services.webhooks import (
    SubscriptionRequest,
    create_subscription,
    delivery_log,
    redeliver,
    subscription_for_admin,
    subscriptions,
    switch_subscription,
)
from app.web import context
from app.web.api.webhooks import allowlist, secret_overlap
from app.web.context import say

EVENT_LABELS = {
    WebhookEvent.SUBMITTED: _("Submitted"),
    WebhookEvent.APPROVED: _("Approved"),
    WebhookEvent.RETURNED: _("Returned for rework"),
    WebhookEvent.REJECTED: _("Rejected"),
    WebhookEvent.PAID: _("Paid"),
    WebhookEvent.WITHDRAWN: _("Withdrawn"),
    WebhookEvent.TASK_ASSIGNED: _("Task assigned"),
}
STATUS_LABELS = {
    "pending": _("waiting"),
    "sending": _("being sent"),
    "delivered": _("delivered"),
    "failed": _("given up"),
}


def outcome_text(delivery) -> str:
    """What the last attempt's error means, in the reader's language (the API's delivery log
    gives the technical text)."""
    error, code = delivery.last_error or "", delivery.last_status_code
    if not error:
        return ""
    if error.startswith("refused by the receiver"):
        return str(_("The receiver refused it (HTTP %(code)s): not tried again.", code=code))
    if error.startswith("address refused"):
        return str(_("The address is refused (private, reserved or not found): not sent."))
    if error == "the subscription is switched off":
        return str(_("The subscription is switched off: not sent."))
    if delivery.status == "failed":
        return str(_("Given up after %(n)s attempts.", n=delivery.attempts))
    if code:
        return str(_("The receiver failed (HTTP %(code)s): tried again later.", code=code))
    return str(_("No answer in time or no connection: tried again later."))


class WebhooksView(BaseView):
    route_base = "/webhooks"
    default_view = "index"
    class_permission_name = "Webhooks"
    method_permission_name = {
        "index": "read",
        "subscribe": "read",
        "switch": "read",
        "edit_screen": "read",
        "edit": "read",
        "rotate": "read",
        "log": "read",
        "deliver_again": "read",
    }
    base_permissions = ["can_read"]

    @expose("/", methods=["GET"])
    @has_access
    def index(self):
        return self._list({})

    @expose("/", methods=["POST"])
    @has_access
    def subscribe(self):
        typed = SubscriptionRequest(
            url=request.form.get("url", ""),
            events=request.form.getlist("events"),
            description=request.form.get("description", ""),
        )
        try:
            subscription, secret = create_subscription(
                context.session(), g.user, typed, allowlist()
            )
        except ValidationError as exc:
            errors = {k: [str(m) for m in v] for k, v in exc.errors.items()}
            return self._list({}, typed, errors), 422
        # Shown in this answer only: never in a redirect, the session or a log.
        return self._list({"subscription": subscription, "secret": secret})

    @expose("/<int:subscription_id>/switch", methods=["POST"])
    @has_access
    def switch(self, subscription_id):
        active = request.form.get("active") == "1"
        switch_subscription(context.session(), g.user, subscription_id, active)
        say(_("Subscription switched on.") if active else _("Subscription switched off."), "info")
        return redirect(url_for(".index"))

    @expose("/<int:subscription_id>/edit", methods=["GET"])
    @has_access
    def edit_screen(self, subscription_id):
        subscription = subscription_for_admin(context.session(), g.user, subscription_id)
        return self._edit_page(subscription, _typed_from(subscription))

    @expose("/<int:subscription_id>/edit", methods=["POST"])
    @has_access
    def edit(self, subscription_id):
        typed = SubscriptionChange(
            url=request.form.get("url", ""),
            events=request.form.getlist("events"),
            description=request.form.get("description", ""),
            active=request.form.get("active") == "1",
        )
        session = context.session()
        try:
            change_subscription(session, g.user, subscription_id, typed, allowlist(), utcnow())
        except ValidationError as exc:
            errors = {k: [str(m) for m in v] for k, v in exc.errors.items()}
            subscription = subscription_for_admin(session, g.user, subscription_id)
            return self._edit_page(subscription, typed, errors), 422
        say(_("Subscription %(n)s saved.", n=subscription_id), "success")
        return redirect(url_for(".index"))

    @expose("/<int:subscription_id>/rotate", methods=["POST"])
    @has_access
    def rotate(self, subscription_id):
        subscription, secret = rotate_secret(
            context.session(), g.user, subscription_id, secret_overlap(), utcnow()
        )
        # Shown in this answer only, as at registration.
        return self._edit_page(subscription, _typed_from(subscription), secret=secret)

    def _edit_page(self, subscription, typed: SubscriptionChange, errors=None, secret=None):
        until = subscription.previous_secret_until
        return self.render_template(
            "webhooks/edit.html",
            title=_("Change the subscription"),
            subscription=subscription,
            typed=typed,
            errors=errors or {},
            secret=secret,
            old_secret_until=until if until and until > utcnow() else None,
            overlap_hours=f"{secret_overlap().total_seconds() / 3600:g}",
            event_labels=EVENT_LABELS,
        )

    @expose("/<int:subscription_id>", methods=["GET"])
    @has_access
    def log(self, subscription_id):
        subscription, deliveries = delivery_log(context.session(), g.user, subscription_id)
        return self.render_template(
            "webhooks/log.html",
            title=_("Delivery log"),
            subscription=subscription,
            deliveries=deliveries,
            event_labels=EVENT_LABELS,
            status_labels=STATUS_LABELS,
            outcome_text=outcome_text,
        )

    @expose("/deliveries/<int:delivery_id>/redeliver", methods=["POST"])
    @has_access
    def deliver_again(self, delivery_id):
        try:
            again = redeliver(context.session(), g.user, delivery_id, utcnow())
        except InvoiceFlowError as exc:
            say(str(exc.message), "danger")
            return redirect(url_for(".index"))
        say(_("The event will be delivered again in a moment."), "success")
        return redirect(url_for(".log", subscription_id=again.subscription_id))

    def _list(self, created: dict, typed: SubscriptionRequest | None = None, errors=None):
        return self.render_template(
            "webhooks/list.html",
            title=_("Webhooks"),
            subscriptions=subscriptions(context.session(), g.user),
            created=created,
            typed=typed or SubscriptionRequest(),
            errors=errors or {},
            event_labels=EVENT_LABELS,
        )


def _typed_from(subscription) -> SubscriptionChange:
    return SubscriptionChange(
        url=subscription.url,
        events=list(subscription.events or []),
        description=subscription.description,
        active=subscription.active,
    )

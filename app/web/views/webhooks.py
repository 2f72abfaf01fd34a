"""Admins' webhooks screen: the subscriptions, a new one (its secret shown once), each one's
delivery log with the status codes and the receivers' answers, and redelivery."""

from __future__ import annotations

from flask import g, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access

from app.errors import InvoiceFlowError, ValidationError
from app.i18n import _
from app.models import WebhookEvent
from app.models.base import utcnow
from app.services.webhooks import (
    SubscriptionRequest,
    create_subscription,
    delivery_log,
    redeliver,
    subscriptions,
    switch_subscription,
)
from app.web import context
from app.web.api.webhooks import allowlist
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

"""Out of office over REST: my absences and whom I stand in for; name a deputy (admins for
anyone); end a period early. The same services and errors as the screen."""

from __future__ import annotations

from flask import current_app, g
from flask_appbuilder.api import expose, protect, safe

from app.models.base import utcnow
from app.services.change_delegation import change_delegation
from app.services.delegation import (
    DeputyRequest,
    cancel_delegation,
    current_and_coming,
    set_deputy,
)
from app.web import context
from app.web.api.base import moment
from app.web.api.openapi import REFUSED_ACTION, operation, path_id, ref
from app.web.api.tasks import ActionApi

DELEGATION_ID = path_id("delegation_id")


class DelegationApi(ActionApi):
    resource_name = "delegations"
    # Self-service: every signed-in user holds can_read on it (app/role_defaults.py).
    class_permission_name = "OutOfOffice"
    method_permission_name = {"mine": "read", "post": "read", "put": "read", "cancel": "read"}
    base_permissions = ["can_read"]

    @operation(
        "get",
        "My out-of-office periods and those where I stand in for someone, running or to come",
        ok=("The periods, soonest first", {"type": "array", "items": ref("Delegation")}),
        refusals=("401", "403"),
    )
    @expose("/", methods=["GET"])
    @protect()
    @safe
    def mine(self):
        """My out-of-office periods and the ones I stand in for."""
        return self.run(
            lambda: [delegation_json(d) for d in current_and_coming(context.session(), g.user.id)]
        )

    @operation(
        "post",
        "Name a deputy for a period of days (in the absent person's time zone, both included); "
        "an administrator may name one for someone else with user_id. Refused: chains (the "
        "deputy away meanwhile, or the person standing in for someone), overlapping periods.",
        body=ref("DelegationNew"),
        ok=("The period", ref("Delegation")),
        ok_status="201",
        refusals=REFUSED_ACTION,
    )
    @expose("/", methods=["POST"])
    @protect()
    @safe
    def post(self):
        """Name a deputy."""
        request = deputy_request(self.json_body())
        zone = current_app.config["DEFAULT_TIME_ZONE"]
        return self.run(
            lambda: delegation_json(set_deputy(context.session(), g.user, request, zone)), 201
        )

    @operation(
        "put",
        "Change a period running or to come: its days (the first day of a running period "
        "stays), its deputy or its note (the person away or an administrator). The deputy is "
        "told; a deputy replaced is told they no longer stand in.",
        path=(DELEGATION_ID,),
        body=ref("DelegationNew"),
        ok=("The period, changed", ref("Delegation")),
        refusals=REFUSED_ACTION,
    )
    @expose("/<int:delegation_id>", methods=["PUT"])
    @protect()
    @safe
    def put(self, delegation_id):
        """Change an out-of-office period."""
        request = deputy_request(self.json_body())
        return self.run(
            lambda: delegation_json(
                change_delegation(context.session(), g.user, delegation_id, request)
            )
        )

    @operation(
        "post",
        "End a period now, or drop one not begun (the person away or an administrator)",
        path=(DELEGATION_ID,),
        ok=("The period, ended", ref("Delegation")),
        refusals=REFUSED_ACTION,
    )
    @expose("/<int:delegation_id>/cancel", methods=["POST"])
    @protect()
    @safe
    def cancel(self, delegation_id):
        """End an out-of-office period."""
        return self.run(
            lambda: delegation_json(cancel_delegation(context.session(), g.user, delegation_id))
        )


def deputy_request(body: dict) -> DeputyRequest:
    return DeputyRequest(
        deputy_id=body.get("deputy_id"),
        starts_on=body.get("starts_on"),
        ends_on=body.get("ends_on"),
        note=body.get("note"),
        user_id=body.get("user_id"),
    )


def _person(user) -> dict:
    return {"id": user.id, "name": f"{user.first_name} {user.last_name}"}


def delegation_json(delegation) -> dict:
    return {
        "id": delegation.id,
        "user": _person(delegation.user),
        "deputy": _person(delegation.deputy),
        "starts_on": delegation.starts_on.isoformat(),
        "ends_on": delegation.ends_on.isoformat(),
        "time_zone": delegation.time_zone,
        "note": delegation.note,
        "in_force": delegation.is_active_at(utcnow()),
        "cancelled_at": moment(delegation.cancelled_at),
        "created_by": delegation.created_by_id,
        "created_at": moment(delegation.created_at),
    }

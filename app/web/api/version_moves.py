"""Moving running invoices to a published version over REST (administrators): which can move,
where each would stand, which cannot and why; move the chosen ones or all that can."""

from __future__ import annotations

from flask import g
from flask_appbuilder.api import expose, protect, safe

from app.i18n import current_language
from app.services.move_to_version import move_overview, move_to_version
from app.services.stage_names import stage_in
from app.web import context
from app.web.api.openapi import REFUSED_ACTION, REFUSED_READ, operation, path_id, ref
from app.web.api.tasks import ActionApi

VERSION_ID = path_id("version_id")


class VersionMoveApi(ActionApi):
    resource_name = "process-versions"
    class_permission_name = "Process"
    method_permission_name = {"moves": "read", "move": "write"}
    base_permissions = ["can_read", "can_write"]

    @operation(
        "get",
        "The running invoices on other versions of this version's process: those that can move "
        "here, with the stage each would stand at, and those that cannot, with the reason "
        "(administrators). Nothing changes.",
        path=(VERSION_ID,),
        ok=("The invoices", ref("VersionMoves")),
        refusals=REFUSED_READ,
    )
    @expose("/<int:version_id>/moves", methods=["GET"])
    @protect()
    @safe
    def moves(self, version_id):
        """Which running invoices can move to this version."""
        return self.run(
            lambda: _overview_json(move_overview(context.session(), g.user, version_id))
        )

    @operation(
        "post",
        "Move the chosen running invoices (`invoices`), or all that can move (`all`), to this "
        "version; each move is audited with the old and new version. One transaction: a "
        "chosen invoice that cannot move refuses the whole request (422).",
        path=(VERSION_ID,),
        body=ref("VersionMoveRequest"),
        ok=("The invoices moved", ref("VersionMoveResult")),
        refusals=REFUSED_ACTION,
    )
    @expose("/<int:version_id>/moves", methods=["POST"])
    @protect()
    @safe
    def move(self, version_id):
        """Move running invoices to this version."""
        body = self.json_body()
        chosen = None if body.get("all") is True else body.get("invoices", [])
        return self.run(
            lambda: {"moved": move_to_version(context.session(), g.user, version_id, chosen)}
        )


def _overview_json(overview) -> dict:
    language = current_language()
    return {
        "version": overview.version.version,
        "movable": [
            {
                "invoice_id": row.invoice_id,
                "number": int(row.number) if row.number.isdigit() else None,
                "from_version": row.from_version,
                "stage_after": [stage_in(language, n.get("en"), n) for n in row.waiting],
            }
            for row in overview.movable
        ],
        "refused": [
            {
                "invoice_id": row.invoice_id,
                "number": int(row.number) if row.number.isdigit() else None,
                "from_version": row.from_version,
                "reason": row.why_not(language),
            }
            for row in overview.refused
        ],
    }

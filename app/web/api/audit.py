"""The audit search over REST, read-only, for those who hold it (auditors and administrators by
default): the same filters and keyset cursors as the screen."""

from __future__ import annotations

from flask import request
from flask_appbuilder.api import expose, protect, safe

from app.domain.time_zones import TimeZoneError, check_time_zone
from app.errors import InvoiceFlowError, ValidationError
from app.i18n import _
from app.services.audit_search import (
    MAX_PAGE_SIZE,
    PAGE_SIZE,
    AuditPage,
    AuditRow,
    Direction,
    read_query,
    search_audit,
)
from app.web import context
from app.web.api.base import error_response, moment
from app.web.api.openapi import in_query, operation, ref
from app.web.api.tasks import ActionApi
from app.web.local_format import reader_time_zone

CURSOR = {"type": "string", "pattern": r"^\d{8}T\d{12}-\d{1,18}$"}
NULLABLE_CURSOR = {**CURSOR, "nullable": True}
QUERY = (
    in_query("actor", {"type": "integer", "minimum": 1}, "Events by this user (their id)"),
    in_query("action", {"type": "string", "pattern": "^[a-z_]{1,40}$"}, "e.g. approved, paid"),
    in_query("invoice", {"type": "integer", "minimum": 1}, "Events of the invoice numbered so"),
    in_query("since", {"type": "string", "format": "date"}, "From this day (in time_zone)"),
    in_query("until", {"type": "string", "format": "date"}, "To this day, included"),
    in_query("time_zone", {"type": "string"}, "The days' zone; default: the user's own"),
    in_query("after", CURSOR, "The page older than this cursor (next_cursor)"),
    in_query("before", CURSOR, "The page newer than this cursor (previous_cursor)"),
    in_query("last", {"type": "string", "enum": ["1"]}, "1: the oldest page"),
    in_query(
        "page_size",
        {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
        f"Events per page, {PAGE_SIZE} by default",
    ),
)
PAGE_ANSWER = {
    "description": "A page of events, newest first, with the cursors of its neighbours",
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "required": ["result", "next_cursor", "previous_cursor", "time_zone"],
                "properties": {
                    "result": {"type": "array", "items": ref("AuditEvent")},
                    "next_cursor": NULLABLE_CURSOR,
                    "previous_cursor": NULLABLE_CURSOR,
                    "time_zone": {"type": "string"},
                },
            }
        }
    },
}


class AuditEventApi(ActionApi):
    resource_name = "audit-events"
    class_permission_name = "AuditTrail"
    method_permission_name = {"search": "read"}
    base_permissions = ["can_read"]

    @operation(
        "get",
        "Every audit event (all invoices' chains and the system's), newest first, filtered by "
        "actor, action, invoice and period; keyset pages: follow next_cursor with `after`, "
        "previous_cursor with `before`.",
        query=QUERY,
        ok=PAGE_ANSWER,
        refusals=("400", "401", "403", "422"),
    )
    @expose("/", methods=["GET"])
    @protect()
    @safe
    def search(self):
        """Search the audit trail."""
        try:
            query = read_query(request.args, _time_zone())
            direction = Direction.from_args(request.args)
            page = search_audit(context.session(), context.actor(), query, direction, _page_size())
        except ValidationError as exc:
            return self.response_422(
                message={k: [str(m) for m in v] for k, v in exc.errors.items()}
            )
        except InvoiceFlowError as exc:
            return error_response(self, exc)
        return self.response(200, **_page_json(page))


def _time_zone() -> str:
    raw = request.args.get("time_zone")
    if not raw:
        return reader_time_zone()
    try:
        return check_time_zone(raw)
    except TimeZoneError as exc:
        raise ValidationError({"time_zone": [str(exc)]}) from exc


def _page_size() -> int:
    raw = request.args.get("page_size")
    if not raw:
        return PAGE_SIZE
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE_SIZE:
        message = _("Give a page size from 1 to %(n)s.", n=MAX_PAGE_SIZE)
        raise ValidationError({"page_size": [message]})
    return int(raw)


def _page_json(page: AuditPage) -> dict:
    return {
        "result": [event_json(row) for row in page.rows],
        "next_cursor": str(page.older) if page.older else None,
        "previous_cursor": str(page.newer) if page.newer else None,
        "time_zone": page.query.time_zone,
    }


def event_json(row: AuditRow) -> dict:
    actor = None
    if row.actor_id is not None:
        name = f"{row.actor_first_name} {row.actor_last_name}"
        actor = {"id": row.actor_id, "username": row.actor_username, "name": name}
    return {
        "id": row.id,
        "created_at": moment(row.created_at),
        "chain": row.chain,
        "sequence": row.sequence,
        "action": row.action,
        "details": row.details,
        "hash": row.hash,
        "invoice_id": row.invoice_id,
        "invoice_number": row.invoice_number,
        "actor": actor,
    }

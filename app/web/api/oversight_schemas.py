"""The OpenAPI components of the screens around the approval: out of office (dated delegation),
the audit search and moving running invoices to another version. Registered beside those of
app/web/api/openapi_schemas.py."""

from __future__ import annotations

from app.web.api.openapi_schemas import (
    DAY,
    ID,
    MOMENT,
    NULLABLE_ID,
    NULLABLE_MOMENT,
    NULLABLE_TEXT,
    TEXT,
    json_object,
)

# Out of office (dated delegation).
PERSON = json_object({"id": ID, "name": TEXT})
DELEGATION = json_object(
    {
        "id": ID,
        "user": PERSON,
        "deputy": PERSON,
        "starts_on": {**DAY, "description": "First day away, in time_zone"},
        "ends_on": {**DAY, "description": "Last day away (included), in time_zone"},
        "time_zone": {**TEXT, "example": "Europe/Moscow"},
        "note": NULLABLE_TEXT,
        "in_force": {"type": "boolean", "description": "The deputy holds the tasks now"},
        "cancelled_at": NULLABLE_MOMENT,
        "created_by": ID,
        "created_at": MOMENT,
    }
)
DELEGATION_NEW = json_object(
    {
        "deputy_id": ID,
        "starts_on": DAY,
        "ends_on": DAY,
        "note": {**NULLABLE_TEXT, "maxLength": 500},
        "user_id": {**ID, "description": "Whose absence (administrators only); mine if left out"},
    },
    optional=("note", "user_id"),
)

# The audit search (app/services/audit_search.py): one event as its chain holds it.
AUDIT_EVENT = json_object(
    {
        "id": ID,
        "created_at": MOMENT,
        "chain": TEXT,
        "sequence": {"type": "integer", "minimum": 1},
        "action": TEXT,
        "details": {"type": "object"},
        "hash": TEXT,
        "invoice_id": NULLABLE_ID,
        "invoice_number": {"type": "integer", "nullable": True},
        "actor": {**json_object({"id": ID, "username": TEXT, "name": TEXT}), "nullable": True},
    }
)

# Moving running invoices to a version (app/services/move_to_version.py).
_MOVE_ROW = {"invoice_id": ID, "number": {"type": "integer", "nullable": True}}
VERSION_MOVES = json_object(
    {
        "version": {"type": "integer", "minimum": 1},
        "movable": {
            "type": "array",
            "items": json_object(
                {
                    **_MOVE_ROW,
                    "from_version": {"type": "integer", "minimum": 1},
                    "stage_after": {"type": "array", "items": TEXT},
                }
            ),
        },
        "refused": {
            "type": "array",
            "items": json_object(
                {**_MOVE_ROW, "from_version": {"type": "integer", "minimum": 1}, "reason": TEXT}
            ),
        },
    }
)
VERSION_MOVE_REQUEST = json_object(
    {
        "invoices": {"type": "array", "items": ID, "minItems": 1, "maxItems": 500},
        "all": {"type": "boolean", "description": "Every invoice that can move"},
    },
    optional=("invoices", "all"),
)
VERSION_MOVE_RESULT = json_object({"moved": {"type": "array", "items": ID}})

SCHEMAS = {
    "VersionMoves": VERSION_MOVES,
    "VersionMoveRequest": VERSION_MOVE_REQUEST,
    "VersionMoveResult": VERSION_MOVE_RESULT,
    "AuditEvent": AUDIT_EVENT,
    "Delegation": DELEGATION,
    "DelegationNew": DELEGATION_NEW,
}

"""Row-level security for FAB lists, cards, edits and the API."""

from flask import g
from flask_appbuilder.models.filters import BaseFilter

from app.services.visibility import VisibleParts, visible_invoice_parts, visible_invoices_clause


class VisibleInvoicesFilter(BaseFilter):
    name = "Visible to the user"
    arg_name = "visible"

    def apply(self, query, value):
        clause = visible_invoices_clause(g.user)
        return query if clause is None else query.filter(clause)


def visibility_apart(filters) -> tuple[VisibleParts, object] | None:
    """The rule's two parts and the other filters, when `filters` hold the visibility rule
    for a user who does not see everything: a count adds the parts, each read through its
    index (the rule as one clause has the database test it on every invoice). Else None."""
    if filters is None or not any(isinstance(f, VisibleInvoicesFilter) for f in filters.filters):
        return None
    parts = visible_invoice_parts(g.user)
    if parts is None:
        return None
    rest = filters.copy()
    kept = [
        (f, v)
        for f, v in zip(filters.filters, filters.values, strict=True)
        if not isinstance(f, VisibleInvoicesFilter)
    ]
    rest.filters, rest.values = [f for f, _ in kept], [v for _, v in kept]
    return parts, rest


def column_filters(filters):
    """What narrows a list besides the visibility rule (the list service applies the rule
    itself): the filters' apply_all, or None when no column filter is on, so that an
    unfiltered list is read as one."""
    if any(not isinstance(f, VisibleInvoicesFilter) for f in filters.filters):
        return filters.apply_all
    return None

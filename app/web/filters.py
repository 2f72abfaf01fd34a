"""Row-level security for FAB lists, cards, edits and the API."""

from flask import g
from flask_appbuilder.models.filters import BaseFilter

from app.services.visibility import visible_invoices_clause


class VisibleInvoicesFilter(BaseFilter):
    name = "Visible to the user"
    arg_name = "visible"

    def apply(self, query, value):
        clause = visible_invoices_clause(g.user)
        return query if clause is None else query.filter(clause)

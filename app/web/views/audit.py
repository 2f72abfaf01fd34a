"""For auditors: an invoice's dossier (PDF) from its card, and the audit search with its export."""

from __future__ import annotations

import tempfile

from flask import Response, current_app, request, send_file, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access

from app.errors import ValidationError
from app.i18n import _
from app.models.base import utcnow
from app.services.audit_export import (
    audit_csv_chunks,
    audit_file_name,
    start_audit_export,
    write_audit_xlsx,
)
from app.services.audit_search import (
    AuditQuery,
    Direction,
    read_query,
    search_audit,
)
from app.services.invoice_dossier import invoice_dossier
from app.services.invoice_export import Reader
from app.services.invoice_filter import search_people
from app.web import context
from app.web.context import say
from app.web.date_input import reader_today
from app.web.forms import KIND_LABELS, describe_user
from app.web.local_format import reader_language, reader_time_zone
from app.web.templating import ACTION_LABELS, DECISION_LABELS
from app.web.views.base import choices_answer
from app.web.views.invoice_list import XLSX_TYPE, csv_dialect
from app.web.views.invoices import LABELS


def reader() -> Reader:
    return Reader(reader_language(), reader_time_zone())


def wording():
    """The card's words, for the dossier."""
    from app.services.dossier_pdf import Wording  # the PDF library: loaded when first used

    return Wording(
        fields=LABELS,
        actions=ACTION_LABELS,
        decisions=DECISION_LABELS,
        kinds=KIND_LABELS,
        font_dir=current_app.config["DOSSIER_FONT_DIR"],
    )


class DossierView(BaseView):
    """The dossier is read like the card: whoever may open the card may download it."""

    route_base = "/invoices"
    class_permission_name = "Invoice"
    method_permission_name = {"dossier": "read"}
    base_permissions = ["can_read", "can_write"]
    default_view = "dossier"

    @expose("/<int:pk>/dossier.pdf")
    @has_access
    def dossier(self, pk):
        name, pdf = invoice_dossier(
            context.session(), context.actor(), pk, reader(), wording(), utcnow()
        )
        response = Response(pdf, mimetype="application/pdf")
        response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Cache-Control"] = "private, no-store"
        return response


class AuditSearchView(BaseView):
    route_base = "/audit"
    class_permission_name = "AuditTrail"
    method_permission_name = {"index": "read", "export": "read", "actor_choices": "read"}
    base_permissions = ["can_read"]
    default_view = "index"

    @expose("/")
    @has_access
    def index(self):
        status = 200
        try:
            query = read_query(request.args, reader_time_zone())
            direction = Direction.from_args(request.args)
        except ValidationError as exc:  # a filter no screen offers: every event, and why
            _say_errors(exc)
            query, direction, status = AuditQuery(time_zone=reader_time_zone()), Direction(), 400
        page = search_audit(context.session(), context.actor(), query, direction)
        html = self.render_template(
            "audit/search.html",
            page=page,
            links=_page_links(page),
            actions=sorted(ACTION_LABELS.items(), key=lambda item: str(item[1])),
            action_labels=ACTION_LABELS,
            actor_name=describe_user(page.actor) if page.actor else None,
            title=_("Audit trail"),
        )
        return html, status

    @expose("/export.<any(csv, xlsx):kind>")
    @has_access
    def export(self, kind: str):
        """The search's events, every page, as CSV or XLSX (written whole before answering)."""
        query = read_query(request.args, reader_time_zone())  # bad input: 422, said once
        export = start_audit_export(
            context.session(), context.actor(), query, current_app.config["EXPORT_MAX_ROWS"]
        )
        target = tempfile.TemporaryFile()  # noqa: SIM115 - closed when the answer is sent
        if kind == "csv":
            delimiter, _decimal_mark = csv_dialect()
            target.writelines(audit_csv_chunks(export.rows, delimiter, ACTION_LABELS, reader()))
            mimetype = "text/csv"
        else:
            title = str(_("Audit trail"))
            write_audit_xlsx(export.rows, export.count, target, title, ACTION_LABELS, reader())
            mimetype = XLSX_TYPE
        target.seek(0)
        response = send_file(
            target,
            mimetype=mimetype,
            as_attachment=True,
            download_name=audit_file_name(reader_today(), kind),
        )
        response.headers["Cache-Control"] = "no-store"
        return response

    @expose("/actor-choices")
    @has_access
    def actor_choices(self):
        """Matches for the actor filter, as the user types."""
        return choices_answer(search_people, describe_user)


def _say_errors(exc: ValidationError) -> None:
    for messages in exc.errors.values():
        for message in messages:
            say(str(message), "danger")


def _page_links(page) -> dict:
    """First, previous, next and last pages, each with the filter and its cursor in the URL."""
    args = page.query.as_args()
    link = lambda **more: url_for("AuditSearchView.index", **args, **more)  # noqa: E731
    return {
        "first": link() if page.newer else None,
        "previous": link(before=str(page.newer)) if page.newer else None,
        "next": link(after=str(page.older)) if page.older else None,
        "last": link(last="1") if page.older else None,
        "csv": url_for("AuditSearchView.export", kind="csv", **args),
        "xlsx": url_for("AuditSearchView.export", kind="xlsx", **args),
    }

"""The invoice list screen: FAB's list with a filter bar of plain URL parameters (status=...,
holder=12, overdue=1: a link to bookmark or share), who holds each invoice and since when,
overdue rows marked, and the export of exactly what the filter shows (every page).

FAB's own column search (`_flt_<n>_<column>`, used by the dashboard's links), sorting
(`_oc_`/`_od_`) and paging (`page_`/`psize_`) keep their parameters and combine with the bar.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field

from flask import current_app, g, request, send_file, url_for
from flask_appbuilder.baseviews import expose
from flask_appbuilder.security.decorators import has_access
from flask_appbuilder.urltools import get_filter_args, get_order_args
from flask_babel import get_locale
from markupsafe import Markup

from app.domain.labels import status_label
from app.i18n import _
from app.models import InvoiceStatus
from app.models.base import utcnow
from app.services import invoice_filter
from app.services.invoice_export import (
    Reader,
    csv_chunks,
    export_file_name,
    start_export,
    write_xlsx,
)
from app.services.invoice_filter import (
    FilterChoices,
    InvoiceFilter,
    filter_choices,
    read_filter,
    search_people,
)
from app.services.invoice_list import COLUMNS, SORTABLE, Order, list_invoices
from app.services.stage_names import stage_glossary
from app.web import context
from app.web.datamodel import LAST_PAGE
from app.web.date_input import reader_today
from app.web.filters import column_filters
from app.web.forms import describe_user
from app.web.local_format import reader_language, reader_time_zone
from app.web.templating import stage_label
from app.web.views.base import choices_answer

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# FAB's column search as rendered while no column filter is on, per language (see kept_search).
_KEPT_SEARCH = "invoiceflow.invoice_search"
NONCE_MARK = "<!--script-nonce-->"
# FAB's own list parameters the filter bar carries along (a new filter starts at page one).
KEPT_PREFIXES = ("_flt_", "_oc_", "_od_", "psize_")


@dataclass(frozen=True)
class FilterBar:
    values: InvoiceFilter
    ignored: list[str]  # why a value in the URL was left out
    choices: FilterChoices
    statuses: list[tuple[str, str]]
    labels: dict
    kept: list[tuple[str, str]]  # FAB's parameters, as hidden fields
    names: list[str]  # the bar's parameter names
    stage_names: dict = field(default_factory=dict)  # the stages' translations (stage_glossary)

    def stage(self, name: str) -> str:
        """A stage to choose, in the reader's language."""
        return stage_label(name, self.stage_names.get(name))

    def person(self, name: str) -> str | None:
        person = self.choices.people.get(getattr(self.values, name))
        return describe_user(person) if person is not None else None


def csv_dialect() -> tuple[str, str]:
    """(delimiter, decimal mark) as the reader's Excel expects them: `;` and a decimal comma
    in Russian, `,` and a decimal point otherwise."""
    locale = get_locale()
    return (";", ",") if locale is not None and locale.language == "ru" else (",", ".")


class InvoiceListScreen:
    """Mixed into InvoiceView (a ModelView) before FAB's classes."""

    list_template = "invoices/list.html"
    list_columns = [key for key, _label in COLUMNS]
    order_columns = list(SORTABLE)

    @expose("/list/")
    @has_access
    def list(self):
        criteria, ignored = read_filter(request.args)
        widgets = self._list(criteria=criteria)
        return self.render_template(
            self.list_template,
            title=self.list_title,
            widgets=widgets,
            bar=self._filter_bar(criteria, ignored),
        )

    def _get_search_widget(self, form=None, exclude_cols=None, widgets=None):
        widgets = super()._get_search_widget(form, exclude_cols, widgets)
        if not self._filters.values:  # no column filter on: the same for every reader
            widgets["search"] = kept_search(widgets["search"])
        return widgets

    def _get_list_widget(
        self,
        filters,
        actions=None,
        order_column="",
        order_direction="",
        page=None,
        page_size=None,
        widgets=None,
        criteria: InvoiceFilter | None = None,
        **kwargs,
    ):
        widgets = widgets or {}
        page = min(max(page or 0, 0), LAST_PAGE)
        limit = current_app.config["LIST_MAX_PAGE_SIZE"]
        page_size = min(max(page_size or self.page_size, 1), limit)
        now = utcnow()
        found = list_invoices(
            context.session(),
            context.actor(),
            criteria or InvoiceFilter(),
            _order(order_column, order_direction),
            reader_today(),
            page,
            page_size,
            narrow=column_filters(filters),
        )
        widgets["list"] = self.list_widget(
            label_columns=self.label_columns,
            include_columns=self.list_columns,
            value_columns=[vars(row) for row in found.rows],
            order_columns=self.order_columns,
            formatters_columns=self.formatters_columns,
            page=page,
            page_size=page_size,
            count=found.count,
            pks=[row.id for row in found.rows],
            actions=actions or self.actions,
            filters=filters,
            modelview_name=self.__class__.__name__,
            now=now,
            export=_export_links(found.count),
            **kwargs,
        )
        return widgets

    def _filter_bar(self, criteria: InvoiceFilter, ignored: list[str]) -> FilterBar:
        choices = filter_choices(context.session(), context.actor(), criteria)
        return FilterBar(
            values=criteria,
            ignored=ignored,
            choices=choices,
            stage_names=stage_glossary(context.session(), choices.stages),
            statuses=[(status.value, str(status_label(status))) for status in InvoiceStatus],
            labels=invoice_filter.LABELS,
            kept=[
                (key, value)
                for key, value in request.args.items(multi=True)
                if key.startswith(KEPT_PREFIXES)
            ],
            names=list(invoice_filter.PARAMETERS),
        )

    @expose("/people-choices")
    @has_access
    def people_choices(self):
        """Matches for the filter bar's person boxes (initiator, approver, holder)."""
        return choices_answer(search_people, describe_user)

    @expose("/export.<any(csv, xlsx):kind>")
    @has_access
    def export(self, kind: str):
        """The list as the filter shows it, every page, as a CSV or XLSX file."""
        criteria, _ignored = read_filter(request.args)  # left out on the screen too
        search = self.datamodel.get_filters(self.search_columns)
        get_filter_args(search)
        column, direction = get_order_args().get(self.__class__.__name__, ("", ""))
        today = reader_today()
        export = start_export(
            context.session(),
            context.actor(),
            criteria,
            _order(column, direction),
            today,
            current_app.config["EXPORT_MAX_ROWS"],
            narrow=column_filters(search),
        )
        # Written whole before the answer starts (the row cap bounds it): the database session
        # and the signed-in user end with the request, not when a client finishes reading.
        reader = Reader(reader_language(), reader_time_zone())
        target = tempfile.TemporaryFile()  # noqa: SIM115 - closed when the answer is sent
        if kind == "csv":
            delimiter, decimal_mark = csv_dialect()
            target.writelines(csv_chunks(export.rows, delimiter, decimal_mark, reader))
            mimetype = "text/csv"
        else:
            write_xlsx(export.rows, export.count, target, str(_("Invoices")), reader)
            mimetype = XLSX_TYPE
        target.seek(0)
        response = send_file(
            target,
            mimetype=mimetype,
            as_attachment=True,
            download_name=export_file_name(today, kind),
        )
        response.headers["Cache-Control"] = "no-store"
        return response


def kept_search(widget):
    """FAB's column search without a filter on, rendered once per language (its labels, filter
    names and empty fields: a tenth of the list page's time) and kept in the app; only the
    script's nonce is this page's."""
    nonce = g.get("csp_nonce")
    if not nonce:
        return widget
    kept = current_app.extensions.setdefault(_KEPT_SEARCH, {})
    key = (str(get_locale()), request.script_root)
    if key not in kept:
        kept[key] = str(widget()).replace(nonce, NONCE_MARK)
    html = kept[key]
    return lambda **_kwargs: Markup(html.replace(NONCE_MARK, nonce))  # noqa: S704 - FAB's HTML


def _order(column: str, direction: str) -> Order:
    if column not in SORTABLE:
        return Order()
    return Order(column, descending=direction == "desc")


def _export_links(count: int) -> dict:
    """Export links carrying the page's filter, sort and search (not its page number)."""
    args = {key: request.args.getlist(key) for key in request.args if not key.startswith("page_")}
    limit = current_app.config["EXPORT_MAX_ROWS"]
    return {
        "csv": url_for("InvoiceView.export", kind="csv", **args),
        "xlsx": url_for("InvoiceView.export", kind="xlsx", **args),
        "allowed": count <= limit,
        "limit": limit,
    }

"""The home page: a dashboard per person (FAB's index view, set by FAB_INDEX_VIEW)."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import current_app, redirect, url_for
from flask_appbuilder import IndexView, expose
from flask_babel import format_decimal

from app.i18n import _
from app.models.base import utcnow
from app.services.dashboard import Dashboard, load_dashboard
from app.services.stage_names import stage_glossary
from app.web import context
from app.web.date_input import reader_today
from app.web.templating import stage_label

# FAB's list filters in a URL: `_flt_<index>_<column>`, the index into the column type's
# filters (text: 3 is "equal to"; date: 2 is "less than").
TEXT_EQUALS = 3
DATE_BEFORE = 2


def invoice_list_url(**filters) -> str:
    """The invoice list filtered on `status`, `stage` (equal) and `due_before` (a date)."""
    query = {}
    for column in ("status", "stage"):
        if column in filters:
            query[f"_flt_{TEXT_EQUALS}_{column}"] = filters[column]
    if "due_before" in filters:
        query[f"_flt_{DATE_BEFORE}_due_date"] = filters["due_before"].isoformat()
    base = url_for("InvoiceView.list")
    return f"{base}?{urlencode(query)}" if query else base


def hours_text(value: float | None) -> str:
    return "—" if value is None else str(_("%(n)s h", n=format_decimal(value, format="0.0")))


def chart_data(dashboard: Dashboard, stage_names: dict) -> dict:
    """What the charts draw (static/js/dashboard-charts.js), labels in the reader's language;
    `stage_names`: the stages' translations (stage_glossary)."""
    stages = dashboard.invoices.by_stage
    times = dashboard.stage_times
    weeks = dashboard.approvals_per_week
    return {
        "by_stage": {
            "labels": [stage_label(stage, stage_names.get(stage)) for stage, _count in stages],
            "links": [invoice_list_url(stage=stage) for stage, _count in stages],
            "series": [{"label": str(_("Invoices")), "data": [n for _s, n in stages]}],
        },
        "stage_times": {
            "labels": [stage_label(row.stage, stage_names.get(row.stage)) for row in times],
            "series": [
                {"label": str(_("Last 30 days")), "data": [row.short_hours for row in times]},
                {"label": str(_("Last 90 days")), "data": [row.long_hours for row in times]},
            ],
            "axis": str(_("hours")),
        },
        "approvals": {
            "labels": [week.week_start.isoformat() for week in weeks],
            "series": [{"label": str(_("Approvals")), "data": [w.approvals for w in weeks]}],
        },
    }


class DashboardView(IndexView):
    index_template = "home/dashboard.html"

    @expose("/")
    def index(self):
        user = context.actor()
        if user is None or not user.is_authenticated:
            return redirect(self.appbuilder.get_url_for_login)
        dashboard = load_dashboard(
            context.session(),
            user,
            utcnow(),
            current_app.config["DASHBOARD_ROWS"],
            today=reader_today(),
        )
        stages = [stage for stage, _count in dashboard.invoices.by_stage]
        names = stage_glossary(context.session(), stages + [t.stage for t in dashboard.stage_times])
        return self.render_template(
            self.index_template,
            dashboard=dashboard,
            charts=chart_data(dashboard, names),
            stage_names=names,
            invoice_list_url=invoice_list_url,
            hours=hours_text,
            title=_("Home"),
        )

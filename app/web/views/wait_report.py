"""Where invoices wait: the heatmap on a process version's diagram (a page and its figures as
JSON) and the cycle-time report (a page and its CSV). Admins, analysts and auditors."""

from __future__ import annotations

from flask import Response, jsonify, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import format_decimal, ngettext

from app.errors import ValidationError
from app.i18n import _
from app.services.cycle_time import cycle_time_report, report_csv
from app.services.process_versions import current_version
from app.services.report_period import Period, read_period
from app.services.wait_heatmap import BANDS, Heatmap, wait_heatmap
from app.web import context
from app.web.context import say
from app.web.date_input import reader_today
from app.web.local_format import reader_language, reader_time_zone
from app.web.views.invoice_list import csv_dialect

HOURS_SHOWN_AS_DAYS = 48


def duration_text(seconds: float | None) -> str:
    """`25 min` below an hour, `5.5 h` below two days, `3.2 d` from there; a dash for none."""
    if seconds is None:
        return "—"
    if seconds < 3600:
        return str(_("%(n)s min", n=format_decimal(seconds / 60, format="0")))
    hours = seconds / 3600
    if hours < HOURS_SHOWN_AS_DAYS:
        return str(_("%(n)s h", n=format_decimal(hours, format="0.0")))
    return str(_("%(n)s d", n=format_decimal(hours / 24, format="0.0")))


def _period(status_on_error: int = 400) -> tuple[Period, int]:
    """The URL's period, or (with the reason said on the page) the default one."""
    today, zone = reader_today(), reader_time_zone()
    try:
        return read_period(request.args, today, zone), 200
    except ValidationError as exc:
        for messages in exc.errors.values():
            for message in messages:
                say(str(message), "danger")
        return read_period({}, today, zone), status_on_error


def heatmap_figures(heatmap: Heatmap) -> dict:
    """What static/js/heatmap.js draws: each task's overlay text, each flow's width band."""
    legend = [
        {
            "band": band,
            "from": duration_text(heatmap.slowest_median_seconds * (band - 1) / BANDS),
            "to": duration_text(heatmap.slowest_median_seconds * band / BANDS),
        }
        for band in range(1, BANDS + 1)
    ]
    return {
        "version": heatmap.version,
        "period": heatmap.period.as_args(),
        "tasks": [
            {
                "id": t.bpmn_id,
                "name": t.name,
                "tasks": t.tasks,
                "invoices": t.invoices,
                "median_hours": _hours(t.median_seconds),
                "p90_hours": _hours(t.p90_seconds),
                "band": t.band,
                "text": str(
                    _(
                        "median %(median)s · p90 %(p90)s",
                        median=duration_text(t.median_seconds),
                        p90=duration_text(t.p90_seconds),
                    )
                ),
                "count_text": ngettext("%(num)d invoice", "%(num)d invoices", t.invoices),
            }
            for t in heatmap.tasks
        ],
        "flows": {
            flow: {"count": count, "band": heatmap.flow_bands[flow]}
            for flow, count in sorted(heatmap.flows.items())
        },
        "legend": legend,
    }


def _hours(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 3600, 2)


class WaitReportView(BaseView):
    route_base = "/reports"
    class_permission_name = "WaitReport"
    method_permission_name = {
        "heatmap": "read",
        "heatmap_json": "read",
        "cycle_time": "read",
        "cycle_time_csv": "read",
    }
    base_permissions = ["can_read"]
    default_view = "cycle_time"

    @expose("/heatmap/<int:version_id>")
    @has_access
    def heatmap(self, version_id):
        period, status = _period()
        heatmap = wait_heatmap(
            context.session(), context.actor(), version_id, period, reader_language()
        )
        html = self.render_template(
            "wait_report/heatmap.html",
            heatmap=heatmap,
            figures_url=url_for(".heatmap_json", version_id=version_id, **period.as_args()),
            diagram_url=url_for("ProcessView.download_version", version_id=version_id),
            bands=range(1, BANDS + 1),
            duration=duration_text,
            title=_("Where invoices wait: version %(n)s", n=heatmap.version),
        )
        return html, status

    @expose("/heatmap/<int:version_id>/figures")
    @has_access
    def heatmap_json(self, version_id):
        try:
            period = read_period(request.args, reader_today(), reader_time_zone())
        except ValidationError as exc:
            errors = {k: [str(m) for m in v] for k, v in exc.errors.items()}
            return jsonify(errors=errors), 400
        heatmap = wait_heatmap(
            context.session(), context.actor(), version_id, period, reader_language()
        )
        return jsonify(heatmap_figures(heatmap))

    @expose("/cycle-time")
    @has_access
    def cycle_time(self):
        period, status = _period()
        report = cycle_time_report(context.session(), context.actor(), period, reader_language())
        html = self.render_template(
            "wait_report/cycle_time.html",
            report=report,
            duration=duration_text,
            csv_url=url_for(".cycle_time_csv", **period.as_args()),
            current_version_id=current_version(context.session()).id,
            title=_("Cycle time"),
        )
        return html, status

    @expose("/cycle-time.csv")
    @has_access
    def cycle_time_csv(self):
        try:
            period = read_period(request.args, reader_today(), reader_time_zone())
        except ValidationError as exc:
            return Response(str(exc), status=400, mimetype="text/plain")
        report = cycle_time_report(context.session(), context.actor(), period, reader_language())
        delimiter, decimal_mark = csv_dialect()
        body = report_csv(report, csv_headings(), delimiter, decimal_mark)
        response = Response(body, mimetype="text/csv")
        name = f"cycle-time-{period.first_day.isoformat()}-{period.last_day.isoformat()}.csv"
        response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
        response.headers["Cache-Control"] = "no-store"
        return response


def csv_headings() -> dict[str, str]:
    return {
        "section": str(_("Section")),
        "label": str(_("Name")),
        "count": str(_("Count")),
        "median_hours": str(_("Median, hours")),
        "p90_hours": str(_("90th percentile, hours")),
        "month": str(_("Month")),
        "stage": str(_("Stage")),
        "approver": str(_("Approver")),
        "slowest": str(_("Slowest invoice")),
    }

"""Date fields typed the reader's way, with the calendar in their language.

The box is plain text that the service reads (app/domain/dates.py), so a wrong date gets a
message next to the other fields' messages. The calendar is FAB's bootstrap-datepicker, set up
by static/js/local-dates.js from the settings below: names of months and days and the first day
of the week come from Babel, so each language the app offers gets its calendar without a locale
file. It is told never to rewrite what was typed (it would read 30.11.2026 as year 30).
"""

from __future__ import annotations

import json
from datetime import date

from babel import Locale
from markupsafe import Markup
from wtforms import Field
from wtforms.widgets import html_params

from app.domain.dates import date_pattern
from app.domain.time_zones import in_zone
from app.i18n import _
from app.models.base import utcnow
from app.web.local_format import local_date, reader_language, reader_time_zone

HINTS = {"dd.MM.yyyy": _("DD.MM.YYYY"), "yyyy-MM-dd": _("YYYY-MM-DD")}
# Babel counts weekdays from Monday; the datepicker from Sunday.
SUNDAY_FIRST = (6, 0, 1, 2, 3, 4, 5)


def reader_today() -> date:
    """Today on the reader's calendar: in Asia/Kamchatka at 23:30 UTC it is already tomorrow.
    Default dates and "not in the future" limits use it, never the server's date."""
    return in_zone(utcnow(), reader_time_zone()).date()


def calendar_settings(language: str) -> dict:
    """What the datepicker needs for `language`."""
    locale = Locale.parse(language)
    days = locale.days["stand-alone"]
    months = locale.months["stand-alone"]
    return {
        "language": language,
        "format": date_pattern(language).replace("MM", "mm"),
        "weekStart": (locale.first_week_day + 1) % 7,
        "names": {
            "days": [_capital(days["wide"][d]) for d in SUNDAY_FIRST],
            "daysShort": [_capital(days["abbreviated"][d]) for d in SUNDAY_FIRST],
            "daysMin": [_capital(days["short"][d]) for d in SUNDAY_FIRST],
            "months": [_capital(months["wide"][m]) for m in range(1, 13)],
            "monthsShort": [_capital(months["abbreviated"][m]) for m in range(1, 13)],
            "today": str(_("Today")),
            "clear": str(_("Clear")),
        },
    }


def _capital(name: str) -> str:
    return name[:1].upper() + name[1:]


def date_input(name: str, value, element_id: str | None = None, **attributes) -> Markup:
    """A date box with its calendar; `value` a date (shown the reader's way) or typed text."""
    language = reader_language()
    shown = local_date(value) if isinstance(value, date) else (value or "")
    params = html_params(
        id=element_id or name,
        name=name,
        value=shown,
        type="text",
        class_="form-control local-date",
        autocomplete="off",
        placeholder=str(HINTS.get(date_pattern(language), "")),
        data_calendar=json.dumps(calendar_settings(language), ensure_ascii=False),
        **attributes,
    )
    safe_params = Markup(params)  # noqa: S704 - html_params escaped every value
    return Markup(
        '<div class="input-group"><span class="input-group-addon">'
        '<i class="fa fa-calendar"></i></span><input {}></div>'
    ).format(safe_params)


class DateInputWidget:
    def __call__(self, field, **kwargs):
        kwargs.pop("class_", None)  # the box has its own classes
        if field.flags.required:
            kwargs.setdefault("aria_required", "true")
        return date_input(field.name, field.data, field.id, **kwargs)


class LocalDateField(Field):
    """A date typed the reader's way. The text goes to the service, which reads it and says
    what is wrong with it, with the form's other messages."""

    widget = DateInputWidget()

    def process_formdata(self, valuelist):
        self.data = valuelist[0].strip() if valuelist and valuelist[0] else None

    def _value(self):
        return local_date(self.data) if isinstance(self.data, date) else (self.data or "")

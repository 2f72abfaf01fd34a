"""Dates as people type and read them.

Typed dates are understood the same way in every language, so no form can silently read a date
other than the one meant: ISO `2026-11-30`; day first with dots `30.11.2026` (the way Russian and
most of Europe write it); with slashes only when one reading is possible (`30/11/2026`,
`11/30/2026`): `01/02/2026` is 1 February in London and January 2 in New York, so it is refused.
"""

from __future__ import annotations

from datetime import date

from babel.dates import format_date

from app.i18n import _, current_language

# Invoices and payments of this century only: a year like 0202 or 20240 is a typing slip.
FIRST_YEAR, LAST_YEAR = 2000, 2100
# How each language writes a date, shown and typed (Babel/CLDR patterns). Numeric in every
# language so what a page shows can be typed back; English keeps ISO (no month-day order to
# guess for readers on either side of the Atlantic).
DATE_PATTERNS = {"ru": "dd.MM.yyyy"}
DEFAULT_DATE_PATTERN = "yyyy-MM-dd"


class DateError(ValueError):
    pass


def date_pattern(language: str | None) -> str:
    return DATE_PATTERNS.get(language or "", DEFAULT_DATE_PATTERN)


def show_date(value: date | None, language: str | None) -> str:
    """`30.11.2026` in Russian, `2026-11-30` in English; empty for no date."""
    if value is None:
        return ""
    return format_date(value, date_pattern(language), locale=language or "en")


class ReaderDate:
    """A date put into a message: written the reader's way when the message is shown."""

    def __init__(self, value: date):
        self.value = value

    def __str__(self) -> str:
        return show_date(self.value, current_language())


def parse_date(raw: object) -> date | None:
    """ISO, day-first dotted or unambiguous slashed dates (or `date` objects) from 2000 to 2100;
    None for empty input; DateError with a message otherwise."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    value = raw if isinstance(raw, date) else _read_date(raw)
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise DateError(
            _("Use a date from %(first)s to %(last)s.", first=FIRST_YEAR, last=LAST_YEAR)
        )
    return value


def _read_date(raw: object) -> date:
    if not isinstance(raw, str):
        raise DateError(_("Enter a date as YYYY-MM-DD."))
    text = raw.strip()
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    for separator, read in ((".", _day_first), ("/", _either_order)):
        parts = text.split(separator)
        if len(parts) == 3 and all(p.isdigit() for p in parts):
            if len(parts[2]) != 4:
                raise DateError(_("Write the year with four digits: %(value)s.", value=text[:40]))
            return read(text, *(int(p) for p in parts))
    raise _not_a_date(text)


def _day_first(text: str, day: int, month: int, year: int) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise _not_a_date(text) from None


def _either_order(text: str, first: int, second: int, year: int) -> date:
    readings = set()
    for day, month in ((first, second), (second, first)):
        try:
            readings.add(date(year, month, day))
        except ValueError:
            continue
    if len(readings) == 1:
        return readings.pop()
    if not readings:
        raise _not_a_date(text)
    raise DateError(
        _(
            "%(value)s could be read two ways: write it as DD.MM.YYYY or YYYY-MM-DD.",
            value=text[:40],
        )
    )


def _not_a_date(text: str) -> DateError:
    return DateError(
        _("%(value)s is not a valid date: write it as DD.MM.YYYY or YYYY-MM-DD.", value=text[:40])
    )

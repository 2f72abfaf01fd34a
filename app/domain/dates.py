from __future__ import annotations

from datetime import date

from app.i18n import _

# Invoices and payments of this century only: a year like 0202 or 20240 is a typing slip.
FIRST_YEAR, LAST_YEAR = 2000, 2100


class DateError(ValueError):
    pass


def parse_date(raw: object) -> date | None:
    """ISO dates (`2024-02-28`) or `date` objects from 2000 to 2100; None for empty input."""
    if raw is None or raw == "":
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
    for separator in (".", "/"):
        parts = text.split(separator)
        if len(parts) == 3 and all(p.isdigit() for p in parts) and len(parts[2]) == 4:
            try:
                return date(int(parts[2]), int(parts[1]), int(parts[0]))
            except ValueError:
                break
    raise DateError(_("%(value)s is not a valid date (use YYYY-MM-DD).", value=text[:40]))

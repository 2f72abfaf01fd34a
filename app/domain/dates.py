from __future__ import annotations

from datetime import date

from app.i18n import _


class DateError(ValueError):
    pass


def parse_date(raw: object) -> date | None:
    """ISO dates (`2024-02-28`) or `date` objects; None for empty input."""
    if raw is None or raw == "":
        return None
    if isinstance(raw, date):
        return raw
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

"""Times, dates, numbers and file sizes the way the reader reads them: in their language (Babel)
and their time zone (their profile, else DEFAULT_TIME_ZONE). Pages and e-mails use these alone.

`01.12.2026 15:04 MSK` in Russian, `2026-12-01 21:04 JST` in English: numeric dates (what is
shown can be typed back), a 24-hour clock, and the zone named on every time.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date, datetime

from babel.dates import format_datetime
from babel.numbers import format_decimal
from babel.units import format_unit
from flask import current_app, g, has_request_context, session
from flask_babel import get_locale
from flask_login import user_logged_in

from app.domain.dates import date_pattern, show_date
from app.domain.time_zones import abbreviation, in_zone, known_time_zones
from app.extensions import db
from app.services.choose_time_zone import time_zone_of

# Babel's units, 1024 apart (what operating systems show for a file's size).
SIZE_UNITS = ("digital-byte", "digital-kilobyte", "digital-megabyte", "digital-gigabyte")
SIZE_STEP = 1024
SESSION_KEY = "time_zone"


def reader_language() -> str:
    locale = get_locale()
    return locale.language if locale else current_app.config["BABEL_DEFAULT_LOCALE"]


def reader_time_zone() -> str:
    """The signed-in reader's zone (or the one a mail is written in)."""
    if "reader_time_zone" not in g:
        default = current_app.config["DEFAULT_TIME_ZONE"]
        chosen = _signed_in_readers_zone() or default
        # A zone the time zone database has since dropped: the default rather than an error.
        g.reader_time_zone = chosen if chosen in known_time_zones() else default
    return g.reader_time_zone


def _signed_in_readers_zone() -> str | None:
    """Kept in the session with the user's id, like the language: a page costs no query."""
    user = getattr(g, "user", None)
    if not (has_request_context() and getattr(user, "is_authenticated", False)):
        return None
    kept = session.get(SESSION_KEY)
    if not (isinstance(kept, list) and len(kept) == 2 and kept[0] == user.id):
        kept = remember_time_zone(user.id)
    return kept[1]


def remember_time_zone(user_id: int, zone: str | None = None) -> list:
    """Keep the user's zone (their choice, or read now) in their session."""
    if zone is None:
        zone = time_zone_of(db.session, user_id, current_app.config["DEFAULT_TIME_ZONE"])
    session[SESSION_KEY] = [user_id, zone]
    return session[SESSION_KEY]


def register(app) -> None:
    # Signing in reads the zone once; a user who signs in after another on the same browser
    # gets their own.
    user_logged_in.connect(lambda _app, user, **_extra: remember_time_zone(user.id), app)


@contextmanager
def reading_in(time_zone: str):
    """Times rendered inside are shown in `time_zone`: an e-mail is read in its recipient's."""
    previous = g.pop("reader_time_zone", None)
    g.reader_time_zone = time_zone
    try:
        yield
    finally:
        g.pop("reader_time_zone", None)
        if previous is not None:
            g.reader_time_zone = previous


def local_time(moment: datetime | None, seconds: bool = False) -> str:
    """A stored time (UTC) on the reader's clock, with the zone: `01.12.2026 15:04 MSK`."""
    if moment is None:
        return ""
    local = in_zone(moment, reader_time_zone())
    language = reader_language()
    clock = "HH:mm:ss" if seconds else "HH:mm"
    text = format_datetime(local, f"{date_pattern(language)} {clock}", locale=language)
    return f"{text} {abbreviation(local)}"


def local_date(value: date | datetime | str | None) -> str:
    """A date the reader's way: `30.11.2026` in Russian, `2026-11-30` in English. A stored time
    gives the date it is in the reader's zone; an ISO text (audit details) is read first."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, datetime):
        value = in_zone(value, reader_time_zone()).date()
    return show_date(value, reader_language())


def local_number(value, places: int | None = None) -> str:
    """`12 345,5` in Russian, `12,345.5` in English."""
    if value is None:
        return ""
    pattern = None
    if places is not None:
        pattern = f"#,##0.{'0' * places}" if places else "#,##0"
    return format_decimal(value, format=pattern, locale=reader_language())


def file_size(size: int | None) -> str:
    """`12 B`, `1.5 kB`, `3.2 MB` in English; `1,5 кБ` in Russian."""
    if size is None:
        return ""
    value, unit = float(size), 0
    while value >= SIZE_STEP and unit < len(SIZE_UNITS) - 1:
        value, unit = value / SIZE_STEP, unit + 1
    pattern = "#,##0" if unit == 0 else "#,##0.#"
    return format_unit(
        value, SIZE_UNITS[unit], length="short", format=pattern, locale=reader_language()
    )

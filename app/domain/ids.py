"""Ids that come from outside (URLs, forms, JSON): a row number the database can hold."""

from __future__ import annotations

import re

# The id columns are 32-bit integers on PostgreSQL; a larger number names no row.
MAX_ID = 2**31 - 1
_DIGITS = re.compile(r"[0-9]{1,12}")


def parse_id(value: object) -> int | None:
    """The id, or None for anything that cannot name a row (text, 0, negative, too large)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and _DIGITS.fullmatch(value.strip()):
        number = int(value.strip())
    else:
        return None
    return number if 1 <= number <= MAX_ID else None

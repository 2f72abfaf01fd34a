"""Amounts as people type them: `1234.56`, `1 234,56`, `1234,56`."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from app.i18n import _

MAX_AMOUNT = Decimal("9999999999999.99")
_SPACES = re.compile(r"[ \u00a0\u202f\u2009]")
_GROUPED = re.compile(r"^\d{1,3}(?: \d{3})+(?:[.,]\d+)?$")
_PLAIN = re.compile(r"^\d+(?:[.,]\d+)?$")


class AmountError(ValueError):
    pass


def parse_amount(raw: object, *, allow_zero: bool = False) -> Decimal:
    """Return a Decimal with two places or raise AmountError with a message for the user."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        raise AmountError(_("Enter an amount."))
    if isinstance(raw, bool) or not isinstance(raw, str | int | float | Decimal):
        raise AmountError(_("Enter an amount like 1234.56 or 1 234,56."))
    value = _to_decimal(raw)
    if value.as_tuple().exponent < -2:
        raise AmountError(_("Use at most two decimal places."))
    if value < 0 or (value == 0 and not allow_zero):
        raise AmountError(_("The amount must be greater than zero."))
    if value > MAX_AMOUNT:
        raise AmountError(_("The amount may not exceed 9 999 999 999 999.99."))
    return value.quantize(Decimal("0.01"))


def _to_decimal(raw: str | int | float | Decimal) -> Decimal:
    if isinstance(raw, float):
        raw = repr(raw)
    text = str(raw).strip()
    negative = text.startswith("-")
    text = text.lstrip("-").strip()
    normalised = _SPACES.sub(" ", text)
    if not (_GROUPED.match(normalised) or _PLAIN.match(normalised)):
        raise AmountError(_("Enter an amount like 1234.56 or 1 234,56."))
    digits = normalised.replace(" ", "").replace(",", ".")
    try:
        value = Decimal(digits)
    except InvalidOperation as exc:  # pragma: no cover - the patterns above admit only digits
        raise AmountError(_("Enter an amount like 1234.56 or 1 234,56.")) from exc
    return -value if negative else value


def format_amount(value: Decimal | None, decimal_mark: str = ".") -> str:
    """Thousands grouped with no-break spaces: `1 234.56` (`1 234,56` with a comma mark)."""
    if value is None:
        return ""
    whole, _dot, cents = f"{value:.2f}".partition(".")
    groups = f"{int(whole):,}".replace(",", "\u00a0")
    return f"{groups}{decimal_mark}{cents}"

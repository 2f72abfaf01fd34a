"""Amounts as people type them (`1234.56`, `1 234,56`, `1234,56`), in a currency's minor units."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from iso4217 import Currency

from app.i18n import _

# The amount columns keep three decimal places (KWD, BHD, ...): currencies with more (CLF, UYW:
# indexed units of account, paid in CLP and UYU) cannot be stored exactly, so they are refused.
STORED_PLACES = 3
AMOUNT_LIMIT = Decimal(10) ** 13  # amounts stay below ten trillion in any currency
_SPACES = re.compile(r"[ \u00a0\u202f\u2009]")
_GROUPED = re.compile(r"^\d{1,3}(?: \d{3})+(?:[.,]\d+)?$")
_PLAIN = re.compile(r"^\d+(?:[.,]\d+)?$")


class AmountError(ValueError):
    pass


class CurrencyError(ValueError):
    pass


def minor_units(code: object) -> int:
    """Decimal places ISO 4217 gives a currency an invoice can be paid in; CurrencyError otherwise.

    ISO gives no minor unit ("N.A.") to XXX, the testing code XTS, the precious metals (XAU, XAG,
    XPT, XPD) and the units of account (XDR, XSU, XUA, XB*): none is money an invoice is paid in.
    """
    text = code.strip().upper() if isinstance(code, str) else ""
    try:
        places = Currency(text).exponent
    except ValueError:
        raise CurrencyError(_("Use a three-letter ISO 4217 currency code, e.g. RUB.")) from None
    if places is None or places > STORED_PLACES:
        raise CurrencyError(_("%(code)s is not a currency an invoice can be paid in.", code=text))
    return places


def parse_amount(raw: object, currency: str | None, *, allow_zero: bool = False) -> Decimal:
    """The amount in the currency's minor units, or AmountError with a message for the user.

    With no (valid) currency only the form of the amount is checked; the currency has its own
    message.
    """
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        raise AmountError(_("Enter an amount."))
    if isinstance(raw, bool) or not isinstance(raw, str | int | float | Decimal):
        raise AmountError(_("Enter an amount like 1234.56 or 1 234,56."))
    value = _to_decimal(raw)
    places = STORED_PLACES if currency is None else minor_units(currency)
    if value.as_tuple().exponent < -places:
        raise AmountError(_too_many_places(currency, places))
    if value < 0 or (value == 0 and not allow_zero):
        raise AmountError(_("The amount must be greater than zero."))
    largest = AMOUNT_LIMIT - Decimal(1).scaleb(-places)
    if value > largest:
        limit = format_amount(largest, ".", currency)
        raise AmountError(_("The amount may not exceed %(limit)s.", limit=limit))
    return value.quantize(Decimal(1).scaleb(-places))


def _too_many_places(currency: str | None, places: int):
    if places == 0:
        return _("%(currency)s has no minor units: write a whole number.", currency=currency)
    return _("%(currency)s amounts have at most %(n)s decimal places.", currency=currency, n=places)


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


def format_amount(
    value: Decimal | None, decimal_mark: str = ".", currency: str | None = None
) -> str:
    """Thousands grouped with no-break spaces, in the currency's decimals: `1 234.56`, `1 000`.

    Without a known currency: two places, more only when the amount has them (`1.234`).
    """
    if value is None:
        return ""
    value = value if isinstance(value, Decimal) else Decimal(str(value))
    places = _display_places(value, currency)
    whole, _dot, fraction = f"{value:.{places}f}".partition(".")
    groups = f"{int(whole):,}".replace(",", "\u00a0")
    return f"{groups}{decimal_mark}{fraction}" if fraction else groups


def plain_amount(value: Decimal | str | None, currency: str | None) -> str | None:
    """The amount as a machine reads it, in the currency's decimals: `1000000` (JPY),
    `1234.567` (KWD), `1234.50` (RUB)."""
    if value is None:
        return None
    value = value if isinstance(value, Decimal) else Decimal(str(value))
    return f"{value:.{_display_places(value, currency)}f}"


def _display_places(value: Decimal, currency: str | None) -> int:
    if currency is not None:
        try:
            return minor_units(currency)
        except CurrencyError:
            pass
    exponent = value.normalize().as_tuple().exponent
    return max(2, -exponent) if isinstance(exponent, int) else 2

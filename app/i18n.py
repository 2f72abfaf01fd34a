"""Translatable text for every layer: evaluated in the reader's language when rendered.

Flask-Babel's lazy strings claim to be safe HTML (`__html__`), so a message carrying user input
(a file name, a counterparty) would reach pages unescaped. These do not: templates escape them.
"""

from babel.numbers import get_decimal_symbol
from flask_babel import get_locale, gettext
from flask_babel.speaklater import LazyString


class LazyText(LazyString):
    def __getattribute__(self, name):
        if name == "__html__":
            raise AttributeError(name)
        return super().__getattribute__(name)


def _(string: str, **variables) -> LazyText:
    return LazyText(gettext, string, **variables)


__all__ = ["_"]


def current_language() -> str | None:
    """The reader's language (`ru`), or None outside a request or a forced locale."""
    locale = get_locale()
    return locale.language if locale else None


def localized_amount(value, currency: str | None = None) -> str:
    """Amounts as the reader writes them, in the currency's decimals: a decimal comma in Russian."""
    from app.domain.money import format_amount  # noqa: PLC0415 - money's messages use this module

    locale = get_locale()
    # The decimal mark is the locale's (Babel); thousands stay grouped with no-break spaces,
    # which read the same in every language and which the amount fields read back.
    return format_amount(value, get_decimal_symbol(locale) if locale else ".", currency)

"""Translatable text for every layer: evaluated in the reader's language when rendered.

Flask-Babel's lazy strings claim to be safe HTML (`__html__`), so a message carrying user input
(a file name, a counterparty) would reach pages unescaped. These do not: templates escape them.
"""

from babel import support
from babel.numbers import get_decimal_symbol
from flask_babel import Domain, get_babel, get_locale, gettext
from flask_babel import _get_current_context as babel_context
from flask_babel.speaklater import LazyString


class LazyText(LazyString):
    def __getattribute__(self, name):
        if name == "__html__":
            raise AttributeError(name)
        return super().__getattribute__(name)


def _(string: str, **variables) -> LazyText:
    return LazyText(gettext, string, **variables)


__all__ = ["_"]


class KeptTranslations(Domain):
    """Flask-Babel's domain, with the catalogue found once per request (or app context) and
    locale, not for every text: its own lookup (the locale's name built, the catalogue cache
    searched) cost about 13 microseconds a text, a card page shows some 150 of them. A locale
    forced (force_locale: mails, mail links) is another Locale object, so it finds its own."""

    def get_translations(self):
        context = babel_context()
        if context is None:
            return support.NullTranslations()
        locale = getattr(context, "babel_locale", None) or get_locale()
        kept = getattr(context, "kept_translations", None)
        if kept is not None and kept[0] is locale:
            return kept[1]
        translations = super().get_translations()
        context.kept_translations = (locale, translations)
        return translations


def keep_translations(app) -> None:
    """Templates, gettext() and lazy texts all look the catalogue up through this domain."""
    babel = get_babel(app).instance
    babel.domain_instance = KeptTranslations(domain=babel.domain)
    app.jinja_env.install_gettext_callables(
        gettext=lambda text: babel.domain_instance.get_translations().ugettext(text),
        ngettext=lambda s, p, n: babel.domain_instance.get_translations().ungettext(s, p, n),
        newstyle=True,
    )


def portable(text) -> dict | str:
    """A message as data that can be kept (JSON) and read later in any reader's language:
    {"msgid", "params"} for translatable text (nested ones too), plain text as it is."""
    if not isinstance(text, LazyString) or text._func is not gettext:
        return str(text)
    params = {name: portable(value) for name, value in text._kwargs.items()}
    return {"msgid": text._args[0], "params": params}


def from_portable(data) -> str:
    """portable()'s message in the current language."""
    if not isinstance(data, dict) or not isinstance(data.get("msgid"), str):
        return "" if data is None else str(data)
    params = data.get("params") if isinstance(data.get("params"), dict) else {}
    try:
        return gettext(data["msgid"], **{k: from_portable(v) for k, v in params.items()})
    except (KeyError, TypeError, ValueError):  # a catalogue entry that lost a placeholder
        return data["msgid"]


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

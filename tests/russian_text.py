"""What a Russian reader must not meet: English words. Shared by the HTTP walk
(tests/web/test_russian_pages.py) and the browser walk (tests/e2e/test_russian_everywhere.py).

A page passes when every Latin word on it is a brand, a code, an address, a person's login or
name, or data the test typed itself.
"""

from __future__ import annotations

import re
from datetime import datetime
from functools import cache
from html.parser import HTMLParser
from zoneinfo import ZoneInfo, available_timezones

# Brands, formats and codes a Russian finance team reads as they are.
ALLOWED = frozenset(
    {
        "InvoiceFlow",
        "BPMN",
        "PDF",
        "IBAN",
        "BIC",
        "SWIFT",
        "CSV",
        "XLSX",
        "Excel",
        "DMN",
        "XML",
        "SVG",
        "PNG",
        "API",
        "JSON",
        "UTC",
        "TOTP",
        "QR",
        "ID",
        "Google",
        "Authenticator",
        "FreeOTP",
        "Aegis",
        "bpmn-js",
        "bpmnlint",
        "Chart",
        "Camunda",
        "Office",  # Microsoft Office documents
        "Zeebe",
        "LDAP",
        "OpenID",
        "Message-ID",
        # ISO 4217 codes and ISO country codes the seeded data uses.
        "RUB",
        "USD",
        "EUR",
        "CNY",
        "GBP",
        "KZT",
        "BYN",
        "CHF",
        "JPY",
        "DE",
        "RU",
        "US",
        "GB",
        "CN",
        "KZ",
        "BY",
        # The languages' own names in the switch (English shows as "English").
        "English",
        "en",
        "ru",
    }
)

# Addresses, Message-IDs, file names and {placeholders}: written as the machine wants them.
ADDRESS = re.compile(
    r"[\w.+-]+@[\w.-]+|\bhttps?://\S+|[\w/-]*\.(?:bpmn|dmn|eml|pdf|png|csv|xlsx)\b|\{\w+\}"
)
# Europe/Moscow, US/Alaska: zones as the time zone database names them.
TIME_ZONE = re.compile(r"\b[A-Z][A-Za-z]+(?:/[A-Z][A-Za-z0-9_+-]+)+")
# A digest or id shown in hex (an audit hash, "3dd9a1…"): not a word, though it may hold one.
HEX_RUN = re.compile(r"\b(?=[0-9a-f]*\d)[0-9a-f]{6,}")
LATIN_WORD = re.compile(r"[A-Za-z][\w'’-]*[\w]")


def latin_words(text: str, known: set[str] | frozenset[str] = frozenset()) -> list[str]:
    """The English-looking words of `text`, but for the allowlist and `known` (logins, names and
    values the test itself typed)."""
    text = HEX_RUN.sub(" ", TIME_ZONE.sub(" ", ADDRESS.sub(" ", text)))
    allowed = ALLOWED | set(known)
    found = []
    for word in LATIN_WORD.findall(text):
        if len(word) < 2 or word in allowed or _is_code(word):
            continue
        found.append(word)
    return found


@cache
def zone_abbreviations() -> frozenset[str]:
    """MSK, CET, JST: how the time zone database names zones, shown next to every time."""
    now = datetime(2026, 1, 15)
    summer = datetime(2026, 7, 15)
    return frozenset(
        moment.replace(tzinfo=ZoneInfo(zone)).tzname() or ""
        for zone in available_timezones()
        for moment in (now, summer)
    )


def _is_code(word: str) -> bool:
    """Identifiers the app, the framework or the diagram wrote: `Activity_1x2`, `can_read`,
    `DE000000001`, a permission's `InvoiceFlowUserView`."""
    inner_capital = any(c.isupper() for c in word[1:]) and not word.isupper()
    coded = any(c.isdigit() for c in word) or "_" in word or inner_capital
    return coded or word in zone_abbreviations()


class _VisibleText(HTMLParser):
    """Text outside tags (but scripts and styles) plus the title, placeholder, alt, aria-label
    and button value attributes: what a reader sees or hears."""

    HIDDEN = {"script", "style", "template", "noscript"}
    SHOWN_ATTRIBUTES = ("title", "placeholder", "alt", "aria-label", "data-placeholder")

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.HIDDEN:
            self._hidden += 1
        values = dict(attrs)
        self.parts.extend(values[a] or "" for a in self.SHOWN_ATTRIBUTES if a in values)
        if tag == "input" and values.get("type") in ("submit", "button", "reset"):
            self.parts.append(values.get("value") or "")

    def handle_endtag(self, tag):
        if tag in self.HIDDEN and self._hidden:
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _VisibleText()
    parser.feed(html)
    return "\n".join(parser.parts)

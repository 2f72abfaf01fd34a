"""URL converters: a number in a path that no row can have is a plain 404."""

from __future__ import annotations

from werkzeug.routing import IntegerConverter

from app.domain.ids import MAX_ID


def digits_up_to(limit: int) -> str:
    """A regular expression for the numbers 0..limit (leading zeros allowed)."""
    text = str(limit)
    shorter = [f"[0-9]{{1,{len(text) - 1}}}"] if len(text) > 1 else []
    lower = [
        f"{text[:i]}[0-{int(d) - 1}][0-9]{{{len(text) - i - 1}}}"
        for i, d in enumerate(text)
        if d != "0"
    ]
    return f"(?:{'|'.join([*shorter, *lower, text])})"


class RowIdConverter(IntegerConverter):
    """`<int:pk>` with the database's range: /invoices/show/10**30 is 404, not an overflow.

    The range is in the pattern too: a number past it matches no rule, so another method's rule
    on the same path cannot turn the 404 into a 405.
    """

    def __init__(self, url_map, fixed_digits=0, min=None, max=None, signed=False):  # noqa: A002
        super().__init__(url_map, fixed_digits, min, MAX_ID if max is None else max, signed)
        if not fixed_digits and not signed:
            self.regex = digits_up_to(self.max)


def register(app) -> None:
    """Before any view is added: rules bind their converters when they are added."""
    app.url_map.converters["int"] = RowIdConverter

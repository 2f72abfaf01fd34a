"""URL converters: a number in a path that no row can have is a plain 404."""

from __future__ import annotations

from werkzeug.routing import IntegerConverter

from app.domain.ids import MAX_ID


class RowIdConverter(IntegerConverter):
    """`<int:pk>` with the database's range: /invoices/show/10**30 is 404, not an overflow."""

    def __init__(self, url_map, fixed_digits=0, min=None, max=None, signed=False):  # noqa: A002
        super().__init__(url_map, fixed_digits, min, MAX_ID if max is None else max, signed)


def register(app) -> None:
    """Before any view is added: rules bind their converters when they are added."""
    app.url_map.converters["int"] = RowIdConverter

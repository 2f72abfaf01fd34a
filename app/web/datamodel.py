"""FAB's SQLAlchemy interface: lean list queries and NUMERIC-typed searches."""

from __future__ import annotations

from flask import current_app
from flask_appbuilder.models.sqla.interface import SQLAInterface
from sqlalchemy.orm import lazyload

from app.domain.ids import parse_id
from app.web.filters import visibility_apart

# Far past any real list's end, and its OFFSET still fits the databases' BIGINT.
LAST_PAGE = 10**9


class RowIdInterface(SQLAInterface):
    """FAB's interface, where a key no row can have (text, 10**30) finds nothing: a 404, not an
    overflow in the database driver; and where a page is one that the database can fetch."""

    def get(self, id, *args, **kwargs):  # noqa: A002 - FAB's signature
        if parse_id(id) is None:
            return None
        return super().get(id, *args, **kwargs)

    def apply_pagination(self, query, page, page_size):
        # Screens and APIs pass the page numbers users send: 10**20 or -1 would reach the driver.
        if page is not None:
            page = min(max(page, 0), LAST_PAGE)
        if page_size is not None:
            page_size = min(max(page_size, 1), current_app.config["LIST_MAX_PAGE_SIZE"])
        return super().apply_pagination(query, page, page_size)


class InvoiceFlowInterface(RowIdInterface):
    """Lists load the rows' own columns: a model's eager relationships are for its card.

    Invoice.counterparty / .initiator are joined and .approvers select-in loaded; without this
    every list page JOINs counterparty and ab_user and runs a SELECT that no list column uses.
    """

    def is_float(self, col_name: str) -> bool:
        # FAB types filter values for Float columns only; a NUMERIC amount compared with the
        # raw text fails on PostgreSQL. The Money column type keeps the comparison NUMERIC.
        return super().is_float(col_name) or self.is_numeric(col_name)

    def query_count(self, query, filters=None, select_columns=None) -> int:
        apart = visibility_apart(filters)
        if apart is None:
            return super().query_count(query, filters, select_columns)
        parts, rest = apart
        if not rest.filters:
            return self.session.scalar(parts.count_all) or 0
        return sum(
            super(InvoiceFlowInterface, self).query_count(query.filter(part), rest, select_columns)
            for part in (parts.own, parts.others)
        )

    def query(
        self,
        filters=None,
        order_column="",
        order_direction="",
        page=None,
        page_size=None,
        select_columns=None,
        outer_default_load=False,
    ):
        # A dotted API column (initiator.id) gets FAB's contains_eager: leave that one alone.
        dotted = {column.split(".")[0] for column in select_columns or [] if "." in column}
        lazy = [
            lazyload(getattr(self.obj, rel.key))
            for rel in self.obj.__mapper__.relationships
            if rel.key not in dotted and rel.lazy in ("joined", "selectin")
        ]
        query = self.session.query(self.obj).options(*lazy)
        count = self.query_count(query, filters, select_columns)
        query = self.apply_all(
            query,
            filters,
            order_column,
            order_direction,
            page,
            page_size,
            select_columns,
            outer_default_load,
        )
        items = query.all()
        return count, [getattr(item, self.obj.__name__, item) for item in items]

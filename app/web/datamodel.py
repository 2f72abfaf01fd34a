"""FAB's SQLAlchemy interface, with search values typed for NUMERIC columns too."""

from flask_appbuilder.models.sqla.interface import SQLAInterface


class InvoiceFlowInterface(SQLAInterface):
    def is_float(self, col_name: str) -> bool:
        # FAB converts filter values for Float columns only; a NUMERIC amount compared with
        # the raw text fails on PostgreSQL ("numeric > character varying").
        return super().is_float(col_name) or self.is_numeric(col_name)

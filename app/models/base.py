from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import Numeric
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    """Naive UTC timestamps: the same on SQLite and PostgreSQL."""
    return datetime.now(UTC).replace(tzinfo=None)


_CENT = Decimal("0.01")


class Money(TypeDecorator):
    """NUMERIC(18, 3) that compares as NUMERIC whatever Python value it is compared with.

    Three places hold the currencies with three minor units (KWD); amounts read back with two
    places unless they have a third, as they did when the column had two. FAB's search hands
    floats; compared as double precision, PostgreSQL could not use the index.
    """

    impl = Numeric(18, 3)
    cache_ok = True
    # The API schema takes its decimal places from `scale`: without one it prints the amount as
    # the service quantized it (1000 JPY, 1.234 KWD) or as read back, not always with three.
    scale = None

    def coerce_compared_value(self, op, value):
        return self

    def process_bind_param(self, value, dialect):
        if value is None or isinstance(value, Decimal):
            return value
        return Decimal(str(value))

    def process_result_value(self, value, dialect):
        if value is None or value != value.quantize(_CENT):
            return value
        return value.quantize(_CENT)


def schema_objects_for(dialect_name: str):
    """Alembic `include_object` hook: leave out objects declared for another database only."""

    def include(obj, name, type_, reflected, compare_to):
        condition = getattr(obj, "_ddl_if", None)
        return condition is None or condition.dialect in (None, dialect_name)

    return include

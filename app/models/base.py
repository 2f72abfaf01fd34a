from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import Numeric
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    """Naive UTC timestamps: the same on SQLite and PostgreSQL."""
    return datetime.now(UTC).replace(tzinfo=None)


class Money(TypeDecorator):
    """NUMERIC(18, 2) that compares as NUMERIC whatever Python value it is compared with.

    FAB's search hands floats; compared as double precision, PostgreSQL could not use the index.
    """

    impl = Numeric(18, 2)
    cache_ok = True

    def coerce_compared_value(self, op, value):
        return self

    def process_bind_param(self, value, dialect):
        if value is None or isinstance(value, Decimal):
            return value
        return Decimal(str(value))


def schema_objects_for(dialect_name: str):
    """Alembic `include_object` hook: leave out objects declared for another database only."""

    def include(obj, name, type_, reflected, compare_to):
        condition = getattr(obj, "_ddl_if", None)
        return condition is None or condition.dialect in (None, dialect_name)

    return include

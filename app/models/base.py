from datetime import UTC, datetime


def utcnow() -> datetime:
    """Naive UTC timestamps: the same on SQLite and PostgreSQL."""
    return datetime.now(UTC).replace(tzinfo=None)

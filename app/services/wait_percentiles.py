"""Median and 90th percentile of durations per group, computed by the database.

PostgreSQL has `percentile_cont`: one call with both fractions sorts each group once, text keys
group in the "C" collation (byte order: the same groups, a cheaper sort) and durations are
`date_part` doubles (`extract` gives numerics, slower to sort). SQLite has none: there the rows
of each group are ranked by window functions and only the (at most four) rows around each
percentile come back, which are interpolated the way `percentile_cont` does. Either way a few
rows per group leave the database, never the durations themselves.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy import Float, Integer, String, cast, func, literal, or_, select
from sqlalchemy.dialects.postgresql import ARRAY, array
from sqlalchemy.orm import Session

MEDIAN, P90 = 0.5, 0.9


@dataclass(frozen=True)
class Spread:
    """How long the rows of one group took, in seconds."""

    count: int
    median: float | None
    p90: float | None
    distinct: int | None = None  # distinct values of the column asked for, if one was


def seconds_between(session: Session, start, end):
    if session.get_bind().dialect.name == "postgresql":
        return func.date_part("epoch", end - start, type_=Float)
    return (func.julianday(end) - func.julianday(start)) * 86400.0


def spreads(
    session: Session,
    keys: list,
    seconds,
    where: list,
    join=None,
    distinct=None,
    in_key_order: bool = False,
) -> dict[tuple, Spread]:
    """{group key values: Spread} of `seconds` over the rows `where` selects, grouped by `keys`
    (columns); `join` is an optional (target, on clause) for the FROM; `distinct` a column
    whose distinct values each group counts; `in_key_order` when an index gives the rows in
    the keys' order (grouped as they come: no sort, so no "C" collation either)."""
    if session.get_bind().dialect.name == "postgresql":
        if not in_key_order:
            keys = [_bytewise(key) for key in keys]
        return _spreads_postgresql(session, keys, seconds, where, join, distinct)
    found = _spreads_portable(session, keys, seconds, where, join)
    if distinct is None:
        return found
    query = select(*keys, func.count(func.distinct(distinct)))
    counted = session.execute(_joined(query, join).where(*where).group_by(*keys)).all()
    width = len(keys)
    for row in counted:
        key = tuple(row[:width])
        if key in found:
            found[key] = replace(found[key], distinct=int(row[width]))
    return found


def _joined(query, join):
    return query.join(*join) if join is not None else query


def _spreads_postgresql(session, keys, seconds, where, join, distinct) -> dict[tuple, Spread]:
    fractions = array([literal(MEDIAN, Float), literal(P90, Float)])
    query = select(
        *keys,
        func.count(),
        func.percentile_cont(fractions, type_=ARRAY(Float)).within_group(seconds),
        func.count(func.distinct(distinct)) if distinct is not None else literal(None),
    )
    rows = session.execute(_joined(query, join).where(*where).group_by(*keys)).all()
    width = len(keys)
    return {
        tuple(row[:width]): Spread(int(row[width]), *_pair(row[width + 1]), row[width + 2])
        for row in rows
    }


def _bytewise(key):
    """A text key in the "C" collation: grouping by it finds the same groups, sorting is cheaper."""
    return key.collate("C") if isinstance(key.type, String) else key


def _pair(values) -> tuple[float | None, float | None]:
    median, p90 = values if values is not None else (None, None)
    return _float(median), _float(p90)


def _position(size, fraction: float):
    """The 1-based rank just below the percentile: floor(1 + fraction * (size - 1))."""
    return cast(1 + (size - 1) * fraction, Integer)  # never negative: truncation is floor


def _spreads_portable(session, keys, seconds, where, join) -> dict[tuple, Spread]:
    labelled = [key.label(f"k{n}") for n, key in enumerate(keys)]
    inner = _joined(select(*labelled, seconds.label("seconds")), join).where(*where).subquery()
    group = [inner.c[f"k{n}"] for n in range(len(keys))]
    ranked = select(
        *group,
        inner.c.seconds,
        func.row_number().over(partition_by=group, order_by=inner.c.seconds).label("rank"),
        func.count().over(partition_by=group).label("size"),
    ).subquery()
    rank, size = ranked.c.rank, ranked.c.size
    near = [
        or_(rank == _position(size, fraction), rank == _position(size, fraction) + 1)
        for fraction in (MEDIAN, P90)
    ]
    columns = [ranked.c[f"k{n}"] for n in range(len(keys))]
    rows = session.execute(select(*columns, rank, size, ranked.c.seconds).where(or_(*near))).all()
    width = len(keys)
    ranks: dict[tuple, dict[int, float]] = {}
    sizes: dict[tuple, int] = {}
    for row in rows:
        key = tuple(row[:width])
        ranks.setdefault(key, {})[int(row[width])] = float(row[width + 2])
        sizes[key] = int(row[width + 1])
    return {
        key: Spread(
            sizes[key],
            _interpolated(values, sizes[key], MEDIAN),
            _interpolated(values, sizes[key], P90),
        )
        for key, values in ranks.items()
    }


def _interpolated(values: dict[int, float], size: int, fraction: float) -> float:
    """percentile_cont's linear interpolation between the two ranks around the percentile."""
    exact = 1 + (size - 1) * fraction
    below = int(exact)
    low = values[below]
    high = values.get(below + 1, low)
    return low + (exact - below) * (high - low)


def _float(value) -> float | None:
    return None if value is None else float(value)

"""Median and 90th percentile of durations per group, computed by the database.

Stored durations (a done human task's wait_seconds) are read in order from an index led by the
group's columns: the caller counts each group's rows in the period (one range of an index led
by the completion time), then `walked_spreads` fetches the one or two rows at each
percentile's rank, walking from the nearer end of the group in the index, and interpolates
them the way `percentile_cont` does. No sort: the two walks of a group pass about 60% of its
rows (half to the median, a tenth down to the 90th percentile), whatever the period.
PostgreSQL walks them all in one statement (a VALUES list of walks, each joined LATERAL to its
group's range); SQLite in a compound select.

Groups the index does not lead with (a payment's month) go through `spreads`. PostgreSQL has
`percentile_cont`: one call with both fractions sorts each group once. SQLite has none: there
the rows of each group are ranked by window functions and only the (at most four) rows around
each percentile come back. Either way a few rows per group leave the database.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sqlalchemy import (
    Float,
    Integer,
    String,
    cast,
    column,
    func,
    literal,
    or_,
    select,
    true,
    union_all,
    values,
)
from sqlalchemy.dialects.postgresql import ARRAY, array
from sqlalchemy.orm import Session

MEDIAN, P90 = 0.5, 0.9


@dataclass(frozen=True)
class Spread:
    """How long the rows of one group took, in seconds."""

    count: int
    median: float | None
    p90: float | None


def spreads(session: Session, keys: list, seconds, where: list) -> dict[tuple, Spread]:
    """{group key values: Spread} of `seconds` over the rows `where` selects, grouped by `keys`
    (columns)."""
    if session.get_bind().dialect.name == "postgresql":
        return _spreads_postgresql(session, [_bytewise(key) for key in keys], seconds, where)
    return _spreads_portable(session, keys, seconds, where)


def _spreads_postgresql(session, keys, seconds, where) -> dict[tuple, Spread]:
    fractions = array([literal(MEDIAN, Float), literal(P90, Float)])
    query = select(
        *keys,
        func.count(),
        func.percentile_cont(fractions, type_=ARRAY(Float)).within_group(seconds),
    )
    rows = session.execute(query.where(*where).group_by(*keys)).all()
    width = len(keys)
    return {tuple(row[:width]): Spread(int(row[width]), *_pair(row[width + 1])) for row in rows}


def _bytewise(key):
    """A text key in the "C" collation: grouping by it finds the same groups, sorting is cheaper."""
    return key.collate("C") if isinstance(key.type, String) else key


def _pair(values) -> tuple[float | None, float | None]:
    median, p90 = values if values is not None else (None, None)
    return _float(median), _float(p90)


def _position(size, fraction: float):
    """The 1-based rank just below the percentile: floor(1 + fraction * (size - 1))."""
    return cast(1 + (size - 1) * fraction, Integer)  # never negative: truncation is floor


def _spreads_portable(session, keys, seconds, where) -> dict[tuple, Spread]:
    labelled = [key.label(f"k{n}") for n, key in enumerate(keys)]
    inner = select(*labelled, seconds.label("seconds")).where(*where).subquery()
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


# --------------------------------------------------------------------------- walked in order

GROUPS_PER_STATEMENT = 100  # SQLite: two walks each, within 500 terms of a compound select


def walked_spreads(
    session: Session, keys: list, seconds, where: list, counts: dict[tuple, int]
) -> dict[tuple, Spread]:
    """{group key values: Spread} of the stored, indexed `seconds` over the rows `where`
    selects, for the groups of `counts` ({key values: rows in the period}); an index led by
    `keys` then `seconds` gives the rows in order."""
    walks = [
        _Walk(key, size, fraction)
        for key, size in counts.items()
        if size
        for fraction in (MEDIAN, P90)
    ]
    where = [*where, seconds.isnot(None)]
    if session.get_bind().dialect.name == "postgresql":
        found = _walked_postgresql(session, keys, seconds, where, walks)
    else:
        found = _walked_portable(session, keys, seconds, where, walks)
    spread: dict[tuple, Spread] = {}
    for number in range(0, len(walks), 2):
        median, p90 = walks[number], walks[number + 1]
        spread[median.key] = Spread(
            median.size, median.value(found.get(number)), p90.value(found.get(number + 1))
        )
    return spread


@dataclass(frozen=True)
class _Walk:
    """The rows around one percentile of one group (percentile_cont's two ranks), reached
    from the nearer end of the group: fewer rows passed on the way."""

    key: tuple
    size: int
    fraction: float

    @property
    def exact(self) -> float:
        return self.fraction * (self.size - 1)  # 0-based, as percentile_cont computes it

    @property
    def from_top(self) -> bool:
        return math.floor(self.exact) >= self.size / 2

    @property
    def wanted(self) -> int:
        return 2 if math.floor(self.exact) + 1 < self.size else 1

    @property
    def skipped(self) -> int:
        below = math.floor(self.exact)
        return self.size - below - self.wanted if self.from_top else below

    def value(self, found: list[float] | None) -> float | None:
        """None if the rows went meanwhile (a task reopened between the count and the walk)."""
        if not found:
            return None
        low, high = min(found), max(found)
        return low + (self.exact - math.floor(self.exact)) * (high - low)


def _walked_postgresql(session, keys, seconds, where, walks) -> dict[int, list[float]]:
    """One statement: per direction, the walks as a VALUES list, each joined to the index
    range of its group, skipped and taken (LATERAL: the offsets differ per walk)."""
    found: dict[int, list[float]] = {}
    parts = []
    for from_top in (False, True):
        chosen = [(n, walk) for n, walk in enumerate(walks) if walk.from_top == from_top]
        if chosen:
            parts.append(_lateral_walks(keys, seconds, where, chosen, from_top))
    if parts:
        for number, value in session.execute(union_all(*parts)):
            found.setdefault(number, []).append(float(value))
    return found


def _lateral_walks(keys, seconds, where, chosen, from_top: bool):
    names = [f"key_{n}" for n in range(len(keys))]
    columns = [column(name, key.type) for name, key in zip(names, keys, strict=True)]
    walk = (
        values(column("walk", Integer), *columns, column("skip", Integer), column("take", Integer))
        .data([(n, *w.key, w.skipped, w.wanted) for n, w in chosen])
        .alias("walks")
    )
    group = [key == walk.c[name] for key, name in zip(keys, names, strict=True)]
    rows = (
        select(seconds.label("seconds"))
        .where(*where, *group)
        .order_by(seconds.desc() if from_top else seconds)
        .offset(walk.c.skip)
        .limit(walk.c.take)
        .lateral("walked")
    )
    return select(walk.c.walk, rows.c.seconds).select_from(walk.join(rows, true()))


def _walked_portable(session, keys, seconds, where, walks) -> dict[int, list[float]]:
    """SQLite: each walk a member of a compound select, a batch of groups per statement."""
    found: dict[int, list[float]] = {}
    for start in range(0, len(walks), 2 * GROUPS_PER_STATEMENT):
        batch = enumerate(walks[start : start + 2 * GROUPS_PER_STATEMENT], start)
        query = union_all(*(_one_walk(n, walk, keys, seconds, where) for n, walk in batch))
        for number, value in session.execute(query):
            found.setdefault(number, []).append(float(value))
    return found


def _one_walk(number: int, walk: _Walk, keys, seconds, where):
    group = [key == value for key, value in zip(keys, walk.key, strict=True)]
    inner = (
        select(literal(number, Integer).label("walk"), seconds.label("seconds"))
        .where(*where, *group)
        .order_by(seconds.desc() if walk.from_top else seconds)
        .offset(walk.skipped)
        .limit(walk.wanted)
        .subquery()
    )
    return select(inner.c.walk, inner.c.seconds)

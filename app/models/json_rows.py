"""A scalar subquery's rows as one JSON text: a few small rows read inside a bigger query
(the signed-in user's delegations with the user, the webhook subscriptions with a task), so
that reading them costs no round trip of its own.

`json_rows(a, b)` is an aggregate: `[[a, b], ...]` over the rows of its SELECT, or NULL (or
`[]`) when there are none; `rows_of()` reads the text back into tuples.
"""

from __future__ import annotations

import json

from sqlalchemy import Text
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


class json_rows(FunctionElement):  # noqa: N801 - reads as the SQL function it stands for
    type = Text()
    name = "json_rows"
    inherit_cache = True


@compiles(json_rows, "postgresql")
def _postgresql(element, compiler, **kw):
    return f"json_agg(json_build_array({compiler.process(element.clauses, **kw)}))::text"


@compiles(json_rows, "sqlite")
def _sqlite(element, compiler, **kw):
    return f"json_group_array(json_array({compiler.process(element.clauses, **kw)}))"


def rows_of(text: str | None) -> list[tuple]:
    """The rows of a json_rows() text, each a tuple. A JSON column among them comes back
    parsed on PostgreSQL and as its stored text on SQLite: see json_value()."""
    return [tuple(row) for row in json.loads(text or "[]")]


def json_value(value):
    """A JSON column's value read through json_rows(), on either database."""
    return json.loads(value) if isinstance(value, str) else value

"""Which values a decision table's rules cover: overlapping rules (two rules of a UNIQUE table
that apply to the same invoice) and gaps (values no rule applies to), for the entries the check
can read: numeric comparisons (`> 100000`, `<= 5`, `100`, `10 < ? <= 20`) and text values
(`"Capex"`, `!= "Capex"`, `in ("A", "B")`, `not in ("A", "B")`), `-` for any value.

An entry it cannot read (one calling a function, comparing with a variable...) leaves the table's
coverage unknown: nothing is reported rather than a guess.
"""

from __future__ import annotations

import ast
import itertools
from dataclasses import dataclass
from decimal import Decimal

NUMBER_TYPES = {"number", "integer", "long", "double"}
MAX_CELLS = 4096  # sample points of a table's value space checked for gaps and overlaps


class Unreadable(Exception):
    """An entry whose covered values the check cannot tell."""


@dataclass(frozen=True)
class Range:
    """Numbers between `low` and `high` (None: unbounded), each end included or not."""

    low: Decimal | None = None
    low_in: bool = False
    high: Decimal | None = None
    high_in: bool = False

    def holds(self, value: Decimal) -> bool:
        if self.low is not None and (value < self.low or (value == self.low and not self.low_in)):
            return False
        return not (
            self.high is not None
            and (value > self.high or (value == self.high and not self.high_in))
        )

    def bounds(self) -> list[Decimal]:
        return [b for b in (self.low, self.high) if b is not None]


@dataclass(frozen=True)
class Texts:
    """Texts in `values`, or (`negated`) every text but those."""

    values: frozenset
    negated: bool = False

    def holds(self, value) -> bool:
        return (value in self.values) != self.negated


ANY = None  # `-`: every value


def read_entry(text: str, type_ref: str):
    """What one input entry covers (Range, Texts or ANY); raises Unreadable."""
    text = (text or "").strip()
    if text in ("", "-"):
        return ANY
    if type_ref in NUMBER_TYPES:
        return _numeric(text)
    if type_ref == "string":
        return _texts(text)
    raise Unreadable(text)


def _numeric(text: str) -> Range:
    if "?" in text:
        return _between(text)
    try:
        return _single(Range(), "==", _number(ast.parse(text, mode="eval").body))
    except (SyntaxError, Unreadable):
        pass
    try:
        node = ast.parse(f"v {text}", mode="eval").body
    except SyntaxError as exc:
        raise Unreadable(text) from exc
    if not isinstance(node, ast.Compare) or len(node.ops) != 1:
        raise Unreadable(text)
    return _single(Range(), _op(node.ops[0]), _number(node.comparators[0]))


def _between(text: str) -> Range:
    """`10 < ? <= 20` (also `? > 5`)."""
    try:
        node = ast.parse(text.replace("?", "v"), mode="eval").body
    except SyntaxError as exc:
        raise Unreadable(text) from exc
    if not isinstance(node, ast.Compare):
        raise Unreadable(text)
    operands = [node.left, *node.comparators]
    found = Range()
    for left, op, right in zip(operands, node.ops, operands[1:], strict=False):
        symbol = _op(op)
        if isinstance(left, ast.Name) and left.id == "v":
            found = _single(found, symbol, _number(right))
        elif isinstance(right, ast.Name) and right.id == "v":
            found = _single(found, _MIRRORED[symbol], _number(left))
        else:
            raise Unreadable(text)
    return found


_MIRRORED = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "=="}


def _single(found: Range, symbol: str, number: Decimal) -> Range:
    low, low_in, high, high_in = found.low, found.low_in, found.high, found.high_in
    if symbol in (">", ">=", "=="):
        low, low_in = number, symbol != ">"
    if symbol in ("<", "<=", "=="):
        high, high_in = number, symbol != "<"
    return Range(low, low_in, high, high_in)


def _op(op) -> str:
    symbols = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "=="}
    if type(op) not in symbols:
        raise Unreadable(type(op).__name__)
    return symbols[type(op)]


def _number(node) -> Decimal:
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return -_number(node.operand)
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return Decimal(str(node.value))
    raise Unreadable(ast.dump(node))


def _texts(text: str) -> Texts:
    try:
        return Texts(frozenset([_text(ast.parse(text, mode="eval").body)]))
    except (SyntaxError, Unreadable):
        pass
    try:
        node = ast.parse(f"v {text}", mode="eval").body
    except SyntaxError as exc:
        raise Unreadable(text) from exc
    if not isinstance(node, ast.Compare) or len(node.ops) != 1:
        raise Unreadable(text)
    op, right = node.ops[0], node.comparators[0]
    if isinstance(op, ast.Eq | ast.NotEq):
        return Texts(frozenset([_text(right)]), isinstance(op, ast.NotEq))
    if isinstance(op, ast.In | ast.NotIn) and isinstance(right, ast.Tuple | ast.List | ast.Set):
        return Texts(frozenset(_text(item) for item in right.elts), isinstance(op, ast.NotIn))
    raise Unreadable(text)


def _text(node) -> str:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    raise Unreadable(ast.dump(node))


# ------------------------------------------------------------------ overlaps and gaps


@dataclass(frozen=True)
class Column:
    label: str
    type_ref: str


def samples(columns: list[Column], rules: list[list]) -> list[tuple] | None:
    """One value from every region of the table's value space the rules tell apart (None when
    there would be too many to check)."""
    per_column = []
    for index, column in enumerate(columns):
        entries = [rule[index] for rule in rules if rule[index] is not ANY]
        if column.type_ref in NUMBER_TYPES:
            per_column.append(_number_samples(entries))
        else:
            per_column.append(_text_samples(entries))
    size = 1
    for values in per_column:
        size *= len(values)
    if size > MAX_CELLS:
        return None
    return list(itertools.product(*per_column))


def _number_samples(entries: list[Range]) -> list[Decimal]:
    bounds = sorted({b for entry in entries for b in entry.bounds()})
    if not bounds:
        return [Decimal(0)]
    points = [bounds[0] - 1]
    for low, high in zip(bounds, bounds[1:], strict=False):
        points += [low, (low + high) / 2]
    return [*points, bounds[-1], bounds[-1] + 1]


OTHER_TEXT = "\x00other"  # a text no rule names


def _text_samples(entries: list[Texts]) -> list:
    return sorted({value for entry in entries for value in entry.values}) + [OTHER_TEXT]


def applies(rule: list, point: tuple) -> bool:
    return all(entry is ANY or entry.holds(value) for entry, value in zip(rule, point, strict=True))


def overlaps(rules: list[list], points: list[tuple]) -> list[tuple[int, int, tuple]]:
    """(rule a, rule b, a value both apply to), numbered from 1, each pair once."""
    found: dict[tuple[int, int], tuple] = {}
    for point in points:
        hits = [n for n, rule in enumerate(rules, 1) if applies(rule, point)]
        for pair in itertools.combinations(hits, 2):
            found.setdefault(pair, point)
    return [(a, b, point) for (a, b), point in sorted(found.items())]


def gaps(rules: list[list], points: list[tuple]) -> list[tuple]:
    return [point for point in points if not any(applies(rule, point) for rule in rules)]

"""How a person narrows and orders My tasks: plain values read from a URL's parameters.

Bookmarkable: every choice is a GET parameter, and `as_args()` gives back only those that differ
from the defaults. A value that cannot be read is refused (the API answers 400) or left out (the
screen ignores it and says so): it never reaches the database.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import Decimal

from app.domain.ids import parse_id
from app.domain.money import AmountError, parse_amount
from app.errors import ValidationError
from app.i18n import _

FORM_KINDS = ("approval", "correction", "payment", "acknowledge")
FORM_LABELS = {
    "approval": _("Approval"),
    "correction": _("Correction"),
    "payment": _("Payment"),
    "acknowledge": _("Acknowledgement"),
}
# "week": due before the end of this week (Monday to Sunday, UTC), the overdue ones included.
DUE_CHOICES = ("any", "overdue", "week")
SORTS = ("waiting", "due", "amount", "counterparty", "kind")
DIRECTIONS = ("asc", "desc")
TEXT_LIMIT = 64  # no valid value is longer


@dataclass(frozen=True)
class TaskFilter:
    kind: str | None = None
    counterparty_id: int | None = None
    due: str = "any"
    amount_from: Decimal | None = None
    amount_to: Decimal | None = None
    sort: str = "waiting"
    descending: bool = False
    ignored: tuple[str, ...] = field(default=(), compare=False)  # parameters left out

    @property
    def narrows(self) -> bool:
        """Whether it leaves some of my tasks out."""
        return any(
            (
                self.kind,
                self.counterparty_id,
                self.due != "any",
                self.amount_from is not None,
                self.amount_to is not None,
            )
        )

    @property
    def is_default(self) -> bool:
        """All my tasks, those waiting longest first: the list as it always was."""
        return not self.narrows and self.sort == "waiting" and not self.descending

    def as_args(self) -> dict[str, str]:
        """The URL parameters that give this filter back (defaults left out)."""
        args = {
            "kind": self.kind,
            "counterparty": str(self.counterparty_id) if self.counterparty_id else None,
            "due": self.due if self.due != "any" else None,
            "amount_from": _plain(self.amount_from),
            "amount_to": _plain(self.amount_to),
            "sort": self.sort if self.sort != "waiting" else None,
            "dir": "desc" if self.descending else None,
        }
        return {name: value for name, value in args.items() if value}

    def sorted_by(self, sort: str) -> dict[str, str]:
        """The parameters to sort by `sort`: a second click on the same column turns it round."""
        descending = not self.descending if sort == self.sort else False
        return replace(self, sort=sort, descending=descending).as_args()


def read_task_filter(args: Mapping, strict: bool = False) -> TaskFilter:
    """The filter the parameters ask for. A value that cannot be read is left out (named in
    `ignored`), or with `strict` refused: ValidationError, one message per parameter."""
    errors: dict[str, list] = {}
    values: dict[str, object] = {}
    for name, reader in _READERS.items():
        raw = args.get(name)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            continue
        try:
            values[name] = reader(raw)
        except _Unreadable as exc:
            errors[name] = [exc.message]
    if strict and errors:
        raise ValidationError(errors)
    low, high = values.get("amount_from"), values.get("amount_to")
    if low is not None and high is not None and low > high:
        low, high = high, low  # "from 5000 to 1000" means the range between them
    return TaskFilter(
        kind=values.get("kind"),
        counterparty_id=values.get("counterparty"),
        due=values.get("due", "any"),
        amount_from=low,
        amount_to=high,
        sort=values.get("sort", "waiting"),
        descending=values.get("dir") == "desc",
        ignored=tuple(errors),
    )


def end_of_week(now: datetime) -> datetime:
    """Midnight starting next Monday (UTC, as the database keeps times)."""
    monday = (now - timedelta(days=now.weekday())).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    return monday + timedelta(days=7)


class _Unreadable(ValueError):
    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def _choice(allowed: tuple[str, ...]):
    def read(raw: object) -> str:
        if isinstance(raw, str) and raw.strip() in allowed:
            return raw.strip()
        raise _Unreadable(_("Choose one of: %(choices)s.", choices=", ".join(allowed)))

    return read


def _counterparty(raw: object) -> int:
    pk = parse_id(raw)
    if pk is None:
        raise _Unreadable(_("Choose a counterparty from the list."))
    return pk


def _amount(raw: object) -> Decimal:
    if not isinstance(raw, str) or len(raw) > TEXT_LIMIT:
        raise _Unreadable(_("Enter an amount like 1234.56 or 1 234,56."))
    try:
        return parse_amount(raw, None, allow_zero=True)
    except (AmountError, ArithmeticError, ValueError) as exc:
        raise _Unreadable(str(exc)) from None


def _plain(amount: Decimal | None) -> str | None:
    return None if amount is None else format(amount.normalize(), "f")


_READERS = {
    "kind": _choice(FORM_KINDS),
    "counterparty": _counterparty,
    "due": _choice(DUE_CHOICES),
    "amount_from": _amount,
    "amount_to": _amount,
    "sort": _choice(SORTS),
    "dir": _choice(DIRECTIONS),
}

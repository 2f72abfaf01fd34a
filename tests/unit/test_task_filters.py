"""The My tasks filter read from URL parameters: what it keeps, what it leaves out, and the
parameters that give it back."""

from datetime import datetime
from decimal import Decimal

import pytest

from app.domain.task_filters import TaskFilter, end_of_week, read_task_filter
from app.errors import ValidationError


def test_a_week_ends_at_midnight_starting_monday():
    monday = datetime(2026, 11, 30, 0, 0)
    assert end_of_week(monday) == datetime(2026, 12, 7)
    assert end_of_week(datetime(2026, 12, 6, 23, 59, 59)) == datetime(2026, 12, 7)
    assert end_of_week(datetime(2026, 12, 7)) == datetime(2026, 12, 14)


def test_the_parameters_give_the_same_filter_back():
    asked = {"kind": "payment", "counterparty": "7", "due": "week", "amount_from": "1 000,50",
             "amount_to": "20000", "sort": "amount", "dir": "desc"}  # fmt: skip
    task_filter = read_task_filter(asked)
    assert task_filter == TaskFilter("payment", 7, "week", Decimal("1000.5"), Decimal(20000),
                                     "amount", True)  # fmt: skip
    assert read_task_filter(task_filter.as_args()) == task_filter
    assert task_filter.narrows and not task_filter.is_default


def test_the_defaults_leave_no_parameter():
    assert read_task_filter({}).as_args() == {}
    assert read_task_filter({"due": "any", "sort": "waiting", "dir": "asc"}).is_default


def test_a_second_click_on_the_sorted_column_turns_it_round():
    by_amount = read_task_filter({"sort": "amount", "kind": "approval"})
    assert by_amount.sorted_by("amount") == {"kind": "approval", "sort": "amount", "dir": "desc"}
    assert by_amount.sorted_by("due") == {"kind": "approval", "sort": "due"}


def test_values_that_cannot_be_read_are_left_out_and_named():
    task_filter = read_task_filter({"kind": "all", "amount_to": "lots", "sort": "amount"})
    assert task_filter.ignored == ("kind", "amount_to")
    assert (task_filter.kind, task_filter.amount_to, task_filter.sort) == (None, None, "amount")


def test_a_strict_reading_refuses_them_with_a_message_each():
    with pytest.raises(ValidationError) as refused:
        read_task_filter({"due": "soon", "counterparty": "x"}, strict=True)
    assert set(refused.value.errors) == {"due", "counterparty"}

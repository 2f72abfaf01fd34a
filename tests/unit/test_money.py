from decimal import Decimal

import pytest

from app.domain.money import AmountError, format_amount, parse_amount


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("1234.56", "1234.56"),
        ("1 234,56", "1234.56"),
        ("1234,56", "1234.56"),
        ("1\u00a0234\u00a0567,5", "1234567.50"),
        ("0.01", "0.01"),
        ("9999999999999.99", "9999999999999.99"),
        (Decimal("12.3"), "12.30"),
        (15, "15.00"),
    ],
)
def test_amounts_are_accepted_as_people_type_them(typed, expected):
    assert parse_amount(typed) == Decimal(expected)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("0", "greater than zero"),
        ("-1", "greater than zero"),
        ("1.234", "two decimal places"),
        ("abc", "like 1234.56"),
        ("NaN", "like 1234.56"),
        ("Infinity", "like 1234.56"),
        ("1e3", "like 1234.56"),
        ("1000000000000000", "may not exceed"),
        ("10000000000000.00", "may not exceed"),
        ("1,234.56", "like 1234.56"),
        ("12 34", "like 1234.56"),
        ("", "Enter an amount"),
        (None, "Enter an amount"),
        (True, "like 1234.56"),
        ([1], "like 1234.56"),
    ],
)
def test_malformed_amounts_are_refused_with_a_message(app, typed, message):
    with app.test_request_context(), pytest.raises(AmountError) as refused:
        parse_amount(typed)
    assert message in str(refused.value.args[0])


def test_amounts_are_shown_with_grouped_thousands():
    assert format_amount(Decimal("1234567.5")) == "1\u00a0234\u00a0567.50"

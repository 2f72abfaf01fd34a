from decimal import Decimal

import pytest

from app.domain.money import AmountError, CurrencyError, format_amount, minor_units, parse_amount


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
    assert parse_amount(typed, "RUB") == Decimal(expected)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("0", "greater than zero"),
        ("-1", "greater than zero"),
        ("1.234", "RUB amounts have at most 2 decimal places"),
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
        parse_amount(typed, "RUB")
    assert message in str(refused.value.args[0])


def test_amounts_are_shown_with_grouped_thousands():
    assert format_amount(Decimal("1234567.5")) == "1\u00a0234\u00a0567.50"


@pytest.mark.parametrize(
    ("typed", "currency", "expected"),
    [
        ("1000", "JPY", Decimal("1000")),
        ("1 234 567", "JPY", Decimal("1234567")),
        ("1.234", "KWD", Decimal("1.234")),
        ("1.2", "KWD", Decimal("1.200")),
        ("1234.56", "RUB", Decimal("1234.56")),
    ],
)
def test_amounts_are_accepted_in_the_minor_units_of_their_currency(typed, currency, expected):
    amount = parse_amount(typed, currency)
    assert amount == expected
    assert amount.as_tuple().exponent == -minor_units(currency)


@pytest.mark.parametrize(
    ("typed", "currency", "message"),
    [
        ("1000.5", "JPY", "JPY has no minor units: write a whole number."),
        ("1.2345", "KWD", "KWD amounts have at most 3 decimal places."),
        ("10000000000000", "JPY", "may not exceed 9\u00a0999\u00a0999\u00a0999\u00a0999."),
    ],
)
def test_amounts_finer_than_the_currency_allows_are_refused(app, typed, currency, message):
    with app.test_request_context(), pytest.raises(AmountError) as refused:
        parse_amount(typed, currency)
    assert message in str(refused.value.args[0])


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("XXX", "XXX is not a currency an invoice can be paid in."),
        ("XTS", "not a currency an invoice can be paid in"),
        ("XAU", "not a currency an invoice can be paid in"),
        ("XDR", "not a currency an invoice can be paid in"),
        ("CLF", "not a currency an invoice can be paid in"),
        ("ABC", "ISO 4217"),
        ("DEM", "ISO 4217"),
        ("RUR", "ISO 4217"),
        ("", "ISO 4217"),
        (["RUB"], "ISO 4217"),
    ],
)
def test_codes_that_are_not_iso_4217_currencies_of_payment_are_refused(app, code, message):
    with app.test_request_context(), pytest.raises(CurrencyError) as refused:
        minor_units(code)
    assert message in str(refused.value.args[0])


def test_minor_units_come_from_iso_4217():
    assert [minor_units(code) for code in ("JPY", "KWD", "RUB", "IQD", "HUF", "rub")] == [
        0,
        3,
        2,
        3,
        2,
        2,
    ]


@pytest.mark.parametrize(
    ("value", "currency", "shown"),
    [
        (Decimal("1234.560"), "RUB", "1\u00a0234.56"),
        (Decimal("1234567.000"), "JPY", "1\u00a0234\u00a0567"),
        (Decimal("1234.500"), "KWD", "1\u00a0234.500"),
        (Decimal("1234.560"), None, "1\u00a0234.56"),
        (Decimal("1.234"), None, "1.234"),
        ("1.234", "KWD", "1.234"),
    ],
)
def test_amounts_are_shown_in_the_decimals_of_their_currency(value, currency, shown):
    assert format_amount(value, ".", currency) == shown

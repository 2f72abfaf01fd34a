from datetime import date

import pytest

from app.domain.dates import DateError, parse_date


@pytest.mark.parametrize("typed", ["2000-01-01", "31.12.2100", date(2050, 6, 1)])
def test_dates_from_2000_to_2100_are_accepted(typed):
    assert parse_date(typed).year in range(2000, 2101)


@pytest.mark.parametrize("typed", ["1999-12-31", "01.01.2101", "0202-02-02", date(9999, 1, 1)])
def test_dates_before_2000_or_after_2100_are_refused(app, typed):
    with app.test_request_context(), pytest.raises(DateError) as refused:
        parse_date(typed)
    assert str(refused.value.args[0]) == "Use a date from 2000 to 2100."

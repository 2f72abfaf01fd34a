import pytest

from app.domain.tax_ids import TaxIdError, account_matches_bic, clean_account, clean_tax_id


@pytest.mark.parametrize("inn", ["7707083893", "500100732259", " 7707 083 893 "])
def test_a_russian_inn_with_valid_check_digits_is_accepted(inn):
    assert clean_tax_id("RU", inn) == "".join(inn.split())


@pytest.mark.parametrize(
    ("inn", "message"),
    [
        ("7707083894", "check digits"),
        ("500100732258", "check digits"),
        ("12345", "10 digits"),
        ("77070838AB", "10 digits"),
        ("", "Enter the tax id"),
    ],
)
def test_a_wrong_inn_is_refused(app, inn, message):
    with app.test_request_context(), pytest.raises(TaxIdError) as refused:
        clean_tax_id("RU", inn)
    assert message in str(refused.value.args[0])


def test_foreign_tax_ids_are_kept_as_given():
    assert clean_tax_id("DE", "de123456789") == "DE123456789"


def test_account_number_is_checked_against_the_bic_control_key():
    assert account_matches_bic("044525225", "40702810938000000001")
    assert account_matches_bic("044525225", "30101810400000000225")  # correspondent account
    assert not account_matches_bic("044525225", "40702810938000000002")


def test_account_that_does_not_match_its_bic_is_refused(app):
    with app.test_request_context(), pytest.raises(TaxIdError) as refused:
        clean_account("RU", "044525225", "40702810938000000002")
    assert "control key" in str(refused.value.args[0])

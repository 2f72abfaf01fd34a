"""Tax ids and bank details. Russia: INN check digits, BIC and the account control key."""

from __future__ import annotations

import re

from stdnum.exceptions import ValidationError as StdnumError
from stdnum.ru import inn

from app.i18n import _

_ACCOUNT_WEIGHTS = (7, 1, 3) * 8


class TaxIdError(ValueError):
    pass


def clean_tax_id(country: str, raw: str) -> str:
    value = "".join((raw or "").split())
    if not value:
        raise TaxIdError(_("Enter the tax id."))
    if country == "RU":
        if not value.isdigit() or len(value) not in (10, 12):
            raise TaxIdError(_("An INN has 10 digits (organisation) or 12 digits (person)."))
        try:
            return inn.validate(value)
        except StdnumError as exc:
            raise TaxIdError(_("This INN's check digits are wrong: check for a typo.")) from exc
    if len(value) > 32 or not value.replace("-", "").isalnum():
        raise TaxIdError(_("A tax id has at most 32 letters and digits."))
    return value.upper()


def clean_bic(country: str, raw: str | None) -> str | None:
    value = "".join((raw or "").split())
    if not value:
        return None
    if country == "RU" and not (len(value) == 9 and value.isdigit()):
        raise TaxIdError(_("A Russian BIC has 9 digits."))
    if len(value) > 11:
        raise TaxIdError(_("A BIC has at most 11 characters."))
    return value.upper()


def clean_account(country: str, bic: str | None, raw: str | None) -> str | None:
    value = "".join((raw or "").split())
    if not value:
        return None
    if country != "RU":
        if len(value) > 34 or not value.isalnum():
            raise TaxIdError(_("An account number has at most 34 letters and digits."))
        return value.upper()
    if not (len(value) == 20 and value.isdigit()):
        raise TaxIdError(_("A Russian account number has 20 digits."))
    if not bic:
        raise TaxIdError(_("Enter the BIC so the account number can be checked."))
    if not account_matches_bic(bic, value):
        raise TaxIdError(_("The account number does not match the BIC's control key."))
    return value


def clean_kpp(country: str, raw: str | None) -> str | None:
    """Russia's KPP: 9 characters, the 5th and 6th may be letters; none elsewhere."""
    value = "".join((raw or "").split()).upper()
    if not value:
        return None
    if country != "RU":
        raise TaxIdError(_("A KPP is given for Russian counterparties only."))
    if not re.fullmatch(r"\d{4}[\dA-Z]{2}\d{3}", value):
        raise TaxIdError(_("A KPP has 9 characters: digits, the 5th and 6th may be letters."))
    return value


def clean_corr_account(country: str, bic: str | None, raw: str | None) -> str | None:
    """The bank's correspondent account (Russia: 20 digits starting 30101, keyed to the BIC)."""
    value = "".join((raw or "").split())
    if not value:
        return None
    if country != "RU":
        if len(value) > 20 or not value.isalnum():
            raise TaxIdError(_("A correspondent account has at most 20 letters and digits."))
        return value.upper()
    if not (len(value) == 20 and value.isdigit() and value.startswith("30101")):
        raise TaxIdError(_("A correspondent account has 20 digits and starts with 30101."))
    if not bic:
        raise TaxIdError(_("Enter the BIC so the account number can be checked."))
    if not account_matches_bic(bic, value):
        raise TaxIdError(_("The correspondent account does not match the BIC's control key."))
    return value


def account_matches_bic(bic: str, account: str) -> bool:
    """Bank of Russia control key: weights 7-1-3 over BIC tail + account, sum ends in 0."""
    # Correspondent accounts, and accounts at a cash settlement centre (BIC ending 000-002),
    # are keyed with "0" + BIC digits 5-6; others with the BIC's last three digits.
    at_settlement_centre = bic[-3:] in ("000", "001", "002")
    prefix = "0" + bic[4:6] if at_settlement_centre or account.startswith("301") else bic[-3:]
    digits = prefix + account
    total = sum(int(d) * w % 10 for d, w in zip(digits, _ACCOUNT_WEIGHTS, strict=False))
    return total % 10 == 0

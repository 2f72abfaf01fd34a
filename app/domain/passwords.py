"""Password rules: the one place that says whether a new password may be used.

Every way a password is set (own change, an admin's reset, a new user on the users screen, the
command line) asks `password_problems`. The rules follow NIST SP 800-63B and OWASP ASVS 2.1:
length over complexity, no password made of the user name, none from a list of passwords known
to attackers.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from app.i18n import _

# ASVS 2.1.2 asks that at least 64 characters be allowed; beyond 128 a password only costs
# hashing time (a deliberately slow hash on megabytes of input is a denial of service).
MAX_LENGTH = 128
# A user name shorter than this is not looked for inside a password ("al" is in "always").
SHORTEST_NAME_LOOKED_FOR = 3


@dataclass(frozen=True)
class PasswordRules:
    min_length: int
    common: frozenset[str]

    @classmethod
    def from_settings(cls, min_length: int, common_list_file: str | None) -> PasswordRules:
        return cls(min_length=min_length, common=common_passwords(common_list_file))


def password_problems(password: str, username: str, rules: PasswordRules) -> list:
    """What is wrong with `password` for the user `username` (empty: it may be used)."""
    problems = []
    if len(password) < rules.min_length:
        problems.append(_("Use at least %(n)d characters.", n=rules.min_length))
    if len(password) > MAX_LENGTH:
        problems.append(_("Use at most %(n)d characters.", n=MAX_LENGTH))
    if _made_of_name(password, username):
        problems.append(_("The password must not contain the user name."))
    if _folded(password) in rules.common:
        problems.append(_("This password is too common: choose another."))
    return problems


def _made_of_name(password: str, username: str) -> bool:
    name = _folded(username or "")
    if not name:
        return False
    folded = _folded(password)
    return folded == name or (len(name) >= SHORTEST_NAME_LOOKED_FOR and name in folded)


def _folded(text: str) -> str:
    return text.strip().casefold()


def common_passwords(extra_file: str | None = None) -> frozenset[str]:
    """zxcvbn's list of common passwords, plus one per line from `extra_file` (read once)."""
    return _built_in() | (_read_list(extra_file) if extra_file else frozenset())


@functools.cache
def _built_in() -> frozenset[str]:
    # zxcvbn (Dropbox's estimator, Python port on PyPI) ships the 30,000 most frequent
    # passwords of published leaks, most frequent first.
    from zxcvbn.frequency_lists import FREQUENCY_LISTS  # noqa: PLC0415 - a large module

    return frozenset(_folded(word) for word in FREQUENCY_LISTS["passwords"])


@functools.cache
def _read_list(path: str) -> frozenset[str]:
    with Path(path).open(encoding="utf-8", errors="replace") as lines:
        return frozenset(folded for line in lines if (folded := _folded(line)))

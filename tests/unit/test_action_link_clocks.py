"""A mail action link read on a machine whose clock is a little behind the signer's is fresh;
one from far in the future, or older than its lifetime, is expired."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from app.domain.action_links import LinkExpiredError, LinkSigner

SIGNER = LinkSigner("a-secret-key-for-the-tests-only!", timedelta(hours=72))


def signed_at(offset: timedelta) -> str:
    with time_machine.travel(datetime.now(UTC) + offset, tick=False):
        return SIGNER.issue("task-guid", 7, "approve")


def test_a_link_signed_a_few_seconds_ahead_of_this_clock_opens():
    assert SIGNER.read(signed_at(timedelta(seconds=30))).user_id == 7


@pytest.mark.parametrize("offset", [timedelta(minutes=10), timedelta(hours=-73)])
def test_a_link_from_far_ahead_or_past_its_lifetime_is_expired(offset):
    with pytest.raises(LinkExpiredError):
        SIGNER.read(signed_at(offset))

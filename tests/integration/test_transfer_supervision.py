"""A regulator suspends a land listing: quotes and the platform's close wait, and resuming
moves every moment still ahead (the listing end and the close after it) by the days lost."""

from __future__ import annotations

import math
from datetime import timedelta

import pytest

from factories import act
from ggzy.core.errors import DomainError
from ggzy.procedures.scheduler import run_due
from procurement_factories import procurement_net
from transfer_factories import at_moment, listing_open, quote, stage


def test_a_suspended_listing_takes_no_quote_and_resumes_with_its_close_moved(
    platform, clock
) -> None:
    net = procurement_net(platform)
    code = listing_open(platform, clock, net)
    end = at_moment(platform, code, "listing_end")
    close = at_moment(platform, code, "continue_until")
    suspended_at = clock.now()
    act(platform, net.regulator, code, "suspend", {"reason": "宗地权属存在争议，暂停挂牌"})
    with pytest.raises(DomainError) as info:
        quote(platform, net.bidders[0], code, "48000000")
    assert info.value.code == "project-suspended"
    clock.set(close + timedelta(hours=1))  # past the original close: the platform waits
    assert run_due(platform) == []
    assert stage(platform, code) == "bidding"
    act(platform, net.regulator, code, "resume", {})
    days = math.ceil((clock.now() - suspended_at) / timedelta(days=1))
    assert at_moment(platform, code, "listing_end") - end == timedelta(days=days)
    assert at_moment(platform, code, "continue_until") - close == timedelta(days=days)
    quote(platform, net.bidders[0], code, "48000000")

"""Mining-rights transfer (矿业权出让) by listing and auction: the land engine, its own rules.

rules.md §1.4: the 2017 operating rules are uncertain ([U]) and stay configurable: the
announcement 20 days ahead, a listing of at least 10 working days, and a minimum of 3
qualified bidders for an auction (a default; one source says 5).
"""

from __future__ import annotations

from datetime import date

import pytest

import ggzy.procedures.declarations  # noqa: F401  (registers the methods)
from factories import act, seed_parties
from ggzy.core.calendar import WorkingCalendar
from ggzy.core.errors import DomainError
from ggzy.procedures import rules
from ggzy.procedures.engine import get_procedure
from ggzy.procedures.schedule import plan
from ggzy.procedures.scheduler import run_due
from transfer_factories import (
    MINING_AUCTION,
    MINING_LISTING,
    RESERVE,
    announce,
    at_moment,
    beijing,
    bid,
    close_listing,
    data,
    eligible,
    listing_announcement,
    listing_open,
    quote,
    register,
    result_event,
    stage,
)


@pytest.fixture
def parties(platform):
    return seed_parties(platform, certificates=False)


def test_mining_rules_are_their_own_uncertain_set():
    on = date(2026, 3, 2)
    listing = rules.resolve("listing_min_days", MINING_LISTING, "420100", on)
    land = rules.resolve("listing_min_days", "land.listing", "420100", on)
    assert (listing.value, listing.unit, listing.confidence) == (10, "working_days", "U")
    assert (land.unit, land.confidence) == ("calendar_days", "S2")
    minimum = rules.resolve("min_bidders", MINING_AUCTION, "420100", on)
    assert (minimum.value, minimum.confidence) == (3, "U")
    with pytest.raises(DomainError):  # a land listing has no minimum of bidders
        rules.resolve("min_bidders", "land.listing", "420100", on)


def test_a_mining_project_gets_a_mining_rights_deal_code(platform, parties):
    code = register(platform, parties, MINING_LISTING)
    assert code.startswith("4201002026K") and len(code) == 18
    assert data(platform, code)["mineral"] == "铁矿"


def test_a_mining_listing_counts_working_days(platform, parties):
    # listing from Monday 03-23: 10 calendar days would end on 04-02 (enough for land), but 10
    # working days are 03-24..27, 03-30..04-03 and, after Qingming (04-04..06), Tuesday 04-07
    code = register(platform, parties, MINING_LISTING)
    act(platform, parties.tenderee, code, "set_reserve", {"reserve_price": RESERVE})
    with pytest.raises(DomainError) as err:
        act(
            platform, parties.tenderee, code, "publish_announcement", listing_announcement(platform)
        )
    assert err.value.extra == {"rule": "listing_min_days", "earliest": "2026-04-07"}
    assert "矿业权交易规则" in err.value.zh
    inputs = listing_announcement(platform, end=beijing("2026-04-07", "15:00"))
    assert act(platform, parties.tenderee, code, "publish_announcement", inputs)["stage"] == (
        "announced"
    )


def test_the_planner_counts_the_mining_listing_in_working_days():
    # announced Friday 09-04: 20 calendar days end on Thursday 09-24; the listing then needs 10
    # working days: 09-25 is Mid-Autumn, so 09-28, 29, 30, then 10-08, 09, 10 (make-up
    # Saturday), 12, 13, 14, 15 -> Thursday 10-15
    schedule = plan(get_procedure(MINING_LISTING), date(2026, 9, 4), "420100", WorkingCalendar())
    got = {m.milestone.name: m.day for m in schedule.milestones}
    assert got["listing_start"] == date(2026, 9, 24)
    assert got["listing_end"] == date(2026, 10, 15)
    result = next(m for m in schedule.milestones if m.milestone.name == "result_published_at")
    assert result.latest is None  # no legal period for the result is confirmed for mining


def mining_listing(platform, clock, parties, **kw):
    return listing_open(
        platform, clock, parties, MINING_LISTING, end=beijing("2026-04-07", "15:00"), **kw
    )


def test_a_mining_listing_goes_to_the_highest_quote(platform, clock, parties):
    code = mining_listing(platform, clock, parties, bidders=3)
    a, b, c = parties.bidders[:3]
    quote(platform, a, code, "48000000")
    quote(platform, b, code, "49000000")
    with pytest.raises(DomainError) as err:
        quote(platform, c, code, "49400000")
    assert err.value.code == "quote-too-low"
    clock.set(at_moment(platform, code, "listing_end"))
    with pytest.raises(DomainError) as err:
        quote(platform, c, code, "50000000")
    assert err.value.code == "too-late"
    closed = close_listing(platform, clock, code)
    assert [(r["event"], r["stage"]) for r in closed] == [("TransferDealt", "deal")]
    assert closed[0]["winner"] == b.entity
    result = act(platform, parties.tenderee, code, "publish_result", {"text": "矿业权出让结果"})
    assert result["stage"] == "published"


def test_a_mining_listing_may_turn_into_a_live_auction(platform, clock, parties):
    code = mining_listing(platform, clock, parties)
    a, b = parties.bidders[:2]
    quote(platform, a, code, "49000000")
    clock.set(at_moment(platform, code, "listing_end"))
    act(platform, b, code, "declare_continue", {})
    assert close_listing(platform, clock, code)[0]["stage"] == "auction"
    bid(platform, b, code, "49500000")
    clock.set(at_moment(platform, code, "auction_ends_at"))
    closed = run_due(platform)
    assert closed[0]["winner"] == b.entity and closed[0]["price"] == 4_950_000_000


def test_a_mining_listing_below_the_reserve_is_no_deal(platform, clock, parties):
    code = mining_listing(platform, clock, parties)
    quote(platform, parties.bidders[0], code, "48000000")
    close_listing(platform, clock, code)
    assert stage(platform, code) == "failed"
    assert result_event(platform, code).payload["reason"] == "below-reserve"


def test_a_mining_auction_needs_three_qualified_bidders(platform, clock, parties):
    code = announce(platform, parties, MINING_AUCTION)
    eligible(platform, parties, code, 2)
    clock.set(at_moment(platform, code, "auction_start"))
    assert [(r["event"], r["stage"]) for r in run_due(platform)] == [("TransferFailed", "failed")]
    failure = result_event(platform, code).payload
    assert (failure["reason"], failure["bidders"], failure["minimum"]) == ("too-few-bidders", 2, 3)
    assert "矿业权交易规则" in failure["basis"]


def test_a_mining_auction_with_three_bidders_runs_to_a_deal(platform, clock, parties):
    code = announce(platform, parties, MINING_AUCTION)
    eligible(platform, parties, code, 3)
    clock.set(at_moment(platform, code, "auction_start"))
    assert [r["stage"] for r in run_due(platform)] == ["auction"]
    a, b, c = parties.bidders[:3]
    bid(platform, a, code, "48000000")
    clock.set(beijing("2026-03-23", "10:03"))
    bid(platform, c, code, "48500000")
    clock.set(beijing("2026-03-23", "10:07"))
    bid(platform, a, code, "49000000")  # ends 10:12
    clock.set(beijing("2026-03-23", "10:12"))
    closed = run_due(platform)
    assert (closed[0]["stage"], closed[0]["winner"]) == ("deal", a.entity)
    assert code[10] == "K" and b.entity != a.entity

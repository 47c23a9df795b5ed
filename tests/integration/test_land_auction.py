"""Auction of state-owned construction land (国有建设用地使用权拍卖出让), end to end.

The auction (拍卖) is a live online auction from the announced start: the platform starts it
on time, every bid of at least one increment above the highest restarts the countdown (a local
rule, 5 minutes), and when the countdown runs out without a higher bid the platform closes it:
the highest bid at or above the reserve price is a deal, else no deal (流拍).
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

import ggzy.procedures.declarations  # noqa: F401  (registers the methods)
from factories import act, seed_parties
from ggzy.core.calendar import WorkingCalendar
from ggzy.core.errors import DomainError
from ggzy.procedures.engine import get_procedure, get_project
from ggzy.procedures.schedule import plan
from ggzy.procedures.scheduler import run_due
from ggzy.procedures.views import project_view, timeline
from ggzy.transfer.views import transfer_view
from transfer_factories import (
    LAND_AUCTION,
    RESERVE,
    RESERVE_FEN,
    announce,
    apply,
    at_moment,
    auction_announcement,
    beijing,
    bid,
    confirm,
    data,
    dumps,
    eligible,
    project_events,
    register,
    result_event,
    stage,
)


@pytest.fixture
def parties(platform):
    return seed_parties(platform, certificates=False)


def auction_open(platform, clock, parties, bidders=2):
    """Announced for 03-23 10:00, `bidders` eligible, started by the platform on time."""
    code = announce(platform, parties, LAND_AUCTION)
    eligible(platform, parties, code, bidders)
    clock.set(at_moment(platform, code, "auction_start"))
    started = run_due(platform)
    assert [(r["event"], r["stage"]) for r in started] == [("AuctionStarted", "auction")]
    return code


def test_an_auction_announced_less_than_twenty_days_ahead_is_refused(platform, parties):
    code = register(platform, parties, LAND_AUCTION)
    act(platform, parties.tenderee, code, "set_reserve", {"reserve_price": RESERVE})
    inputs = auction_announcement(platform, start=beijing("2026-03-21", "10:00"))
    with pytest.raises(DomainError) as err:
        act(platform, parties.tenderee, code, "publish_announcement", inputs)
    assert err.value.extra == {"rule": "announcement_min_days", "earliest": "2026-03-23"}
    assert code[10] == "T"


def test_the_platform_starts_the_auction_at_the_announced_time_not_before(platform, clock, parties):
    code = announce(platform, parties, LAND_AUCTION)
    eligible(platform, parties, code)
    start = at_moment(platform, code, "auction_start")
    clock.set(start - timedelta(seconds=1))
    assert run_due(platform) == []
    with pytest.raises(DomainError) as err:  # bids wait for the start
        bid(platform, parties.bidders[0], code, "48000000")
    assert err.value.code == "wrong-stage"
    clock.set(start)
    assert [r["stage"] for r in run_due(platform)] == ["auction"]
    assert at_moment(platform, code, "auction_ends_at") == beijing("2026-03-23", "10:05")
    started = [e for e in project_events(platform, code) if e.type == "AuctionStarted"]
    assert "起始价" in started[0].payload["zh"]


def test_applications_close_at_the_auction_start(platform, clock, parties):
    code = announce(platform, parties, LAND_AUCTION)
    clock.set(at_moment(platform, code, "apply_deadline"))
    with pytest.raises(DomainError) as err:
        apply(platform, parties.bidders[0], code)
    assert err.value.code == "too-late"


def test_every_bid_restarts_the_countdown_and_the_highest_wins(platform, clock, parties):
    code = auction_open(platform, clock, parties, bidders=3)
    a, b, c = parties.bidders[:3]
    with pytest.raises(DomainError) as err:
        bid(platform, a, code, "47500000")
    assert err.value.code == "quote-too-low" and "起始价" in err.value.zh
    timeline_of_bids = [
        ("10:01", a, "48000000", "10:06"),
        ("10:04", b, "48500000", "10:09"),
        ("10:08", c, "49500000", "10:13"),
        ("10:12", a, "50000000", "10:17"),
        ("10:16", b, "50500000", "10:21"),
    ]
    for at, bidder, price, ends in timeline_of_bids:
        clock.set(beijing("2026-03-23", at))
        assert run_due(platform) == []  # the countdown was restarted by the last bid
        result = bid(platform, bidder, code, price)
        assert result["auction_ends_at"] == beijing("2026-03-23", ends).isoformat()
    clock.set(beijing("2026-03-23", "10:20"))
    with pytest.raises(DomainError) as err:
        bid(platform, c, code, "50900000")  # less than one increment above ¥50,500,000
    assert err.value.extra["minimum"] == 5_100_000_000
    clock.set(beijing("2026-03-23", "10:21"))
    with pytest.raises(DomainError) as err:
        bid(platform, c, code, "51000000")
    assert err.value.code == "too-late"
    closed = run_due(platform)
    assert [(r["event"], r["stage"]) for r in closed] == [("TransferDealt", "deal")]
    deal = result_event(platform, code).payload
    assert (deal["winner"], deal["price"], deal["quotes"]) == (b.entity, 5_050_000_000, 5)
    assert deal["reserve_price"] == RESERVE_FEN
    assert data(platform, code)["closed_at"] == beijing("2026-03-23", "10:21").isoformat()


def test_a_bidder_without_a_confirmed_deposit_may_not_bid(platform, clock, parties):
    code = announce(platform, parties, LAND_AUCTION)
    eligible(platform, parties, code, 1)
    apply(platform, parties.bidders[1], code)  # applied, deposit never confirmed
    clock.set(at_moment(platform, code, "auction_start"))
    run_due(platform)
    for bidder, reason in [
        (parties.bidders[1], "deposit-unconfirmed"),
        (parties.bidders[2], "not-applied"),
    ]:
        with pytest.raises(DomainError) as err:
            bid(platform, bidder, code, "48000000")
        assert err.value.status == 403 and err.value.extra["reason"] == reason
    with pytest.raises(DomainError) as err:  # deposits are confirmed before the auction only
        confirm(platform, parties, parties.bidders[1], code)
    assert err.value.code == "wrong-stage"


def test_a_highest_bid_below_the_reserve_is_no_deal(platform, clock, parties):
    code = auction_open(platform, clock, parties)
    bid(platform, parties.bidders[0], code, "48000000")
    bid(platform, parties.bidders[1], code, "48500000")
    clock.set(at_moment(platform, code, "auction_ends_at"))
    assert [r["stage"] for r in run_due(platform)] == ["failed"]
    failure = result_event(platform, code).payload
    assert failure["reason"] == "below-reserve" and failure["reserve_price"] == RESERVE_FEN


def test_an_auction_without_bids_is_no_deal(platform, clock, parties):
    code = auction_open(platform, clock, parties)
    clock.set(at_moment(platform, code, "auction_ends_at"))
    assert [r["stage"] for r in run_due(platform)] == ["failed"]
    assert result_event(platform, code).payload["reason"] == "no-quotes"


def test_an_auction_without_a_qualified_bidder_fails_at_the_start(platform, clock, parties):
    code = announce(platform, parties, LAND_AUCTION)
    apply(platform, parties.bidders[0], code)  # never confirmed
    clock.set(at_moment(platform, code, "auction_start"))
    assert [(r["event"], r["stage"]) for r in run_due(platform)] == [("TransferFailed", "failed")]
    failure = result_event(platform, code).payload
    assert failure["reason"] == "too-few-bidders" and failure["bidders"] == 0
    assert failure["minimum"] == 1  # land sets no minimum for an auction: one bidder may bid


def test_a_single_qualified_bidder_may_win_at_the_start_price(platform, clock, parties):
    code = announce(platform, parties, LAND_AUCTION, reserve="48000000")
    eligible(platform, parties, code, 1)
    clock.set(at_moment(platform, code, "auction_start"))
    run_due(platform)
    bid(platform, parties.bidders[0], code, "48000000")
    clock.set(at_moment(platform, code, "auction_ends_at"))
    closed = run_due(platform)
    assert closed[0]["stage"] == "deal" and closed[0]["price"] == 4_800_000_000


def test_the_reserve_price_stays_confidential_until_the_result(platform, clock, parties):
    code = auction_open(platform, clock, parties)
    bid(platform, parties.bidders[0], code, "49000000")
    digits = str(RESERVE_FEN)
    for ev in project_events(platform, code):
        if ev.public:
            assert digits not in ev.canonical().decode(), ev.type
    with platform.read() as conn:
        project = get_project(conn, code)
        for viewer in (None, *parties.bidders, parties.staff):
            assert digits not in dumps(project_view(conn, project, viewer))
            assert digits not in dumps(transfer_view(conn, project, viewer))
            assert digits not in dumps(timeline(conn, code, viewer))
    clock.set(at_moment(platform, code, "auction_ends_at"))
    run_due(platform)
    assert stage(platform, code) == "deal"
    with platform.read() as conn:
        assert digits in dumps(timeline(conn, code, None))  # disclosed with the result


def test_the_planner_dates_an_auction_out_of_the_spring_festival():
    # announced Monday 02-02: +20 days is 02-22, in the Spring Festival (02-15..23), so the
    # auction starts on Tuesday 02-24; the result within 10 working days of 02-24 counts the
    # make-up Saturday 02-28: 02-25, 26, 27, 28, 03-02..06, 03-09
    calendar = WorkingCalendar()
    schedule = plan(get_procedure(LAND_AUCTION), date(2026, 2, 2), "420100", calendar)
    got = {m.milestone.name: (m.day, m.latest) for m in schedule.milestones}
    assert got == {
        "announced_at": (date(2026, 2, 2), None),
        "auction_start": (date(2026, 2, 24), None),
        "closed_at": (date(2026, 2, 24), None),
        "result_published_at": (date(2026, 2, 24), date(2026, 3, 9)),
        "awarded_at": (date(2026, 2, 24), None),
        "contract_signed_at": (date(2026, 2, 24), date(2026, 3, 9)),  # 10 working days [G]
    }

"""Listing of state-owned construction land (国有建设用地使用权挂牌出让), end to end.

Every path of the listing close (rules.md §1.3, 国土资源部令第39号): a single quote at or above
the reserve price is a deal; of several quotes the highest wins, of equal quotes the earliest;
no quote or a highest quote below the reserve price is no deal (流拍); a bidder asking to
continue turns the close into a live online auction whose bids restart the countdown. The
closes are automatic actions the platform performs when due (ggzy.procedures.scheduler).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient

import ggzy.procedures.declarations  # noqa: F401  (registers the methods)
from factories import act, seed_parties
from ggzy.core.calendar import WorkingCalendar
from ggzy.core.errors import DomainError
from ggzy.core.events import EVENT_TYPES
from ggzy.procedures import rules
from ggzy.procedures.engine import get_procedure, get_project
from ggzy.procedures.schedule import plan
from ggzy.procedures.scheduler import run_due
from ggzy.procedures.views import project_view, timeline
from ggzy.transfer.applications import reserve_of
from ggzy.transfer.views import transfer_view
from ggzy.web.app import create_app
from transfer_factories import (
    DEPOSIT,
    LAND_LISTING,
    RESERVE,
    RESERVE_FEN,
    announce,
    apply,
    at_moment,
    beijing,
    bid,
    close_listing,
    confirm,
    data,
    dumps,
    listing_announcement,
    listing_open,
    project_events,
    quote,
    register,
    result_event,
    stage,
    transfer_document,
)

RESERVE_DIGITS = str(RESERVE_FEN)  # 4873219900


@pytest.fixture
def parties(platform):
    return seed_parties(platform, certificates=False)


def paddle_of(platform, code, bidder):
    """The bidder's own number (竞买号), from its view of the listing board."""
    with platform.read() as conn:
        return transfer_view(conn, get_project(conn, code), bidder)["my"]["paddle"]


# ---------------------------------------------------------------- registration and announcement


def test_a_land_project_gets_a_land_use_rights_deal_code(platform, parties):
    code = register(platform, parties)
    assert code.startswith("4201002026T") and len(code) == 18
    assert stage(platform, code) == "registered"
    assert data(platform, code)["start_price"] == 4_800_000_000


def test_the_announcement_needs_the_reserve_price_first(platform, parties):
    code = register(platform, parties)
    with pytest.raises(DomainError) as err:
        act(
            platform, parties.tenderee, code, "publish_announcement", listing_announcement(platform)
        )
    assert err.value.code == "reserve-required" and "底价" in err.value.zh
    assert stage(platform, code) == "registered"


def test_an_announcement_less_than_twenty_days_before_the_listing_is_refused(platform, parties):
    code = register(platform, parties)
    act(platform, parties.tenderee, code, "set_reserve", {"reserve_price": RESERVE})
    # announced Monday 03-02: 20 days end on Sunday 03-22, so the listing may start 03-23
    inputs = listing_announcement(platform, start=beijing("2026-03-20", "09:00"))
    with pytest.raises(DomainError) as err:
        act(platform, parties.tenderee, code, "publish_announcement", inputs)
    assert err.value.code == "period-too-short"
    assert err.value.extra == {"rule": "announcement_min_days", "earliest": "2026-03-23"}
    assert "第39号" in err.value.zh
    assert stage(platform, code) == "registered"


def test_a_listing_shorter_than_ten_days_is_refused(platform, parties):
    code = register(platform, parties)
    act(platform, parties.tenderee, code, "set_reserve", {"reserve_price": RESERVE})
    inputs = listing_announcement(platform, end=beijing("2026-04-01", "15:00"))
    with pytest.raises(DomainError) as err:
        act(platform, parties.tenderee, code, "publish_announcement", inputs)
    assert err.value.extra == {"rule": "listing_min_days", "earliest": "2026-04-02"}


def test_the_announcement_dates_the_listing_and_the_continue_window(platform, parties):
    code = announce(platform, parties)
    d = data(platform, code)
    assert stage(platform, code) == "announced"
    assert d["listing_start"] == "2026-03-23T09:00:00+08:00"
    assert d["listing_end"] == "2026-04-02T15:00:00+08:00"
    assert d["continue_until"] == "2026-04-02T15:10:00+08:00"  # 10 minutes, local rule [G]
    assert d["apply_deadline"] == d["listing_end"]
    assert d["increment"] == 50_000_000 and d["deposit"] == 960_000_000


# ---------------------------------------------------------------- applications and deposits


def test_a_bidder_without_an_application_may_not_quote(platform, clock, parties):
    code = listing_open(platform, clock, parties, bidders=2)
    outsider = parties.bidders[2]
    with pytest.raises(DomainError) as err:
        quote(platform, outsider, code, "48000000")
    assert err.value.status == 403 and err.value.extra["reason"] == "not-applied"
    assert "竞买申请" in err.value.zh


def test_a_bidder_whose_deposit_is_not_confirmed_may_not_quote(platform, clock, parties):
    code = listing_open(platform, clock, parties, bidders=2)
    late = parties.bidders[2]
    apply(platform, late, code)  # applications stay open during the listing
    with pytest.raises(DomainError) as err:
        quote(platform, late, code, "48000000")
    assert err.value.status == 403 and err.value.extra["reason"] == "deposit-unconfirmed"
    assert "保证金" in err.value.zh
    confirm(platform, parties, late, code)
    assert quote(platform, late, code, "48000000")["current_price"] == 4_800_000_000


def test_a_short_deposit_is_not_confirmed(platform, parties):
    code = announce(platform, parties)
    bidder = parties.bidders[0]
    apply(platform, bidder, code)
    short = {"bidder": bidder.entity, "amount": "9599999.99"}
    with pytest.raises(DomainError) as err:
        act(platform, parties.staff, code, "confirm_deposit", short)
    assert err.value.code == "deposit-short" and "少于应缴竞买保证金" in err.value.zh


def test_a_bidder_applies_once_and_other_bidders_cannot_confirm_deposits(platform, parties):
    code = announce(platform, parties)
    bidder = parties.bidders[0]
    paddle = apply(platform, bidder, code)
    assert 1000 <= paddle <= 9999
    with pytest.raises(DomainError) as err:
        apply(platform, bidder, code)
    assert err.value.code == "already-applied"
    with pytest.raises(DomainError) as err:
        act(
            platform,
            parties.bidders[1],
            code,
            "confirm_deposit",
            {"bidder": bidder.entity, "amount": DEPOSIT},
        )
    assert err.value.status == 403


# ---------------------------------------------------------------- quotes


def test_quotes_before_the_listing_starts_are_refused(platform, parties):
    code = announce(platform, parties)
    bidder = parties.bidders[0]
    apply(platform, bidder, code)
    confirm(platform, parties, bidder, code)
    with pytest.raises(DomainError) as err:
        quote(platform, bidder, code, "48000000")
    assert err.value.code == "wrong-stage"


def test_the_first_quote_is_at_least_the_start_price(platform, clock, parties):
    code = listing_open(platform, clock, parties)
    with pytest.raises(DomainError) as err:
        quote(platform, parties.bidders[0], code, "47999999.99")
    assert err.value.code == "quote-too-low" and err.value.extra["minimum"] == 4_800_000_000
    assert "起始价" in err.value.zh
    assert quote(platform, parties.bidders[0], code, "48000000")["current_price"] == 4_800_000_000


def test_a_quote_below_the_highest_plus_the_increment_is_refused(platform, clock, parties):
    code = listing_open(platform, clock, parties)
    first, second = parties.bidders[:2]
    quote(platform, first, code, "48000000")
    clock.advance(hours=2)
    with pytest.raises(DomainError) as err:
        quote(platform, second, code, "48499999.99")  # the increment is ¥500,000
    assert err.value.code == "quote-too-low"
    assert err.value.extra["minimum"] == 4_850_000_000
    assert "当前最高报价 ¥48,000,000.00" in err.value.zh and "增价幅度" in err.value.zh
    with pytest.raises(DomainError):
        quote(platform, second, code, "48000000")  # an equal online quote is refused too
    shown = quote(platform, second, code, "48500000")
    assert shown["next_min_price"] == 4_900_000_000


def test_the_host_may_adjust_the_increment_during_the_listing(platform, clock, parties):
    code = listing_open(platform, clock, parties)
    quote(platform, parties.bidders[0], code, "48000000")
    act(
        platform,
        parties.staff,
        code,
        "adjust_increment",
        {"increment": "1000000", "reason": "竞价激烈"},
    )
    assert data(platform, code)["next_min_price"] == 4_900_000_000
    with pytest.raises(DomainError) as err:
        quote(platform, parties.bidders[1], code, "48500000")
    assert err.value.extra["minimum"] == 4_900_000_000


def test_a_quote_at_the_listing_end_by_server_time_is_refused(platform, clock, parties):
    code = listing_open(platform, clock, parties)
    quote(platform, parties.bidders[0], code, "48000000")
    clock.set(at_moment(platform, code, "listing_end"))
    before = len(project_events(platform, code))
    with pytest.raises(DomainError) as err:
        quote(platform, parties.bidders[1], code, "49000000")
    assert err.value.code == "too-late" and "已过截止时间" in err.value.zh
    assert len(project_events(platform, code)) == before


# ---------------------------------------------------------------- the close


def test_a_single_quote_at_or_above_the_reserve_is_a_deal(platform, clock, parties):
    code = listing_open(platform, clock, parties)
    winner = parties.bidders[1]
    quote(platform, winner, code, "49000000")
    closed = close_listing(platform, clock, code)
    assert [(r["event"], r["stage"]) for r in closed] == [("TransferDealt", "deal")]
    d = data(platform, code)
    assert d["winner"] == winner.entity and d["award_price"] == 4_900_000_000
    deal = result_event(platform, code).payload
    assert deal["winner_name"] == winner.display_name
    assert deal["price_capitals"] == "肆仟玖佰万元整"
    assert deal["reserve_price"] == RESERVE_FEN  # disclosed with the result
    assert deal["quotes"] == 1 and deal["phase"] == "listing"


def test_the_highest_of_several_quotes_wins(platform, clock, parties):
    code = listing_open(platform, clock, parties, bidders=3)
    a, b, c = parties.bidders[:3]
    for bidder, price in [(a, "48000000"), (b, "48500000"), (c, "49500000"), (a, "50000000")]:
        quote(platform, bidder, code, price)
        clock.advance(days=1)
    clock.advance(days=3)
    closed = close_listing(platform, clock, code)
    assert closed[0]["winner"] == a.entity and closed[0]["price"] == 5_000_000_000
    assert result_event(platform, code).payload["quotes"] == 4


def test_of_equal_quotes_the_earliest_handed_in_wins(platform, clock, parties):
    # on-site listing: two slips written against the displayed ¥48,000,000, handed in at 10:00
    # and 10:05, confirmed by the host afterwards in the other order: both are valid, and the
    # slip handed in first wins (先提交报价单者为竞得人)
    code = listing_open(platform, clock, parties, bidders=3)
    a, b, c = parties.bidders[:3]
    paddles = {bidder.username: paddle_of(platform, code, bidder) for bidder in (a, b, c)}
    quote(platform, a, code, "48000000")  # online, Monday 03-23 09:00
    clock.set(beijing("2026-03-24", "10:30"))
    for paddle, handed in [(paddles["bidder3"], "10:05"), (paddles["bidder2"], "10:00")]:
        act(
            platform,
            parties.staff,
            code,
            "record_quote_slip",
            {
                "paddle": paddle,
                "price": "49000000",
                "handed_in_at": beijing("2026-03-24", handed).isoformat(),
                "slip": transfer_document(platform, f"报价单-{paddle}.pdf"),
            },
        )
    with platform.read() as conn:
        board = transfer_view(conn, get_project(conn, code))
    assert [q["price"] for q in board["quotes"]] == [4_800_000_000, 4_900_000_000, 4_900_000_000]
    assert board["current_paddle"] == paddles["bidder2"]
    closed = close_listing(platform, clock, code)
    assert closed[0]["winner"] == b.entity
    deal = result_event(platform, code).payload
    assert deal["equal_highest"] == 2 and "先提交报价者为竞得人" in deal["notice_zh"]


def test_a_slip_below_the_price_displayed_when_handed_in_is_refused(platform, clock, parties):
    code = listing_open(platform, clock, parties)
    a, b = parties.bidders[:2]
    quote(platform, a, code, "48000000")  # 03-23 09:00
    clock.set(beijing("2026-03-23", "11:00"))
    with pytest.raises(DomainError) as err:
        act(
            platform,
            parties.staff,
            code,
            "record_quote_slip",
            {
                "paddle": paddle_of(platform, code, b),
                "price": "48000000",
                "handed_in_at": beijing("2026-03-23", "10:00").isoformat(),
                "slip": transfer_document(platform, "报价单.pdf"),
            },
        )
    assert err.value.code == "quote-too-low"
    with pytest.raises(DomainError) as err:  # a slip may not be handed in "in the future"
        act(
            platform,
            parties.staff,
            code,
            "record_quote_slip",
            {
                "paddle": paddle_of(platform, code, b),
                "price": "49000000",
                "handed_in_at": beijing("2026-03-23", "12:00").isoformat(),
                "slip": transfer_document(platform, "报价单.pdf"),
            },
        )
    assert err.value.code == "invalid-slip-time"


def test_a_highest_quote_below_the_reserve_is_no_deal(platform, clock, parties):
    code = listing_open(platform, clock, parties)
    quote(platform, parties.bidders[0], code, "48000000")
    quote(platform, parties.bidders[1], code, "48500000")  # reserve 48,732,199
    closed = close_listing(platform, clock, code)
    assert [(r["event"], r["stage"]) for r in closed] == [("TransferFailed", "failed")]
    failure = result_event(platform, code).payload
    assert failure["reason"] == "below-reserve" and failure["highest_price"] == 4_850_000_000
    assert failure["reserve_price"] == RESERVE_FEN and "流拍" in failure["zh"]
    assert "winner" not in data(platform, code)


def test_no_quote_is_no_deal(platform, clock, parties):
    code = listing_open(platform, clock, parties)
    closed = close_listing(platform, clock, code)
    assert closed[0]["stage"] == "failed"
    assert result_event(platform, code).payload["reason"] == "no-quotes"


def test_the_platform_closes_the_listing_only_when_the_continue_window_has_passed(
    platform, clock, parties
):
    code = listing_open(platform, clock, parties)
    quote(platform, parties.bidders[0], code, "49000000")
    clock.set(at_moment(platform, code, "listing_end"))
    assert run_due(platform) == []
    clock.set(at_moment(platform, code, "continue_until") - timedelta(seconds=1))
    assert run_due(platform) == [] and stage(platform, code) == "bidding"
    with pytest.raises(DomainError) as err:  # nor can the host close it early
        act(platform, parties.staff, code, "close_listing", {})
    assert err.value.code == "too-early"
    clock.advance(seconds=1)
    assert [r["stage"] for r in run_due(platform)] == ["deal"]
    assert run_due(platform) == []  # idempotent


def test_asking_to_continue_is_possible_only_in_the_window(platform, clock, parties):
    code = listing_open(platform, clock, parties)
    with pytest.raises(DomainError) as err:
        act(platform, parties.bidders[0], code, "declare_continue", {})
    assert err.value.code == "too-early"
    clock.set(at_moment(platform, code, "listing_end"))
    with pytest.raises(DomainError) as err:  # only eligible bidders may ask
        act(platform, parties.bidders[3], code, "declare_continue", {})
    assert err.value.status == 403 and err.value.extra["reason"] == "not-applied"
    clock.set(at_moment(platform, code, "continue_until"))
    with pytest.raises(DomainError) as err:
        act(platform, parties.bidders[0], code, "declare_continue", {})
    assert err.value.code == "too-late"
    assert [r["stage"] for r in run_due(platform)] == ["failed"]  # nobody asked, no quote


# ---------------------------------------------------------------- live auction after the listing


def test_a_bidder_asking_to_continue_turns_the_close_into_a_live_auction(platform, clock, parties):
    code = listing_open(platform, clock, parties)
    a, b = parties.bidders[:2]
    quote(platform, a, code, "48000000")
    quote(platform, b, code, "48500000")
    clock.set(at_moment(platform, code, "listing_end") + timedelta(minutes=3))
    act(platform, a, code, "declare_continue", {})
    with pytest.raises(DomainError) as err:
        act(platform, a, code, "declare_continue", {})
    assert err.value.code == "already-declared"

    closed = close_listing(platform, clock, code)  # 15:10
    assert [(r["event"], r["stage"]) for r in closed] == [("ListingSwitchedToAuction", "auction")]
    opened = data(platform, code)
    assert opened["next_min_price"] == 4_900_000_000  # the highest quote plus one increment
    first_end = at_moment(platform, code, "auction_ends_at")
    assert first_end == beijing("2026-04-02", "15:15")  # 5-minute countdown, local rule [G]
    switched = [e for e in project_events(platform, code) if e.type == "ListingSwitchedToAuction"]
    assert switched[0].payload["asking"] == 1
    assert str(RESERVE_FEN) not in dumps(switched[0].payload)

    with pytest.raises(DomainError) as err:
        bid(platform, a, code, "48900000")
    assert err.value.code == "quote-too-low"
    clock.set(beijing("2026-04-02", "15:14"))
    result = bid(platform, a, code, "49000000")
    assert result["auction_ends_at"] == beijing("2026-04-02", "15:19").isoformat()
    clock.set(beijing("2026-04-02", "15:18"))
    bid(platform, b, code, "49500000")  # restarts the countdown again: 15:23
    clock.set(beijing("2026-04-02", "15:22"))
    assert run_due(platform) == []  # 15:19 has passed, but the countdown was restarted
    clock.set(beijing("2026-04-02", "15:23"))
    with pytest.raises(DomainError) as err:
        bid(platform, a, code, "50000000")
    assert err.value.code == "too-late"
    closed = run_due(platform)
    assert [(r["event"], r["stage"]) for r in closed] == [("TransferDealt", "deal")]
    deal = result_event(platform, code).payload
    assert deal["winner"] == b.entity and deal["price"] == 4_950_000_000
    assert deal["phase"] == "auction" and deal["quotes"] == 4


def test_a_live_auction_without_bids_deals_at_the_listing_highest(platform, clock, parties):
    code = listing_open(platform, clock, parties)
    quote(platform, parties.bidders[0], code, "49000000")
    clock.set(at_moment(platform, code, "listing_end"))
    act(platform, parties.bidders[1], code, "declare_continue", {})
    assert close_listing(platform, clock, code)[0]["stage"] == "auction"
    clock.set(at_moment(platform, code, "auction_ends_at"))
    closed = run_due(platform)
    assert closed[0]["stage"] == "deal" and closed[0]["winner"] == parties.bidders[0].entity


def test_a_live_auction_ending_below_the_reserve_is_no_deal(platform, clock, parties):
    code = listing_open(platform, clock, parties)
    quote(platform, parties.bidders[0], code, "48000000")
    clock.set(at_moment(platform, code, "listing_end"))
    act(platform, parties.bidders[1], code, "declare_continue", {})
    close_listing(platform, clock, code)
    bid(platform, parties.bidders[1], code, "48500000")
    clock.set(at_moment(platform, code, "auction_ends_at"))
    assert run_due(platform)[0]["stage"] == "failed"
    assert result_event(platform, code).payload["reason"] == "below-reserve"


# ---------------------------------------------------------------- the result


def test_the_result_is_published_within_ten_working_days(platform, clock, parties):
    code = listing_open(platform, clock, parties)
    quote(platform, parties.bidders[0], code, "49000000")
    close_listing(platform, clock, code)  # Thursday 04-02; Qingming 04-04..06
    # 10 working days after 04-02: 04-03, 04-07..10, 04-13..17 -> Friday 04-17
    clock.set(beijing("2026-04-20", "09:00"))
    with pytest.raises(DomainError) as err:
        act(platform, parties.tenderee, code, "publish_result", {})
    assert err.value.code == "period-expired" and "2026-04-17" in err.value.zh


def test_the_result_notice_ends_the_transfer(platform, clock, parties):
    code = listing_open(platform, clock, parties)
    quote(platform, parties.bidders[0], code, "49000000")
    close_listing(platform, clock, code)
    clock.set(beijing("2026-04-17", "16:00"))  # the last day
    confirmation = transfer_document(platform, "成交确认书.pdf")
    result = act(
        platform,
        parties.tenderee,
        code,
        "publish_result",
        {"text": "出让结果公告", "confirmation": confirmation},
    )
    assert result["stage"] == "published"
    with platform.read() as conn:
        public = timeline(conn, code, None)
    notice = public[-1]
    assert notice["type"] == "TransferResultPublished"
    assert notice["payload"]["winner_name"] == parties.bidders[0].display_name
    assert notice["documents"] == [confirmation]


# ---------------------------------------------------------------- confidentiality


def test_the_reserve_price_never_appears_in_public_events_views_or_leaves(platform, clock, parties):
    client = TestClient(create_app(platform), raise_server_exceptions=False)
    code = listing_open(platform, clock, parties)
    a, b = parties.bidders[:2]
    quote(platform, a, code, "48000000")
    quote(platform, b, code, "48500000")
    clock.set(at_moment(platform, code, "listing_end"))
    act(platform, a, code, "declare_continue", {})
    close_listing(platform, clock, code)
    bid(platform, a, code, "49000000")

    # the reserve was set in an event type that is not public, with a random nonce
    assert EVENT_TYPES["ReservePriceSet"].public is False
    every = project_events(platform, code)
    secret = [e for e in every if e.type == "ReservePriceSet"]
    assert len(secret) == 1 and len(secret[0].payload["nonce"]) == 32
    for ev in every:
        if ev.public:
            assert RESERVE_DIGITS not in ev.canonical().decode(), ev.type
    with platform.read() as conn:
        project = get_project(conn, code)
        assert RESERVE_DIGITS not in dumps(project["data"])
        for viewer in (None, a, b, parties.staff):
            assert RESERVE_DIGITS not in dumps(timeline(conn, code, viewer))
            assert RESERVE_DIGITS not in dumps(project_view(conn, project, viewer))
            assert RESERVE_DIGITS not in dumps(transfer_view(conn, project, viewer))
        assert RESERVE_DIGITS in dumps(timeline(conn, code, parties.tenderee))  # its own
    for path in (f"/api/v1/projects/{code}", f"/api/v1/projects/{code}/events", "/"):
        r = client.get(path)
        assert r.status_code == 200 and RESERVE_DIGITS not in r.text, path
    page = client.get(f"/projects/{code}")
    assert page.status_code == 200 and RESERVE_DIGITS not in page.text
    assert "48,732,199" not in page.text
    leaf = client.get(f"/api/v1/ledger/leaves/{secret[0].seq}").json()
    assert leaf["public"] is False and "leaf_data" not in leaf and "event" not in leaf
    for ev in every:
        body = client.get(f"/api/v1/ledger/leaves/{ev.seq}").text
        assert RESERVE_DIGITS not in body

    # after the result it is disclosed
    clock.set(at_moment(platform, code, "auction_ends_at"))
    run_due(platform)
    with platform.read() as conn:
        assert RESERVE_DIGITS in dumps(timeline(conn, code, None))


def test_only_the_transferor_sets_the_reserve_and_only_before_the_announcement(platform, parties):
    code = register(platform, parties)
    with pytest.raises(DomainError) as err:
        act(platform, parties.staff, code, "set_reserve", {"reserve_price": RESERVE})
    assert err.value.status == 403
    act(platform, parties.tenderee, code, "set_reserve", {"reserve_price": "49000000"})
    act(platform, parties.tenderee, code, "set_reserve", {"reserve_price": RESERVE})  # replaces
    with platform.read() as conn:
        assert reserve_of(conn, code) == RESERVE_FEN
    act(platform, parties.tenderee, code, "publish_announcement", listing_announcement(platform))
    with pytest.raises(DomainError) as err:
        act(platform, parties.tenderee, code, "set_reserve", {"reserve_price": "1"})
    assert err.value.code == "wrong-stage"


# ---------------------------------------------------------------- the schedule planner


@pytest.fixture(scope="module")
def calendar():
    return WorkingCalendar()


def milestones(start: date, calendar: WorkingCalendar, **proposed: date) -> dict[str, date]:
    schedule = plan(get_procedure(LAND_LISTING), start, "420100", calendar, proposed)
    assert schedule.problems == []
    return {m.milestone.name: m.day for m in schedule.milestones}


def test_the_planner_dates_a_listing_across_national_day(calendar):
    # announced Friday 09-11: +20 days is 10-01, in the National Day holiday (10-01..07), so
    # the listing may start on Thursday 10-08; +10 days is Sunday 10-18 -> Monday 10-19; the
    # result within 10 working days of 10-19: 10-20..23, 10-26..30, 11-02
    assert milestones(date(2026, 9, 11), calendar) == {
        "announced_at": date(2026, 9, 11),
        "listing_start": date(2026, 10, 8),
        "listing_end": date(2026, 10, 19),
        "closed_at": date(2026, 10, 19),
        "result_published_at": date(2026, 10, 19),
        "awarded_at": date(2026, 10, 19),
        "contract_signed_at": date(2026, 10, 19),  # at the latest 11-02 (10 working days)
    }
    result = next(
        m
        for m in plan(get_procedure(LAND_LISTING), date(2026, 9, 11), "420100", calendar).milestones
        if m.milestone.name == "result_published_at"
    )
    assert result.latest == date(2026, 11, 2)


def test_the_planner_counts_make_up_days_and_the_mid_autumn_festival(calendar):
    # announced on the make-up Sunday 09-20: +20 days is 10-10, the make-up Saturday, a
    # working day, so the listing may start then and end 10 days later on Tuesday 10-20
    got = milestones(date(2026, 9, 20), calendar)
    assert got["listing_start"] == date(2026, 10, 10)
    assert got["listing_end"] == date(2026, 10, 20)
    # from Saturday 09-05 the 20 days end on Friday 09-25, the Mid-Autumn Festival: Monday 09-28;
    # then 10 days end on Thursday 10-08, the first working day after National Day
    got = milestones(date(2026, 9, 5), calendar)
    assert got["listing_start"] == date(2026, 9, 28)
    assert got["listing_end"] == date(2026, 10, 8)
    schedule = plan(get_procedure(LAND_LISTING), date(2026, 9, 5), "420100", calendar)
    result = next(m for m in schedule.milestones if m.milestone.name == "result_published_at")
    # 10 working days after 10-08: 10-09, 10-10 (make-up Saturday), 10-12..16, 10-19..21
    assert result.latest == date(2026, 10, 21)


def test_the_planner_moves_a_listing_start_out_of_the_spring_festival(calendar):
    # announced Monday 01-26: +20 days is 02-15, in the Spring Festival (02-15..23): 02-24;
    # from Sunday 01-25 the 20 days end on the make-up Saturday 02-14, a working day
    assert milestones(date(2026, 1, 26), calendar)["listing_start"] == date(2026, 2, 24)
    assert milestones(date(2026, 1, 25), calendar)["listing_start"] == date(2026, 2, 14)
    # 10 days from 02-14 end on 02-24; a planned listing end in the holiday is a problem
    schedule = plan(
        get_procedure(LAND_LISTING),
        date(2026, 1, 25),
        "420100",
        calendar,
        {"listing_end": date(2026, 2, 23)},
    )
    assert [(p["milestone"], p["code"]) for p in schedule.problems] == [
        ("listing_end", "too-early")
    ]
    assert schedule.problems[0]["earliest"] == date(2026, 2, 24)


def test_a_region_may_count_the_listing_in_working_days(calendar, monkeypatch):
    base = rules.resolve("listing_min_days", LAND_LISTING, "420100", date(2026, 9, 1))
    assert (base.value, base.unit, base.confidence) == (10, "calendar_days", "S2")
    local = replace(base, unit="working_days", region="42", source="湖北省地方规定（测试）")
    monkeypatch.setattr(rules, "RULES", [*rules.RULES, local])
    # listing from Monday 09-28: 10 working days are 09-29, 09-30, 10-08, 10-09, 10-10,
    # 10-12..16 -> Friday 10-16 (calendar days would end on 10-08)
    got = milestones(date(2026, 9, 8), calendar)
    assert got["listing_start"] == date(2026, 9, 28)
    assert got["listing_end"] == date(2026, 10, 16)

"""Transfer by tender (招标出让) of land-use and mining rights: sealed bids, remote opening,
the highest valid price not below the reserve wins.

The test clock starts on Monday 2026-03-02 09:00 Beijing time; the announcement's bid
deadline is 21 days later (Monday 03-23 10:00), the first the 20-day rule allows.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from factories import act, bid, open_and_decrypt, seed_parties
from ggzy.core.errors import DomainError
from transfer_factories import (
    DEPOSIT,
    RESERVE,
    RESERVE_FEN,
    confirm,
    data,
    dumps,
    project_events,
    register,
    stage,
    transfer_document,
)

LAND = "land.tender"
MINING = "mining.tender"


def refused(code: str, fn: Any, *args: Any, **kw: Any) -> DomainError:
    with pytest.raises(DomainError) as info:
        fn(*args, **kw)
    assert info.value.code == code, (info.value.code, info.value.zh)
    return info.value


def announcement(platform, days: int = 21) -> dict[str, Any]:
    now = platform.clock.now()
    return {
        "tender_document": transfer_document(platform, "招标出让文件.pdf"),
        "doc_sale_start": now.isoformat(),
        "doc_sale_end": (now + timedelta(days=10)).isoformat(),
        "bid_deadline": (now + timedelta(days=days, hours=1)).isoformat(),
        "bid_bond": DEPOSIT,
        "announcement": "经批准，现以招标方式出让下列地块的国有建设用地使用权，价高者得。",
    }


def announced(platform, parties, method: str = LAND) -> str:
    code = register(platform, parties, method)
    act(platform, parties.tenderee, code, "set_reserve", {"reserve_price": RESERVE})
    act(platform, parties.tenderee, code, "publish_announcement", announcement(platform))
    return code


def qualify(platform, parties, code: str, count: int = 3) -> None:
    """The first `count` bidders obtain the documents, apply and have their deposit confirmed."""
    for bidder in parties.bidders[:count]:
        act(platform, bidder, code, "obtain_documents", {})
        act(platform, bidder, code, "apply", {})
        confirm(platform, parties, bidder, code)


@pytest.fixture
def parties(platform):
    return seed_parties(platform, bidders=4)


def test_the_highest_valid_bid_above_the_reserve_wins(platform, clock, parties) -> None:
    code = announced(platform, parties)
    qualify(platform, parties, code)
    prices = ("49500000.00", "51200000.00", "50100000.00")
    for bidder, price in zip(parties.bidders, prices, strict=False):
        bid(platform, bidder, code, price, obtain=False)
    clock.advance(days=21, hours=2)
    assert open_and_decrypt(platform, parties, code)["stage"] == "opened"
    result = act(platform, parties.staff, code, "evaluate", {})
    assert result["stage"] == "deal"
    assert data(platform, code)["winner"] == parties.bidders[1].entity
    assert data(platform, code)["award_price"] == 5_120_000_000
    published = act(platform, parties.tenderee, code, "publish_result", {"text": "出让结果"})
    assert published["stage"] == "published"


def test_a_highest_bid_below_the_reserve_is_no_deal(platform, clock, parties) -> None:
    code = announced(platform, parties)
    qualify(platform, parties, code)
    for bidder, price in zip(parties.bidders, ("48100000", "48200000", "48300000"), strict=False):
        bid(platform, bidder, code, price, obtain=False)
    clock.advance(days=21, hours=2)
    open_and_decrypt(platform, parties, code)
    result = act(platform, parties.staff, code, "evaluate", {})
    assert result["stage"] == "failed" and result["event"] == "TransferFailed"
    (failed,) = [e for e in project_events(platform, code) if e.type == "TransferFailed"]
    assert failed.payload["reason"] == "below-reserve"
    assert failed.payload["reserve_price"] == RESERVE_FEN  # disclosed with the result


def test_equal_highest_bids_go_to_the_earlier_one(platform, clock, parties) -> None:
    code = announced(platform, parties)
    qualify(platform, parties, code)
    for bidder in parties.bidders[2::-1]:  # bidder3 bids first
        bid(platform, bidder, code, "50000000.00", obtain=False)
    clock.advance(days=21, hours=2)
    open_and_decrypt(platform, parties, code)
    act(platform, parties.staff, code, "evaluate", {})
    assert data(platform, code)["winner"] == parties.bidders[2].entity


def test_a_bidder_without_a_confirmed_deposit_cannot_bid(platform, parties) -> None:
    code = announced(platform, parties)
    bidder = parties.bidders[0]
    act(platform, bidder, code, "obtain_documents", {})
    act(platform, bidder, code, "apply", {})
    error = refused("forbidden", bid, platform, bidder, code, "50000000.00", obtain=False)
    assert "保证金" in error.zh


def test_fewer_than_three_bids_are_not_opened(platform, clock, parties) -> None:
    code = announced(platform, parties)
    qualify(platform, parties, code, count=2)
    for bidder in parties.bidders[:2]:
        bid(platform, bidder, code, "50000000.00", obtain=False)
    clock.advance(days=21, hours=2)
    assert act(platform, parties.staff, code, "open_bids", {})["stage"] == "failed"


def test_the_announcement_comes_twenty_days_before_the_deadline(platform, parties) -> None:
    code = register(platform, parties, LAND)
    act(platform, parties.tenderee, code, "set_reserve", {"reserve_price": RESERVE})
    error = refused(
        "period-too-short",
        act,
        platform,
        parties.tenderee,
        code,
        "publish_announcement",
        announcement(platform, days=19),
    )
    assert error.extra["earliest"] == "2026-03-23"  # 03-22 is a Sunday


def test_the_reserve_stays_out_of_public_events_until_the_result(platform, clock, parties):
    code = announced(platform, parties)
    qualify(platform, parties, code)
    for bidder, price in zip(parties.bidders, ("49500000", "51200000", "50100000"), strict=False):
        bid(platform, bidder, code, price, obtain=False)
    clock.advance(days=21, hours=2)
    open_and_decrypt(platform, parties, code)
    public = [e for e in project_events(platform, code) if e.public]
    assert str(RESERVE_FEN) not in dumps([e.payload for e in public])
    act(platform, parties.staff, code, "evaluate", {})
    (dealt,) = [e for e in project_events(platform, code) if e.type == "TransferDealt"]
    assert dealt.public and dealt.payload["reserve_price"] == RESERVE_FEN


def test_a_mining_right_is_tendered_the_same_way(platform, clock, parties) -> None:
    code = announced(platform, parties, MINING)
    qualify(platform, parties, code)
    for bidder, price in zip(parties.bidders, ("49500000", "51200000", "50100000"), strict=False):
        bid(platform, bidder, code, price, obtain=False)
    clock.advance(days=21, hours=2)
    open_and_decrypt(platform, parties, code)
    assert act(platform, parties.staff, code, "evaluate", {})["stage"] == "deal"
    assert stage(platform, code) == "deal"


def test_the_transfer_contract_is_signed_by_both_and_the_land_delivered(platform, clock) -> None:
    from procurement_factories import procurement_net, signature, stored_document

    net = procurement_net(platform)
    code = announced(platform, net)
    qualify(platform, net, code)
    for bidder, price in zip(net.bidders, ("49500000", "51200000", "50100000"), strict=False):
        bid(platform, bidder, code, price, obtain=False)
    clock.advance(days=21, hours=2)
    open_and_decrypt(platform, net, code)
    act(platform, net.staff, code, "evaluate", {})
    act(platform, net.tenderee, code, "publish_result", {"text": "出让结果"})
    winner = net.bidders[1]
    contract = stored_document(platform, "国有建设用地使用权出让合同（出让价款 51,200,000 元）")
    for account in (net.tenderee, winner):
        result = act(
            platform,
            account,
            code,
            "sign_contract",
            {
                "contract": contract,
                "amount": "51200000.00",
                "signature": signature(platform, net, account.username, contract),
            },
        )
    assert result["stage"] == "contracted"
    act(platform, net.tenderee, code, "record_performance", {"text": "出让价款已全部缴清"})
    report = stored_document(platform, "交地确认书：宗地已按约定交付", "交地确认书.txt")
    delivered = {"passed": True, "report": report}
    assert act(platform, net.tenderee, code, "record_acceptance", delivered)["stage"] == "accepted"

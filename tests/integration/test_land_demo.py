"""The demo network with the land and mining transfers of ggzy.demo_transfer.

seed_demo schedules the transfers right after the tenders (demo_transfer.schedule_transfers):
the land listing turns into a live online auction at its close and ends in a deal, the mining
listing ends in a deal at its highest quote, and both results are published, next to the
construction tenders, on the same clock.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ggzy.core.money import parse_yuan
from ggzy.demo import ENTITY_BY_KEY, seed_demo
from ggzy.demo_transfer import LAND, MINING
from ggzy.procedures.engine import list_projects
from ggzy.procedures.views import timeline
from transfer_factories import dumps, project_events

PRESENTS = {  # after the Spring Festival, and the weeks over National Day
    "march": datetime(2026, 3, 2, 1, 0, tzinfo=UTC),
    "october": datetime(2026, 10, 9, 6, 17, 42, tzinfo=UTC),
}


@pytest.mark.parametrize("present", sorted(PRESENTS))
def test_the_demo_transfers_end_in_deals_and_published_results(platform, present):
    platform.clock.set(PRESENTS[present])
    summary = seed_demo(platform, quiet=True)
    assert summary.created and summary.stage_counts()["published"] == 2
    with platform.read() as conn:
        transfers = {p["method"]: p for p in list_projects(conn) if p["code"][10] in "TK"}
    land, mining = transfers["land.listing"], transfers["mining.listing"]
    assert (land["center"], mining["center"]) == ("420100", "420200")

    winner = ENTITY_BY_KEY[LAND.live_bids[-1][0]].credit_code
    assert land["data"]["winner"] == winner
    assert land["data"]["award_price"] == parse_yuan(LAND.live_bids[-1][1])
    types = [e.type for e in project_events(platform, land["code"])]
    assert types.count("ListingQuoteMade") == len(LAND.quotes)
    assert types.count("ListingSwitchedToAuction") == 1
    assert types.count("AuctionBidMade") == len(LAND.live_bids)
    assert types[-2:] == ["TransferDealt", "TransferResultPublished"]

    assert mining["data"]["winner"] == ENTITY_BY_KEY["bidder4"].credit_code
    assert mining["data"]["award_price"] == parse_yuan(MINING.quotes[-1][1])
    assert "ListingSwitchedToAuction" not in [
        e.type for e in project_events(platform, mining["code"])
    ]

    for t, project in ((LAND, land), (MINING, mining)):
        reserve = str(parse_yuan(t.reserve))
        public = [e for e in project_events(platform, project["code"]) if e.public]
        disclosed = [e.type for e in public if reserve in e.canonical().decode()]
        assert disclosed == ["TransferDealt"]  # only the result discloses the reserve price
        assert [e.type for e in public if "reserve_price" in e.payload] == ["TransferDealt"]
        with platform.read() as conn:
            assert reserve in dumps(timeline(conn, project["code"], None))

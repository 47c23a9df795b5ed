"""Builders of land and mining transfer test data on top of factories.seed_parties.

    parties = seed_parties(platform, certificates=False)
    code = listing_open(platform, clock, parties)   # announced, 2 bidders eligible, listing on
    quote(platform, parties.bidders[0], code, "48000000")

The test clock starts on Monday 2026-03-02 09:00 Beijing time. A listing announced then starts
21 days later (Monday 03-23 09:00, the first day the 20-day rule allows: 03-22 is a Sunday) and
ends on Thursday 04-02 15:00 (10 calendar days); the platform closes it after the continue
window (10 minutes, local rule), at 15:10.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from factories import Parties, act
from ggzy.bootstrap import Platform
from ggzy.core.calendar import SHANGHAI
from ggzy.core.clock import MovableClock
from ggzy.core.documents import register_document
from ggzy.core.events import RecordedEvent
from ggzy.core.projections import row_to_event
from ggzy.core.tables import events
from ggzy.procedures.engine import get_project
from ggzy.procedures.scheduler import run_due
from ggzy.registry.handlers import Account

LAND_LISTING = "land.listing"
LAND_AUCTION = "land.auction"
MINING_LISTING = "mining.listing"
MINING_AUCTION = "mining.auction"
START_PRICE = "48000000.00"  # 起始价 ¥48,000,000
INCREMENT = "500000.00"
DEPOSIT = "9600000.00"  # 20 % of the start price
RESERVE = "48732199.00"  # 底价: digits that appear nowhere else, to search for leaks
RESERVE_FEN = 4_873_219_900

LAND_FIELDS = {
    "title": "武汉市江岸区后湖片区P（2026）018号地块国有建设用地使用权",
    "parcel_no": "P（2026）018号",
    "location": "江岸区后湖大道以北、兴业路以东",
    "area": "38652.41",
    "land_use": "居住用地（R2）",
    "term_years": 70,
    "plot_ratio": "≤2.8",
}
MINING_FIELDS = {
    "title": "大冶市金山店铁矿东段采矿权",
    "right_type": "采矿权",
    "mineral": "铁矿",
    "location": "湖北省黄石市大冶市金山店镇",
    "area": "1.8342",
    "term_years": 10,
}


def beijing(day: str, hhmm: str) -> datetime:
    """A Beijing time, e.g. beijing("2026-03-23", "09:00")."""
    return datetime.fromisoformat(f"{day}T{hhmm}:00").replace(tzinfo=SHANGHAI)


def register(
    platform: Platform, parties: Parties, method: str = LAND_LISTING, **fields: Any
) -> str:
    """Register a transfer project as the transferor (the tenderee account); its code."""
    base = MINING_FIELDS if method.startswith("mining.") else LAND_FIELDS
    data = {"center": "420100", "start_price": START_PRICE, **base, **fields}
    return act(platform, parties.tenderee, None, "register_project", data, method=method)["code"]


def transfer_document(platform: Platform, name: str = "出让文件.pdf") -> str:
    """Store a document (transfer document, quote slip scan) and return its SHA-256."""
    body = f"%PDF-1.4\n% {name} {platform.clock.now().isoformat()}\n".encode()
    sha, size = platform.documents.write([body])
    with platform.engine.begin() as conn:
        register_document(conn, sha, size, name, "application/pdf", platform.clock.now())
    return sha


def listing_announcement(
    platform: Platform,
    start: datetime | None = None,
    end: datetime | None = None,
    **fields: Any,
) -> dict[str, Any]:
    """Inputs of publish_announcement for a listing from 03-23 09:00 to 04-02 15:00."""
    return {
        "transfer_document": transfer_document(platform),
        "listing_start": (start or beijing("2026-03-23", "09:00")).isoformat(),
        "listing_end": (end or beijing("2026-04-02", "15:00")).isoformat(),
        "increment": INCREMENT,
        "deposit": DEPOSIT,
        "announcement": "经批准，现以挂牌方式出让下列地块的国有建设用地使用权。",
        **fields,
    }


def auction_announcement(
    platform: Platform, start: datetime | None = None, **fields: Any
) -> dict[str, Any]:
    """Inputs of publish_announcement for an auction starting 03-23 10:00."""
    return {
        "transfer_document": transfer_document(platform),
        "auction_start": (start or beijing("2026-03-23", "10:00")).isoformat(),
        "increment": INCREMENT,
        "deposit": DEPOSIT,
        "announcement": "经批准，现以网上拍卖方式出让下列地块的国有建设用地使用权。",
        **fields,
    }


def announce(
    platform: Platform,
    parties: Parties,
    method: str = LAND_LISTING,
    reserve: str | None = RESERVE,
    **fields: Any,
) -> str:
    """Registered, reserve price set, announced; its code."""
    code = register(platform, parties, method)
    if reserve is not None:
        act(platform, parties.tenderee, code, "set_reserve", {"reserve_price": reserve})
    inputs = (
        auction_announcement(platform, **fields)
        if method.endswith(".auction")
        else listing_announcement(platform, **fields)
    )
    act(platform, parties.tenderee, code, "publish_announcement", inputs)
    return code


def apply(platform: Platform, bidder: Account, code: str) -> int:
    """The bidder applies to bid; its bidder number (竞买号)."""
    return int(act(platform, bidder, code, "apply", {})["paddle"])


def confirm(platform: Platform, parties: Parties, bidder: Account, code: str) -> None:
    """The center confirms the bidder's deposit in full."""
    data = {"bidder": bidder.entity, "amount": DEPOSIT, "reference": "BK2026031200088"}
    act(platform, parties.staff, code, "confirm_deposit", data)


def eligible(platform: Platform, parties: Parties, code: str, count: int = 2) -> dict[str, int]:
    """The first `count` bidders apply and have their deposits confirmed; username -> paddle."""
    paddles = {}
    for bidder in parties.bidders[:count]:
        paddles[bidder.username] = apply(platform, bidder, code)
        confirm(platform, parties, bidder, code)
    return paddles


def at_moment(platform: Platform, code: str, key: str) -> datetime:
    """A project date as a datetime, e.g. at_moment(p, code, "listing_end")."""
    return datetime.fromisoformat(data(platform, code)[key])


def data(platform: Platform, code: str) -> dict[str, Any]:
    """The project's data."""
    with platform.read() as conn:
        return dict(get_project(conn, code)["data"])


def stage(platform: Platform, code: str) -> str:
    """The project's stage."""
    with platform.read() as conn:
        return str(get_project(conn, code)["stage"])


def listing_open(
    platform: Platform,
    clock: MovableClock,
    parties: Parties,
    method: str = LAND_LISTING,
    bidders: int = 2,
    **fields: Any,
) -> str:
    """A listing announced, `bidders` bidders eligible, and the platform started the listing."""
    code = announce(platform, parties, method, **fields)
    eligible(platform, parties, code, bidders)
    clock.set(at_moment(platform, code, "listing_start"))
    started = run_due(platform)
    assert [r["event"] for r in started] == ["ListingStarted"], started
    return code


def quote(platform: Platform, bidder: Account, code: str, price: str) -> dict[str, Any]:
    """A listing quote."""
    return act(platform, bidder, code, "quote", {"price": price})


def bid(platform: Platform, bidder: Account, code: str, price: str) -> dict[str, Any]:
    """A live-auction bid."""
    return act(platform, bidder, code, "auction_bid", {"price": price})


def close_listing(platform: Platform, clock: MovableClock, code: str) -> list[dict[str, Any]]:
    """Move past the continue window and let the platform close the listing."""
    clock.set(at_moment(platform, code, "continue_until"))
    return run_due(platform)


def project_events(platform: Platform, code: str) -> list[RecordedEvent]:
    """Every event of a project, public or not, oldest first."""
    from sqlalchemy import select

    with platform.read() as conn:
        q = select(events).where(events.c.subject_id == code).order_by(events.c.seq)
        return [row_to_event(r) for r in conn.execute(q)]


def result_event(platform: Platform, code: str) -> RecordedEvent:
    """The deal or no-deal event of a project."""
    found = [
        e for e in project_events(platform, code) if e.type in ("TransferDealt", "TransferFailed")
    ]
    assert len(found) == 1, [e.type for e in found]
    return found[0]


def dumps(value: Any) -> str:
    """JSON text of anything a view returns (to search it)."""
    return json.dumps(value, ensure_ascii=False, default=str)


def after(moment: datetime, **delta: float) -> datetime:
    """moment + timedelta(**delta)."""
    return moment + timedelta(**delta)

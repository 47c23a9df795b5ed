"""What the public and a bidder see of a transfer (出让): the listing board, never the reserve.

The public board shows the start price, increment, deposit, the periods, the highest quote and
every accepted quote by bidder number (竞买号) and time, as a listing hall's display does. A
bidder also sees its own application. The reserve price (底价) is not in project data and is
read nowhere here; after the result it is public in the result event.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from ggzy.core.money import to_capitals
from ggzy.registry.handlers import Account
from ggzy.transfer.applications import application_of
from ggzy.transfer.listing import beijing_iso, quotes_of

BOARD_KEYS = (
    "start_price",
    "increment",
    "deposit",
    "announced_at",
    "apply_deadline",
    "listing_start",
    "listing_end",
    "continue_until",
    "auction_start",
    "auction_started_at",
    "auction_ends_at",
    "current_price",
    "current_paddle",
    "next_min_price",
    "quote_count",
    "closed_at",
    "winner",
    "award_price",
    "result_published_at",
)


def transfer_view(
    conn: Connection, project: dict[str, Any], account: Account | None = None
) -> dict[str, Any]:
    """The listing board of a project, and the caller's own application if it is a bidder."""
    data = project["data"]
    view: dict[str, Any] = {k: data[k] for k in BOARD_KEYS if k in data}
    view["quotes"] = [
        {
            "paddle": q["paddle"],
            "price": q["price"],
            "price_capitals": to_capitals(q["price"]),
            "phase": q["phase"],
            "quoted_at": beijing_iso(q["quoted_at"]),
        }
        for q in quotes_of(conn, project["code"])
    ]
    if account is not None and account.entity:
        app = application_of(conn, project["code"], account.entity)
        view["my"] = (
            None
            if app is None
            else {
                "paddle": app["paddle"],
                "applied_at": beijing_iso(app["applied_at"]),
                "deposit_confirmed": app["deposit_confirmed_at"] is not None,
                "continue_declared": app["continue_at"] is not None,
            }
        )
    return view

"""Scoring methods (评标办法), pure functions over opened bids.

Lowest evaluated price (经评审的最低投标价法), rules.md §2.1: bids that fail qualification or
responsiveness are rejected with a reason; a price above the maximum bid price is rejected
(实施条例 art. 51(5)); the evaluated price is the bid price plus documented corrections;
ranking is ascending by evaluated price, then bid price, then earlier submission.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Review:
    """The committee's finding on one bid."""

    qualified: bool = True
    reason: str = ""
    adjustment: int = 0  # 分, added to the bid price to give the evaluated price


@dataclass(frozen=True)
class Ranked:
    """One bid's place in the ranking."""

    rank: int
    bidder: str
    price: int
    evaluated_price: int


@dataclass(frozen=True)
class Rejected:
    """A bid rejected (否决投标) and why."""

    bidder: str
    reason: str


def rank_lowest_price(
    opened: Sequence[Mapping[str, object]],
    reviews: Mapping[str, Review],
    max_price: int | None,
) -> tuple[list[Ranked], list[Rejected]]:
    """Rank opened bids {bidder, price, bid} by lowest evaluated price; return (ranked, rejected).

    >>> rank_lowest_price([{"bidder": "A", "price": 100, "bid": 1},
    ...                    {"bidder": "B", "price": 90, "bid": 2}], {}, None)[0][0].bidder
    'B'
    """
    ranked: list[tuple[int, int, int, str]] = []
    rejected: list[Rejected] = []
    for bid in opened:
        bidder, price, order = str(bid["bidder"]), int(bid["price"]), int(bid["bid"])  # type: ignore[call-overload]
        review = reviews.get(bidder, Review())
        if max_price is not None and price > max_price:
            rejected.append(Rejected(bidder, "投标报价高于最高投标限价（实施条例 第51条）"))
        elif not review.qualified:
            rejected.append(Rejected(bidder, review.reason))
        else:
            ranked.append((price + review.adjustment, price, order, bidder))
    ranked.sort()
    return (
        [Ranked(i + 1, bidder, price, ev) for i, (ev, price, _, bidder) in enumerate(ranked)],
        rejected,
    )

"""`ggzy bench opening` drives a real opening through the engine: a small run opens every bid."""

from __future__ import annotations

from ggzy.bidding.bench_opening import run


def test_a_small_opening_bench_opens_every_bid() -> None:
    report = run(bids=3, size_mb=1)
    assert report["stage"] == "opened" and report["last_result"] == "BidsOpened"
    assert report["opening_seconds"] >= 0 and report["opening_mb_s"] > 0

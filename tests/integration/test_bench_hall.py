"""`ggzy bench hall` runs a real server, real watchers and the bare peer: a small run delivers
every event to every watcher and reports both."""

from __future__ import annotations

from ggzy.bidding.bench_hall import run


def test_a_small_hall_bench_delivers_every_event_to_every_watcher_and_the_peer_too() -> None:
    report = run(watchers=12, events=2, processes=1)
    assert report["hall_samples"] == 24 and report["hall_missing"] == 0
    assert report["bare_samples"] == 24 and report["bare_missing"] == 0
    assert 0 < report["hall_p50_ms"] <= report["hall_p99_ms"] <= report["hall_max_ms"]
    assert report["ratio_p99_to_bare"] > 0 and report["server_peak_rss_mb"] > 0

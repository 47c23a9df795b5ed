"""`ggzy bench upload` runs a real server and real clients: a small run completes every upload."""

from __future__ import annotations

from ggzy.bidding.bench_upload import run


def test_a_small_upload_bench_completes_every_upload_and_reports_the_baseline() -> None:
    report = run(uploads=6, size_mb=2, chunk_mb=1, concurrency=3)
    assert report["completed"] == 6 and report["lost_or_wrong"] == 0
    assert report["mb_s"] > 0 and report["dd_mb_s"] and report["ratio_to_dd"]
    assert report["server_peak_rss_mb"] >= report["server_idle_rss_mb"] > 0

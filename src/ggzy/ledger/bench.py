"""`ggzy bench ledger`: what the stored log costs, measured against a rebuild in the same run.

Appends N events through the real unit of work (one signed tree head per command of `batch`
events), then times inclusion and consistency proofs from the stored subtree hashes against
the baseline of rebuilding them from every leaf, and the full `ledger verify` pass.
"""

from __future__ import annotations

import random
import tempfile
import time
from pathlib import Path
from typing import Any

from ggzy.config import load_settings
from ggzy.core.clock import SystemClock
from ggzy.core.events import NewEvent, event_type
from ggzy.core.projections import iter_events
from ggzy.ledger import log
from ggzy.ledger.merkle import consistency_proof, inclusion_proof
from ggzy.ledger.signing import NodeKey
from ggzy.ledger.verify import verify_log

event_type("BenchmarkEventRecorded", "基准测试事件", "benchmark event", public=False)


def run(
    events: int = 20_000, batch: int = 50, proofs: int = 200, url: str | None = None
) -> dict[str, Any]:
    """Run the ledger benchmark on a fresh database (SQLite in a temp dir unless url)."""
    from ggzy.bootstrap import create_platform
    from ggzy.migrate import upgrade

    tmp = Path(tempfile.mkdtemp(prefix="ggzy-bench-"))
    url = url or f"sqlite:///{tmp / 'bench.db'}"
    upgrade(url)
    settings = load_settings(database_url=url, data_dir=tmp, node_id="bench-node")
    key = NodeKey.generate()
    platform = create_platform(settings, SystemClock(), key)
    started = time.perf_counter()
    for first in range(0, events, batch):
        with platform.command("account:bench") as uow:
            for i in range(first, min(first + batch, events)):
                uow.emit(
                    NewEvent("BenchmarkEventRecorded", "node", "bench", {"i": i, "pad": "x" * 200})
                )
    append_s = time.perf_counter() - started

    rng = random.Random(7)
    with platform.read() as conn:
        size = log.current_size(conn)
        heads = [h.tree_size for h in log.all_heads(conn)]
        picks = [rng.randrange(size) for _ in range(proofs)]
        t0 = time.perf_counter()
        reads = 0
        for index in picks:
            reader = log.NodeReader(conn)
            from ggzy.ledger.merkle import inclusion_path

            inclusion_path(index, size, reader)
            reads += reader.reads
        stored_s = (time.perf_counter() - t0) / proofs
        t0 = time.perf_counter()
        old = rng.choice(heads[:-1])
        log.consistency(conn, old, size)
        stored_cons_s = time.perf_counter() - t0
        # baseline: rebuild from every leaf (what a log without stored subtrees must do)
        baseline_n = max(3, proofs // 20)
        t0 = time.perf_counter()
        for index in picks[:baseline_n]:
            leaves = [ev.canonical() for ev in iter_events(conn)]
            inclusion_proof(leaves, index)
        rebuild_s = (time.perf_counter() - t0) / baseline_n
        t0 = time.perf_counter()
        leaves = [ev.canonical() for ev in iter_events(conn)]
        consistency_proof(leaves[:size], old)
        rebuild_cons_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        report = verify_log(conn, key.public_b64())
        verify_s = time.perf_counter() - t0
    platform.engine.dispose()
    return {
        "benchmark": "ledger",
        "database": url.split(":", 1)[0],
        "events": size,
        "signed_tree_heads": len(heads),
        "append_events_per_s": round(size / append_s, 1),
        "inclusion_proof_ms": round(stored_s * 1000, 3),
        "inclusion_proof_reads_avg": round(reads / proofs, 1),
        "inclusion_proof_rebuild_ms": round(rebuild_s * 1000, 1),
        "inclusion_speedup_vs_rebuild": round(rebuild_s / stored_s, 1),
        "consistency_proof_ms": round(stored_cons_s * 1000, 3),
        "consistency_proof_rebuild_ms": round(rebuild_cons_s * 1000, 1),
        "consistency_speedup_vs_rebuild": round(rebuild_cons_s / stored_cons_s, 1),
        "verify_s": round(verify_s, 2),
        "verify_events_per_s": round(size / verify_s, 1),
        "verify_ok": report.ok,
    }

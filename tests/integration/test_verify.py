"""verify_log finds every kind of tampering with the stored log, on SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import event, text

from ggzy.bootstrap import Platform
from ggzy.core.events import NewEvent, event_type
from ggzy.core.projections import iter_events
from ggzy.ledger import leaf_hash, log, merkle_root
from ggzy.ledger.merkle import perfect_nodes_to_store
from ggzy.ledger.signing import NodeKey, tree_head_body
from ggzy.ledger.verify import VerifyReport, format_report, verify_log

event_type("ThingHappened", "某事发生", "a thing happened")
event_type("OtherThingHappened", "另一事发生", "another thing happened")

Tamper = Callable[..., None]


def emit(platform: Platform, sizes: list[int]) -> None:
    """One command per entry of sizes; event n is OtherThingHappened when n % 3 == 0."""
    with platform.read() as conn:
        n = log.current_size(conn)
    for size in sizes:
        with platform.command(actor="account:test", center="420100") as uow:
            for _ in range(size):
                n += 1
                kind = "OtherThingHappened" if n % 3 == 0 else "ThingHappened"
                uow.emit(NewEvent(kind, "project", f"P{n:05d}", {"n": n, "名": "测试"}))
        platform.clock.advance(minutes=1)  # type: ignore[attr-defined]


def verify(platform: Platform, key: NodeKey | None = None, **kw: Any) -> VerifyReport:
    with platform.read() as conn:
        return verify_log(conn, key.public_b64() if key else None, **kw)


def kinds(report: VerifyReport) -> list[tuple[int | None, str]]:
    return [(p.seq, p.kind) for p in report.problems]


def all_nodes(leaves: list[bytes]) -> dict[tuple[int, int], bytes]:
    nodes: dict[tuple[int, int], bytes] = {}

    def get(level: int, idx: int) -> bytes:
        return nodes[(level, idx)]

    for i, data in enumerate(leaves):
        for level, idx, h in perfect_nodes_to_store(
            i, leaf_hash(data), lambda lv, j: nodes[(lv, j)]
        ):
            nodes[(level, idx)] = h
    return nodes


def test_a_clean_log_verifies(platform: Platform, node_key: NodeKey) -> None:
    empty = verify(platform, node_key)
    assert empty.ok and empty.events == 0 and empty.heads == 0
    emit(platform, [1, 2, 3, 1, 5, 1])
    report = verify(platform, node_key)
    assert report.ok, format_report(report)
    assert (report.events, report.heads, report.size) == (13, 6, 13)
    assert report.first_problem is None
    assert report.signatures_checked
    with platform.read() as conn:
        head = log.latest_head(conn)
    assert head is not None and report.root_hash == head.root_hash
    lines = format_report(report)
    assert len(lines) == 1 and lines[0].startswith("✔") and "13" in lines[0]
    # without the key everything but the signatures is checked, and the report says so
    unsigned = verify(platform)
    assert unsigned.ok and not unsigned.signatures_checked
    assert any("not checked" in line for line in format_report(unsigned))
    # small batches cross batch boundaries inside perfect subtrees: same answer
    assert verify(platform, node_key, batch=3).root_hash == report.root_hash


def test_an_altered_payload_is_named(platform: Platform, node_key: NodeKey, tamper: Tamper) -> None:
    emit(platform, [1] * 8)
    tamper("UPDATE events SET payload = :p WHERE seq = 6", p=json.dumps({"n": 6, "名": "篡改"}))
    report = verify(platform, node_key)
    assert not report.ok
    first = report.first_problem
    assert first is not None and (first.seq, first.kind) == (6, "altered-event")
    assert "OtherThingHappened" in first.en and "#6" in first.zh
    # the heads from size 6 on disagree: one problem naming the first event after head 5
    assert kinds(report) == [(6, "altered-event"), (6, "head-root-mismatch")]
    head_problem = report.problems[1]
    assert (
        head_problem.tree_size == 6 and "event #6, since the previous good head" in head_problem.en
    )
    assert "2 later heads (up to size 8)" in head_problem.en
    lines = format_report(report)
    assert lines[0].startswith("✘ [altered-event] #6") and "FAILED" in lines[-1]


def test_an_altered_event_in_a_bigger_command_names_the_range(
    platform: Platform, node_key: NodeKey, tamper: Tamper
) -> None:
    emit(platform, [4, 5, 3])
    tamper("UPDATE events SET actor = 'account:mallory' WHERE seq = 7")
    report = verify(platform, node_key)
    assert kinds(report) == [(7, "altered-event"), (5, "head-root-mismatch")]
    assert "events #5-#9" in report.problems[1].en


def test_unreadable_payload(platform: Platform, node_key: NodeKey, tamper: Tamper) -> None:
    emit(platform, [1, 1, 1])
    tamper("UPDATE events SET payload = 'not json' WHERE seq = 2")
    report = verify(platform, node_key)
    assert kinds(report)[0] == (2, "unreadable-event")


def test_deleted_last_event_is_missing(
    platform: Platform, node_key: NodeKey, tamper: Tamper
) -> None:
    emit(platform, [1, 2, 1, 1])
    tamper("DELETE FROM events WHERE seq = 5")
    report = verify(platform, node_key)
    assert kinds(report) == [(5, "missing-event")]
    assert report.events == 4 and report.size == 5
    assert "event #5 is missing" in report.problems[0].en


def test_deleted_middle_events_are_missing(
    platform: Platform, node_key: NodeKey, tamper: Tamper
) -> None:
    emit(platform, [1] * 9)
    tamper("DELETE FROM events WHERE seq IN (4, 5, 8)")
    report = verify(platform, node_key)
    # the stored leaf hashes stand in for the deleted events: nothing else is reported
    assert kinds(report) == [(4, "missing-event"), (8, "missing-event")]
    assert "events #4-#5 are missing" in report.problems[0].en


def test_deleted_event_and_its_ledger_leaf(
    platform: Platform, node_key: NodeKey, tamper: Tamper
) -> None:
    emit(platform, [3, 3])
    tamper(
        "DELETE FROM events WHERE seq = 6",
        "DELETE FROM ledger_nodes WHERE idx = 5 AND level = 0",
        "DELETE FROM ledger_nodes WHERE level > 0 AND idx = 2 AND level = 1",
    )
    report = verify(platform, node_key)
    assert report.first_problem is not None
    assert (report.first_problem.seq, report.first_problem.kind) == (6, "missing-event")
    assert report.root_hash is None


def test_truncated_log_behind_the_ledger_state(
    platform: Platform, node_key: NodeKey, tamper: Tamper
) -> None:
    emit(platform, [2, 2])
    tamper(
        "DELETE FROM events WHERE seq > 2",
        "DELETE FROM ledger_nodes WHERE (level = 0 AND idx > 1) OR level = 2 OR "
        "(level = 1 AND idx = 1)",
        "DELETE FROM tree_heads WHERE tree_size > 2",
    )
    report = verify(platform, node_key)
    assert kinds(report) == [(3, "missing-event")]  # ledger_state still says 4
    assert "events #3-#4 are missing" in report.problems[0].en


def test_ledger_state_behind_the_log(platform: Platform, node_key: NodeKey) -> None:
    emit(platform, [2, 2])
    with platform.engine.begin() as conn:  # ledger_state is not append-only
        conn.execute(text("UPDATE ledger_state SET size = 3"))
    report = verify(platform, node_key)
    assert kinds(report) == [(4, "size-mismatch")]


def test_missing_ledger_state_row(platform: Platform, node_key: NodeKey) -> None:
    emit(platform, [1])
    with platform.engine.begin() as conn:
        conn.execute(text("DELETE FROM ledger_state"))
    assert kinds(verify(platform, node_key)) == [(None, "size-mismatch")]


def test_a_forged_head_signature(platform: Platform, node_key: NodeKey, tamper: Tamper) -> None:
    emit(platform, [1, 1, 1, 1])
    with platform.read() as conn:
        head = log.head_at(conn, 3)
    assert head is not None
    forged = NodeKey.generate().sign(head.body.encode())
    tamper("UPDATE tree_heads SET signature = :s WHERE tree_size = 3", s=forged)
    report = verify(platform, node_key)
    assert kinds(report) == [(3, "head-signature-invalid")]
    assert report.problems[0].tree_size == 3
    assert verify(platform).ok  # without the key the forgery cannot be seen
    # the wrong key: every head fails, reported once
    wrong = verify(platform, NodeKey.generate())
    assert kinds(wrong) == [(1, "head-signature-invalid")]
    assert "3 later heads" in wrong.problems[0].en


def test_a_stored_subtree_hash_rewritten(
    platform: Platform, node_key: NodeKey, tamper: Tamper
) -> None:
    emit(platform, [8])
    tamper("UPDATE ledger_nodes SET hash = :h WHERE level = 1 AND idx = 2", h=b"\x00" * 32)
    report = verify(platform, node_key)
    # the events and the head still agree; only the stored subtree of events 5-6 is wrong
    assert kinds(report) == [(5, "node-mismatch")]
    assert "events #5-#6" in report.problems[0].en
    # proofs served from the altered node would not verify: verify_log says so before anyone
    tamper("DELETE FROM ledger_nodes WHERE level = 2 AND idx = 1")
    report = verify(platform, node_key)
    assert kinds(report) == [(5, "node-mismatch")]  # (2, 1) covers 5-8, already reported


def test_altered_event_with_consistently_rewritten_nodes_and_head_root(
    platform: Platform, node_key: NodeKey, tamper: Tamper
) -> None:
    emit(platform, [1] * 6)
    tamper("UPDATE events SET payload = :p WHERE seq = 4", p=json.dumps({"n": 400, "名": "测试"}))
    with platform.read() as conn:
        data = [ev.canonical() for ev in iter_events(conn)]
        old_nodes = {
            (int(lv), int(i)): bytes(h)
            for lv, i, h in conn.execute(text("SELECT level, idx, hash FROM ledger_nodes"))
        }
    new_nodes = all_nodes(data)
    rewrite = [
        (
            "UPDATE ledger_nodes SET hash = :h WHERE level = :l AND idx = :i",
            {"h": h, "l": lv, "i": i},
        )
        for (lv, i), h in new_nodes.items()
        if old_nodes[(lv, i)] != h
    ]
    assert len(rewrite) == 3  # leaf 3, (1, 1), (2, 0)
    heads = [
        (
            "UPDATE tree_heads SET root_hash = :r WHERE tree_size = :s",
            {"r": merkle_root(data[:s]), "s": s},
        )
        for s in range(4, 7)
    ]
    tamper(*rewrite, *heads)
    report = verify(platform, node_key)
    # the leaf and its subtrees agree now, but the heads' stored roots are not what they signed
    assert not report.ok
    assert report.first_problem is not None
    assert (report.first_problem.seq, report.first_problem.kind) == (4, "head-altered")
    assert (4, "head-root-mismatch") in kinds(report)
    assert "altered-event" not in {k for _, k in kinds(report)}

    # the attacker also rewrites the signed bodies: now only the signatures give it away
    bodies = []
    set_body = "UPDATE tree_heads SET body = :b WHERE tree_size = :s"
    with platform.read() as conn:
        for s in range(4, 7):
            head = log.head_at(conn, s)
            assert head is not None
            body = tree_head_body(head.node_id, s, merkle_root(data[:s]), head.signed_at)
            bodies.append((set_body, {"b": body, "s": s}))
    tamper(*bodies)
    report = verify(platform, node_key)
    assert kinds(report) == [(4, "head-signature-invalid")]
    assert verify(platform).ok  # which is why the node key must be checked


def test_problems_are_capped(platform: Platform, tamper: Tamper) -> None:
    emit(platform, [1] * 6)
    tamper("UPDATE events SET actor = 'account:mallory' WHERE seq IN (1, 3, 5)")
    report = verify(platform, max_problems=2)
    assert len(report.problems) == 2 and report.omitted == 2 and not report.ok
    assert any("2 more problems" in line for line in format_report(report))


def bulk_log(platform: Platform, n: int, heads_every: int) -> None:
    """Write n events, their ledger nodes and signed heads directly (fast), as the UoW would."""
    from ggzy.core.events import RecordedEvent, canonical_json
    from ggzy.core.tables import events
    from ggzy.ledger.tables import ledger_nodes, ledger_state

    now = platform.clock.now()
    nodes: dict[tuple[int, int], bytes] = {}
    with platform.engine.begin() as conn:
        rows, node_rows = [], []
        for seq in range(1, n + 1):
            ev = RecordedEvent(
                seq, now, "test-node", "420100", "account:test", "ThingHappened",
                "project", f"P{seq:06d}", {"n": seq, "名": "测试"}, (),
            )  # fmt: skip
            rows.append(
                {
                    "seq": seq, "recorded_at": now, "node_id": ev.node_id, "center": ev.center,
                    "actor": ev.actor, "type": ev.type, "subject_type": ev.subject_type,
                    "subject_id": ev.subject_id, "payload": canonical_json(ev.payload),
                    "documents": "[]",
                }
            )  # fmt: skip
            for level, idx, h in perfect_nodes_to_store(
                seq - 1, leaf_hash(ev.canonical()), lambda lv, j: nodes[(lv, j)]
            ):
                nodes[(level, idx)] = h
                node_rows.append({"level": level, "idx": idx, "hash": h})
            if seq % heads_every == 0 or seq == n:
                conn.execute(events.insert(), rows)
                conn.execute(ledger_nodes.insert(), node_rows)
                rows, node_rows = [], []
                conn.execute(ledger_state.update().values(size=seq))
                log.sign_head(conn, platform.node_key, "test-node", seq, now)


def test_verify_reads_in_batches(platform: Platform, node_key: NodeKey) -> None:
    n, batch = 1000, 100
    bulk_log(platform, n, heads_every=100)
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    event.listen(platform.engine, "before_cursor_execute", count)
    try:
        report = verify(platform, node_key, batch=batch)
    finally:
        event.remove(platform.engine, "before_cursor_execute", count)
    assert report.ok and report.events == n and report.heads == 10
    # 4 size queries, 2 per batch of leaves, 1-2 for the heads (and BEGIN on SQLite)
    assert len(statements) <= 4 + 2 * (n // batch) + 3, statements


def test_format_report_is_one_line_each(platform: Platform, tamper: Tamper) -> None:
    emit(platform, [2, 2])
    tamper("DELETE FROM events WHERE seq = 2")
    lines = format_report(verify(platform, NodeKey.generate()))
    assert all("\n" not in line and " / " in line for line in lines)
    assert lines[0].startswith("✘ [missing-event] #2")


def test_public_key_in_base64(node_key: NodeKey) -> None:
    assert len(base64.b64decode(node_key.public_b64())) == 32


def test_verify_a_bulk_written_log(platform: Platform, node_key: NodeKey, tamper: Tamper) -> None:
    bulk_log(platform, 3000, heads_every=250)
    report = verify(platform, node_key, batch=500)
    assert report.ok and (report.events, report.heads) == (3000, 12), format_report(report)
    tamper("UPDATE events SET subject_id = 'X' WHERE seq = 2600")
    report = verify(platform, node_key, batch=500)
    assert kinds(report) == [(2600, "altered-event"), (2501, "head-root-mismatch")]


@pytest.mark.slow
def test_verify_100k_events(platform: Platform, node_key: NodeKey) -> None:
    import time

    bulk_log(platform, 100_000, heads_every=100)
    t = time.perf_counter()
    report = verify(platform, node_key)
    elapsed = time.perf_counter() - t
    assert report.ok and report.events == 100_000 and report.heads == 1000
    assert elapsed < 60, elapsed
    print(f"verify_log: 100000 events, 1000 heads in {elapsed:.1f}s")

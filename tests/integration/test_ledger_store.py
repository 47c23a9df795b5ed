"""The stored Merkle log behind the unit of work, on SQLite and PostgreSQL."""

from __future__ import annotations

import math

import pytest
from sqlalchemy import Connection, func, select, text
from sqlalchemy.exc import DBAPIError

from ggzy.bootstrap import Platform
from ggzy.core.events import NewEvent, event_type
from ggzy.core.projections import iter_events
from ggzy.ledger import (
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    log,
    merkle_root,
    verify_consistency,
    verify_inclusion,
)
from ggzy.ledger.merkle import consistency_path, inclusion_path
from ggzy.ledger.signing import NodeKey, verify_signature
from ggzy.ledger.tables import ledger_nodes, ledger_state, tree_heads

event_type("ThingHappened", "某事发生", "a thing happened")


def emit(platform: Platform, sizes: list[int]) -> None:
    """One command per entry of sizes, each emitting that many ThingHappened events."""
    n = 0
    for size in sizes:
        with platform.command(actor="account:test", center="420100") as uow:
            for _ in range(size):
                n += 1
                uow.emit(NewEvent("ThingHappened", "project", f"P{n:05d}", {"n": n, "名": "测试"}))
        platform.clock.advance(seconds=1)  # type: ignore[attr-defined]


def leaves(conn: Connection) -> list[bytes]:
    return [ev.canonical() for ev in iter_events(conn)]


def counts(conn: Connection) -> tuple[int, int, int, int]:
    def n(table):  # type: ignore[no-untyped-def]
        return conn.execute(select(func.count()).select_from(table)).scalar_one()

    return (
        conn.execute(text("SELECT count(*) FROM events")).scalar_one(),
        n(ledger_nodes),
        n(tree_heads),
        conn.execute(select(ledger_state.c.size)).scalar_one(),
    )


def test_seqs_are_gapless_and_the_root_is_the_merkle_root(platform: Platform) -> None:
    emit(platform, [1, 3, 2, 1])
    with platform.read() as conn:
        seqs = conn.execute(text("SELECT seq FROM events ORDER BY seq")).scalars().all()
        assert seqs == list(range(1, 8))
        data = leaves(conn)
        assert log.current_size(conn) == 7
        assert log.root_at(conn, 7) == merkle_root(data)
        head = log.latest_head(conn)
        assert head is not None and head.tree_size == 7
        assert head.root_hash == merkle_root(data)
        for size in range(1, 8):
            assert log.root_at(conn, size) == merkle_root(data[:size])
        for i, d in enumerate(data):
            assert log.stored_leaf_hash(conn, i) == leaf_hash(d)


def test_each_committed_command_signs_one_head(platform: Platform, node_key: NodeKey) -> None:
    emit(platform, [2, 1, 4])
    with platform.command(actor="account:test"):
        pass  # a command that emits nothing signs nothing
    with platform.read() as conn:
        heads = log.all_heads(conn)
        data = leaves(conn)
    assert [h.tree_size for h in heads] == [2, 3, 7]
    for head in heads:
        assert head.node_id == "test-node"
        assert head.key_id == node_key.key_id
        assert head.root_hash == merkle_root(data[: head.tree_size])
        assert verify_signature(node_key.public_b64(), head.body, head.signature)
        assert head.as_json()["root_hash"] == head.root_hash.hex()
        assert not verify_signature(NodeKey.generate().public_b64(), head.body, head.signature)
    assert heads[0].signed_at < heads[1].signed_at < heads[2].signed_at


def test_every_proof_verifies_against_the_signed_heads(platform: Platform) -> None:
    emit(platform, [1, 1, 2, 3, 5, 8, 13, 1, 4])  # 38 events, 9 heads
    with platform.read() as conn:
        data = leaves(conn)
        heads = log.all_heads(conn)
        for head in heads:
            for index in range(head.tree_size):
                proof = log.inclusion(conn, index, head.tree_size)
                assert proof == inclusion_proof(data[: head.tree_size], index)
                assert verify_inclusion(
                    leaf_hash(data[index]), index, head.tree_size, proof, head.root_hash
                )
                # the proof is for this leaf only
                assert not verify_inclusion(
                    leaf_hash(data[index] + b" "), index, head.tree_size, proof, head.root_hash
                )
        for i, old in enumerate(heads):
            for new in heads[i:]:
                proof = log.consistency(conn, old.tree_size, new.tree_size)
                assert proof == consistency_proof(data[: new.tree_size], old.tree_size)
                assert verify_consistency(
                    old.tree_size, new.tree_size, old.root_hash, new.root_hash, proof
                )


def test_a_proof_reads_o_log_n_nodes(platform: Platform) -> None:
    n = 1000
    emit(platform, [100] * 9 + [99, 1])
    bound = 2 * math.log2(n) + 2
    with platform.read() as conn:
        data = leaves(conn)
        assert len(data) == n
        root = log.root_at(conn, n)
        worst = 0
        for index in [0, 1, 2, 3, 255, 256, 511, 512, 513, 767, 900, 991, 998, 999]:
            reader = log.NodeReader(conn)
            proof = inclusion_path(index, n, reader)
            assert verify_inclusion(leaf_hash(data[index]), index, n, proof, root)
            worst = max(worst, reader.reads)
        for old in [1, 2, 3, 100, 255, 256, 500, 511, 512, 777, 900, 999]:
            reader = log.NodeReader(conn)
            proof = consistency_path(old, n, reader)
            assert verify_consistency(old, n, merkle_root(data[:old]), root, proof)
            worst = max(worst, reader.reads)
        reader = log.NodeReader(conn)
        log.root_at(conn, n, reader)
        assert reader.reads <= math.log2(n) + 1
    assert worst <= bound, f"{worst} node reads for one proof, more than 2·log2(n)+2 = {bound:.1f}"


def test_a_command_that_raises_leaves_nothing(platform: Platform) -> None:
    emit(platform, [2])
    with platform.read() as conn:
        before = counts(conn)
    with (
        pytest.raises(RuntimeError, match="boom"),
        platform.command(actor="account:test") as uow,
    ):
        uow.emit(NewEvent("ThingHappened", "project", "P9", {"n": 9}))
        uow.emit(NewEvent("ThingHappened", "project", "P10", {"n": 10}))
        raise RuntimeError("boom")
    with (
        pytest.raises(ValueError, match="undeclared"),
        platform.command(actor="account:test") as uow,
    ):
        uow.emit(NewEvent("ThingHappened", "project", "P9", {"n": 9}))
        uow.emit(NewEvent("NothingDeclared", "project", "P9", {}))
    with platform.read() as conn:
        assert counts(conn) == before == (2, 3, 1, 2)
    emit(platform, [1])
    with platform.read() as conn:
        assert counts(conn) == (3, 4, 2, 3)
        assert conn.execute(text("SELECT max(seq) FROM events")).scalar_one() == 3


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE events SET payload = '{}' WHERE seq = 1",
        "UPDATE events SET actor = 'account:mallory'",
        "DELETE FROM events WHERE seq = 2",
        "DELETE FROM events",
        "UPDATE tree_heads SET tree_size = 99",
        "DELETE FROM tree_heads",
        "UPDATE ledger_nodes SET hash = hash WHERE level = 0 AND idx = 0",
        "DELETE FROM ledger_nodes WHERE level = 1",
    ],
)
def test_the_database_refuses_update_and_delete(platform: Platform, sql: str) -> None:
    emit(platform, [2])
    with platform.read() as conn:
        before = leaves(conn), log.all_heads(conn)
    with pytest.raises(DBAPIError, match="append-only"), platform.engine.begin() as conn:
        conn.execute(text(sql))
    with platform.read() as conn:
        assert counts(conn) == (2, 3, 1, 2)
        assert (leaves(conn), log.all_heads(conn)) == before
    emit(platform, [1])  # the connection pool is still usable after the refusal

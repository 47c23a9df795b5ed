"""The stored Merkle log: appends keep every complete subtree hash, so proofs cost O(log n) reads.

Leaf i (0-based) is the canonical bytes of the event with sequence i + 1.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, bindparam, select, tuple_, update

from ggzy.ledger.merkle import (
    consistency_path,
    inclusion_path,
    leaf_hash,
    perfect_nodes_to_store,
    subtree_hash,
)
from ggzy.ledger.signing import NodeKey, tree_head_body
from ggzy.ledger.tables import ledger_nodes, ledger_state, tree_heads

_SET_SIZE = update(ledger_state).where(ledger_state.c.id == 1).values(size=bindparam("new_size"))
EMPTY_ROOT = bytes.fromhex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")


@dataclass(frozen=True)
class TreeHead:
    """A signed tree head (STH): size, root, time, and the node's signature over them."""

    tree_size: int
    root_hash: bytes
    signed_at: datetime
    node_id: str
    key_id: str
    signature: bytes
    body: str

    def as_json(self) -> dict[str, object]:
        """JSON form served at /api/v1/ledger/tree-head."""
        return {
            "tree_size": self.tree_size,
            "root_hash": self.root_hash.hex(),
            "timestamp": json.loads(self.body)["timestamp"],
            "node": self.node_id,
            "key_id": self.key_id,
            "signature": base64.b64encode(self.signature).decode(),
            "signed_body": self.body,
        }


def lock_size(conn: Connection) -> int:
    """Lock the log for this transaction and return its size (serialises writers)."""
    q = select(ledger_state.c.size).where(ledger_state.c.id == 1).with_for_update()
    size = conn.execute(q).scalar_one_or_none()
    if size is None:
        raise RuntimeError("ledger_state is missing: run `ggzy db upgrade`")
    return int(size)


def current_size(conn: Connection) -> int:
    """Size of the log without locking it."""
    size = conn.execute(select(ledger_state.c.size).where(ledger_state.c.id == 1)).scalar()
    return int(size or 0)


_NODE = select(ledger_nodes.c.hash).where(
    ledger_nodes.c.level == bindparam("level"), ledger_nodes.c.idx == bindparam("idx")
)


class NodeReader:
    """Reads stored complete-subtree hashes, caching them for one request."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.cache: dict[tuple[int, int], bytes] = {}
        self.reads = 0

    def __call__(self, level: int, idx: int) -> bytes:
        key = (level, idx)
        if key not in self.cache:
            self.reads += 1
            value = self.conn.execute(_NODE, {"level": level, "idx": idx}).scalar_one_or_none()
            if value is None:
                raise LookupError(f"ledger node ({level}, {idx}) is missing")
            self.cache[key] = bytes(value)
        return self.cache[key]

    def prefetch(self, keys: Sequence[tuple[int, int]]) -> None:
        """Read many nodes in one query."""
        wanted = [k for k in keys if k not in self.cache]
        if not wanted:
            return
        q = select(ledger_nodes.c.level, ledger_nodes.c.idx, ledger_nodes.c.hash).where(
            tuple_(ledger_nodes.c.level, ledger_nodes.c.idx).in_(wanted)
        )
        self.reads += 1
        for level, idx, value in self.conn.execute(q):
            self.cache[(int(level), int(idx))] = bytes(value)


def append_leaves(
    conn: Connection, first_index: int, leaves: Sequence[bytes], reader: NodeReader | None = None
) -> None:
    """Append raw leaves at first_index…; store new subtree hashes and the new size.

    Pass the same reader for successive appends in one transaction: it remembers the nodes
    just written, so the left siblings of later appends cost no reads.
    """
    reader = reader or NodeReader(conn)
    rows: list[dict[str, object]] = []
    for offset, data in enumerate(leaves):
        index = first_index + offset
        for level, idx, digest in perfect_nodes_to_store(index, leaf_hash(data), reader):
            reader.cache[(level, idx)] = digest
            rows.append({"level": level, "idx": idx, "hash": digest})
    if rows:
        conn.execute(ledger_nodes.insert(), rows)
    conn.execute(_SET_SIZE, {"new_size": first_index + len(leaves)})


def root_at(conn: Connection, size: int, reader: NodeReader | None = None) -> bytes:
    """Root hash of the first `size` leaves."""
    if size == 0:
        return EMPTY_ROOT
    return subtree_hash(0, size, reader or NodeReader(conn))


def stored_leaf_hash(conn: Connection, index: int) -> bytes:
    """The leaf hash stored for leaf `index`."""
    return NodeReader(conn)(0, index)


def inclusion(conn: Connection, index: int, tree_size: int) -> list[bytes]:
    """Inclusion proof of leaf `index` in the tree of `tree_size` leaves."""
    return inclusion_path(index, tree_size, NodeReader(conn))


def consistency(conn: Connection, old_size: int, new_size: int) -> list[bytes]:
    """Consistency proof between two tree sizes."""
    return consistency_path(old_size, new_size, NodeReader(conn))


def sign_head(conn: Connection, key: NodeKey, node_id: str, size: int, now: datetime) -> TreeHead:
    """Compute the root at `size`, sign it with the node key and store the head."""
    root = root_at(conn, size)
    body = tree_head_body(node_id, size, root, now)
    head = TreeHead(size, root, now, node_id, key.key_id, key.sign(body.encode()), body)
    conn.execute(
        tree_heads.insert().values(
            tree_size=size,
            root_hash=root,
            signed_at=now,
            node_id=node_id,
            key_id=head.key_id,
            signature=head.signature,
            body=body,
        )
    )
    return head


def head_from_row(row: object) -> TreeHead:
    """A TreeHead from a tree_heads row."""
    r = row._mapping  # type: ignore[attr-defined]
    return TreeHead(
        int(r["tree_size"]),
        bytes(r["root_hash"]),
        r["signed_at"],
        r["node_id"],
        r["key_id"],
        bytes(r["signature"]),
        r["body"],
    )


def latest_head(conn: Connection) -> TreeHead | None:
    """The newest signed tree head."""
    row = conn.execute(select(tree_heads).order_by(tree_heads.c.tree_size.desc()).limit(1)).first()
    return head_from_row(row) if row else None


def head_at(conn: Connection, size: int) -> TreeHead | None:
    """The signed tree head for exactly `size` leaves, if one was signed."""
    row = conn.execute(select(tree_heads).where(tree_heads.c.tree_size == size)).first()
    return head_from_row(row) if row else None


def heads_after(conn: Connection, after: int, limit: int) -> list[TreeHead]:
    """Signed tree heads with tree_size > after, oldest first (a page)."""
    q = select(tree_heads).where(tree_heads.c.tree_size > after)
    rows = conn.execute(q.order_by(tree_heads.c.tree_size).limit(limit))
    return [head_from_row(r) for r in rows]


def all_heads(conn: Connection) -> list[TreeHead]:
    """Every signed tree head, oldest first."""
    rows = conn.execute(select(tree_heads).order_by(tree_heads.c.tree_size))
    return [head_from_row(r) for r in rows]

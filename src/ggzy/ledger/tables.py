"""Tables of the stored Merkle log: its size, complete subtree hashes and signed tree heads."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Integer, LargeBinary, String, Table, Text

from ggzy.db import UTCDateTime, metadata

# One row: the log's size. Every command transaction locks it, which serialises appends so
# that sequence numbers are gapless and in commit order.
ledger_state = Table(
    "ledger_state",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("size", BigInteger, nullable=False),
)

# Hash of every complete aligned subtree: (level, index) covers leaves
# [index·2^level, (index+1)·2^level). Level 0 holds the leaf hashes. A proof reads O(log n).
ledger_nodes = Table(
    "ledger_nodes",
    metadata,
    Column("level", Integer, primary_key=True, autoincrement=False),
    Column("idx", BigInteger, primary_key=True, autoincrement=False),
    Column("hash", LargeBinary(32), nullable=False),
)

# Signed tree heads (签名树头), one per committed command.
tree_heads = Table(
    "tree_heads",
    metadata,
    Column("tree_size", BigInteger, primary_key=True, autoincrement=False),
    Column("root_hash", LargeBinary(32), nullable=False),
    Column("signed_at", UTCDateTime(), nullable=False),
    Column("node_id", String(64), nullable=False),
    Column("key_id", String(64), nullable=False),
    Column("signature", LargeBinary, nullable=False),
    Column("body", Text, nullable=False),
)

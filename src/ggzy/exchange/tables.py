"""Tables of the exchange: known peers, what was replicated from them, witnessed heads."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, Integer, LargeBinary, String, Table, Text

from ggzy.db import UTCDateTime, metadata

# A peer node this node follows (its feed) and witnesses (its tree heads).
peers = Table(
    "peers",
    metadata,
    Column("node_id", String(64), primary_key=True),
    Column("url", String(500), nullable=False),
    Column("public_key", String(100), nullable=False),  # Ed25519, base64
    Column("key_id", String(64), nullable=False),
    Column("name", String(200), nullable=False),
    Column("added_at", UTCDateTime(), nullable=False),
    Column("pulled", BigInteger, nullable=False),  # the last sequence number read from its feed
    Column("frontier", Text, nullable=False),  # JSON: the Merkle frontier of its leaves so far
    Column("verified_size", BigInteger, nullable=False),  # its newest head checked and cosigned
    Column("verified_root", LargeBinary(32)),
    Column("status", String(16), nullable=False),  # ok | alert
    Column("alert", Text),  # JSON: why its last head was refused
)

# Events of peers that this node applied to its own state (registry, trust list, ...):
# kept with their exact leaf data, so projections can be rebuilt and proofs checked.
peer_events = Table(
    "peer_events",
    metadata,
    Column("node_id", String(64), primary_key=True),
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("type", String(64), nullable=False),
    Column("canonical", Text, nullable=False),
    Column("status", String(16), nullable=False),  # applied | conflict
    Column("note", Text),
    Column("received_at", UTCDateTime(), nullable=False),
    Index("ix_peer_events_status", "status"),
)

# Cosignatures (见证签名): this node's signatures over peers' tree heads it verified, and
# peers' signatures over this node's heads that they publish.
cosignatures = Table(
    "cosignatures",
    metadata,
    Column("witness", String(64), primary_key=True),  # the node that cosigned
    Column("node_id", String(64), primary_key=True),  # the node whose head it is
    Column("tree_size", BigInteger, primary_key=True, autoincrement=False),
    Column("root_hash", LargeBinary(32), nullable=False),
    Column("signed_at", UTCDateTime(), nullable=False),
    Column("key_id", String(64), nullable=False),
    Column("signature", LargeBinary, nullable=False),
    Column("body", Text, nullable=False),
)

# Projects of other nodes, from their public events (交易一张网: one workspace for every
# center of the network); acted on at their own node.
network_projects = Table(
    "network_projects",
    metadata,
    Column("node_id", String(64), primary_key=True),
    Column("code", String(18), primary_key=True),
    Column("title", String(200), nullable=False),
    Column("center", String(6), nullable=False),
    Column("method", String(64), nullable=False),
    Column("stage", String(32), nullable=False),
    Column("bid_deadline", String(40)),
    Column("updated_at", UTCDateTime(), nullable=False),
)

# Media a notice is pushed to (信息发布): signed webhooks, email, a file drop for a national
# platform; the Atom feed is read, not pushed. The secret signs webhook bodies (HMAC-SHA256).
media = Table(
    "media",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("kind", String(16), nullable=False),  # webhook | email | file
    Column("name", String(100), nullable=False),
    Column("target", String(500), nullable=False),
    Column("secret", String(100)),
    Column("active", Integer, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
)

# One notice to one medium: pending → delivered, or failed and retried with backoff, or dead
# (the dead-letter view) after the last attempt.
deliveries = Table(
    "deliveries",
    metadata,
    Column("id", String(80), primary_key=True),  # medium-seq
    Column("medium", String(32), nullable=False),
    Column("seq", BigInteger, nullable=False),  # the notice's event
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_at", UTCDateTime(), nullable=False),
    Column("last_error", Text),
    Column("delivered_at", UTCDateTime()),
    Index("ix_deliveries_due", "status", "next_at"),
    Index("ix_deliveries_seq", "seq"),
)

# How far the notices were read into deliveries (one row).
media_cursor = Table(
    "media_cursor",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("last_seq", BigInteger, nullable=False),
)

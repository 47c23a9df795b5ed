"""exchange: peers, replicated peer events and cosignatures of tree heads

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create peers, peer_events and cosignatures."""
    op.create_table(
        "peers",
        sa.Column("node_id", sa.String(length=64), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("public_key", sa.String(length=100), nullable=False),
        sa.Column("key_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("pulled", sa.BigInteger(), nullable=False),
        sa.Column("frontier", sa.Text(), nullable=False),
        sa.Column("verified_size", sa.BigInteger(), nullable=False),
        sa.Column("verified_root", sa.LargeBinary(length=32), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("alert", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("node_id", name=op.f("pk_peers")),
    )
    op.create_table(
        "peer_events",
        sa.Column("node_id", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("type", sa.String(length=64), nullable=False),
        sa.Column("canonical", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("node_id", "seq", name=op.f("pk_peer_events")),
    )
    op.create_index("ix_peer_events_status", "peer_events", ["status"])
    op.create_table(
        "cosignatures",
        sa.Column("witness", sa.String(length=64), nullable=False),
        sa.Column("node_id", sa.String(length=64), nullable=False),
        sa.Column("tree_size", sa.BigInteger(), nullable=False),
        sa.Column("root_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("key_id", sa.String(length=64), nullable=False),
        sa.Column("signature", sa.LargeBinary(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("witness", "node_id", "tree_size", name=op.f("pk_cosignatures")),
    )


def downgrade() -> None:
    """Drop the exchange tables."""
    op.drop_table("cosignatures")
    op.drop_index("ix_peer_events_status", table_name="peer_events")
    op.drop_table("peer_events")
    op.drop_table("peers")

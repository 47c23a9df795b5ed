"""experts: the expert pool shared by the network, and performance ratings

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | Sequence[str] | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create experts and expert_ratings."""
    op.create_table(
        "experts",
        sa.Column("id", sa.String(length=80), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("id_masked", sa.String(length=18), nullable=False),
        sa.Column("id_hash", sa.String(length=64), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("employer", sa.String(length=18), nullable=False),
        sa.Column("employer_name", sa.String(length=200), nullable=False),
        sa.Column("region", sa.String(length=6), nullable=False),
        sa.Column("specialities", sa.Text(), nullable=False),
        sa.Column("title", sa.String(length=8), nullable=False),
        sa.Column("years", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("leave_from", sa.Date(), nullable=True),
        sa.Column("leave_until", sa.Date(), nullable=True),
        sa.Column("blacklisted_until", sa.Date(), nullable=True),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("node_id", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_experts")),
        sa.UniqueConstraint("username", name=op.f("uq_experts_username")),
        sa.UniqueConstraint("id_hash", name=op.f("uq_experts_id_hash")),
    )
    op.create_table(
        "expert_ratings",
        sa.Column("expert", sa.String(length=80), nullable=False),
        sa.Column("project", sa.String(length=18), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("rated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("expert", "project", name=op.f("pk_expert_ratings")),
    )


def downgrade() -> None:
    """Drop the expert pool."""
    op.drop_table("expert_ratings")
    op.drop_table("experts")

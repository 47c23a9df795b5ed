"""transfer: reserve prices, bid applications and quotes of land and mining-rights transfer

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create transfer_reserves, transfer_applications and transfer_quotes (projections)."""
    op.create_table(
        "transfer_reserves",
        sa.Column("project", sa.String(length=18), nullable=False),
        sa.Column("price", sa.BigInteger(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("project", name=op.f("pk_transfer_reserves")),
    )
    op.create_table(
        "transfer_applications",
        sa.Column("project", sa.String(length=18), nullable=False),
        sa.Column("bidder", sa.String(length=18), nullable=False),
        sa.Column("paddle", sa.Integer(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deposit", sa.BigInteger(), nullable=True),
        sa.Column("deposit_confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("continue_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("project", "bidder", name=op.f("pk_transfer_applications")),
    )
    op.create_index(
        "ix_transfer_applications_project_paddle",
        "transfer_applications",
        ["project", "paddle"],
        unique=True,
    )
    op.create_table(
        "transfer_quotes",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("project", sa.String(length=18), nullable=False),
        sa.Column("bidder", sa.String(length=18), nullable=False),
        sa.Column("paddle", sa.Integer(), nullable=False),
        sa.Column("phase", sa.String(length=16), nullable=False),
        sa.Column("price", sa.BigInteger(), nullable=False),
        sa.Column("quoted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_transfer_quotes")),
    )
    op.create_index("ix_transfer_quotes_project", "transfer_quotes", ["project"], unique=False)


def downgrade() -> None:
    """Drop the transfer tables."""
    op.drop_index("ix_transfer_quotes_project", table_name="transfer_quotes")
    op.drop_table("transfer_quotes")
    op.drop_index("ix_transfer_applications_project_paddle", table_name="transfer_applications")
    op.drop_table("transfer_applications")
    op.drop_table("transfer_reserves")

"""opening keys: a center's opening public key and the shares officers hand in at an opening

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create opening_keys (a projection) and opening_shares (transient secrets)."""
    op.create_table(
        "opening_keys",
        sa.Column("key_id", sa.String(length=64), nullable=False),
        sa.Column("center", sa.String(length=16), nullable=False),
        sa.Column("public_pem", sa.Text(), nullable=False),
        sa.Column("threshold", sa.Integer(), nullable=False),
        sa.Column("shares", sa.Integer(), nullable=False),
        sa.Column("set_id", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key_id", name=op.f("pk_opening_keys")),
    )
    op.create_table(
        "opening_shares",
        sa.Column("project", sa.String(length=18), nullable=False),
        sa.Column("share_index", sa.Integer(), nullable=False),
        sa.Column("officer", sa.String(length=64), nullable=False),
        sa.Column("share", sa.Text(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("project", "share_index", name=op.f("pk_opening_shares")),
    )


def downgrade() -> None:
    """Drop the opening-key tables."""
    op.drop_table("opening_shares")
    op.drop_table("opening_keys")

"""network_projects: other nodes' projects from their public events (交易一张网)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create network_projects."""
    op.create_table(
        "network_projects",
        sa.Column("node_id", sa.String(length=64), nullable=False),
        sa.Column("code", sa.String(length=18), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("center", sa.String(length=6), nullable=False),
        sa.Column("method", sa.String(length=64), nullable=False),
        sa.Column("stage", sa.String(length=32), nullable=False),
        sa.Column("bid_deadline", sa.String(length=40), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("node_id", "code", name=op.f("pk_network_projects")),
    )


def downgrade() -> None:
    """Drop network_projects."""
    op.drop_table("network_projects")

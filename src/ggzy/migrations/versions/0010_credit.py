"""credit: credit records (失信名单) as a projection

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create credit_records."""
    op.create_table(
        "credit_records",
        sa.Column("id", sa.String(length=80), nullable=False),
        sa.Column("credit_code", sa.String(length=18), nullable=False),
        sa.Column("list", sa.String(length=32), nullable=False),
        sa.Column("authority", sa.String(length=200), nullable=False),
        sa.Column("decision", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("starts", sa.Date(), nullable=False),
        sa.Column("ends", sa.Date(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("repaired_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("repair_reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_records")),
    )
    op.create_index(
        op.f("ix_credit_records_credit_code"), "credit_records", ["credit_code"], unique=False
    )


def downgrade() -> None:
    """Drop credit_records."""
    op.drop_index(op.f("ix_credit_records_credit_code"), table_name="credit_records")
    op.drop_table("credit_records")

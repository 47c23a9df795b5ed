"""entity_certificates: certificates bound to market entities (a projection of CertificateBound)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create entity_certificates."""
    op.create_table(
        "entity_certificates",
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("entity", sa.String(length=18), nullable=False),
        sa.Column("usage", sa.String(length=10), nullable=False),
        sa.Column("algorithm", sa.String(length=16), nullable=False),
        sa.Column("subject", sa.String(length=500), nullable=False),
        sa.Column("issuer", sa.String(length=500), nullable=False),
        sa.Column("not_after", sa.DateTime(timezone=True), nullable=False),
        sa.Column("der", sa.LargeBinary(), nullable=False),
        sa.Column("bound_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("fingerprint", name=op.f("pk_entity_certificates")),
    )
    op.create_index(
        "ix_entity_certificates_entity", "entity_certificates", ["entity", "usage"], unique=False
    )


def downgrade() -> None:
    """Drop entity_certificates."""
    op.drop_index("ix_entity_certificates_entity", table_name="entity_certificates")
    op.drop_table("entity_certificates")

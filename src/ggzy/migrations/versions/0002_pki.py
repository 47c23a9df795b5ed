"""pki: the CA trust list, imported CRLs and their revoked serials

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23

trusted_cas is a projection of CertificateAuthorityAdded/Removed events; crls and
revoked_certificates are written by the CRL import command (ggzy.pki.trust).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _utc() -> sa.DateTime:
    """ggzy.db.UTCDateTime stores as DateTime(timezone=True)."""
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create trusted_cas, crls and revoked_certificates."""
    op.create_table(
        "trusted_cas",
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("issuer", sa.Text(), nullable=False),
        sa.Column("serial", sa.String(length=64), nullable=False),
        sa.Column("algorithm", sa.String(length=16), nullable=False),
        sa.Column("not_before", _utc(), nullable=False),
        sa.Column("not_after", _utc(), nullable=False),
        sa.Column("der", sa.LargeBinary(), nullable=False),
        sa.Column("added_by", sa.String(length=64), nullable=False),
        sa.Column("added_at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint("fingerprint", name=op.f("pk_trusted_cas")),
    )
    op.create_table(
        "crls",
        sa.Column("issuer_fingerprint", sa.String(length=64), nullable=False),
        sa.Column("issuer", sa.Text(), nullable=False),
        sa.Column("crl_number", sa.String(length=50), nullable=True),
        sa.Column("this_update", _utc(), nullable=False),
        sa.Column("next_update", _utc(), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("der", sa.LargeBinary(), nullable=False),
        sa.Column("revoked_count", sa.Integer(), nullable=False),
        sa.Column("imported_by", sa.String(length=64), nullable=False),
        sa.Column("imported_at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint("issuer_fingerprint", name=op.f("pk_crls")),
    )
    op.create_table(
        "revoked_certificates",
        sa.Column("issuer_fingerprint", sa.String(length=64), nullable=False),
        sa.Column("serial", sa.String(length=64), nullable=False),
        sa.Column("revoked_at", _utc(), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=True),
        sa.PrimaryKeyConstraint(
            "issuer_fingerprint", "serial", name=op.f("pk_revoked_certificates")
        ),
    )
    op.create_index("ix_revoked_certificates_serial", "revoked_certificates", ["serial"])


def downgrade() -> None:
    """Drop the PKI tables."""
    op.drop_index("ix_revoked_certificates_serial", table_name="revoked_certificates")
    op.drop_table("revoked_certificates")
    op.drop_table("crls")
    op.drop_table("trusted_cas")

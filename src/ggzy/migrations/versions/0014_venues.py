"""venues: evaluation venues and seats, seat bookings, expert engagements, declared relations

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | Sequence[str] | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create venues, venue_closures, seat_bookings, expert_engagements; experts.relations."""
    with op.batch_alter_table("experts") as batch:
        batch.add_column(sa.Column("relations", sa.Text(), nullable=False, server_default="[]"))
    op.create_table(
        "venues",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("level", sa.String(length=8), nullable=False),
        sa.Column("region", sa.String(length=6), nullable=False),
        sa.Column("address", sa.String(length=200), nullable=False),
        sa.Column("seats", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_venues")),
    )
    op.create_table(
        "venue_closures",
        sa.Column("venue", sa.String(length=40), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("venue", "day", name=op.f("pk_venue_closures")),
    )
    op.create_table(
        "seat_bookings",
        sa.Column("venue", sa.String(length=40), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("seat", sa.Integer(), nullable=False),
        sa.Column("draw", sa.String(length=40), nullable=False),
        sa.Column("occupant", sa.String(length=80), nullable=False),
        sa.PrimaryKeyConstraint("venue", "day", "seat", name=op.f("pk_seat_bookings")),
    )
    op.create_index("ix_seat_bookings_draw", "seat_bookings", ["draw"])
    op.create_table(
        "expert_engagements",
        sa.Column("expert", sa.String(length=80), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("draw", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("expert", "day", name=op.f("pk_expert_engagements")),
    )
    op.create_index("ix_expert_engagements_draw", "expert_engagements", ["draw"])


def downgrade() -> None:
    """Drop the venues and the declared relations."""
    op.drop_index("ix_expert_engagements_draw", "expert_engagements")
    op.drop_table("expert_engagements")
    op.drop_index("ix_seat_bookings_draw", "seat_bookings")
    op.drop_table("seat_bookings")
    op.drop_table("venue_closures")
    op.drop_table("venues")
    with op.batch_alter_table("experts") as batch:
        batch.drop_column("relations")

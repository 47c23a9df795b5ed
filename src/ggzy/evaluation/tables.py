"""The expert pool (评标专家库) as projections of the expert events."""

from __future__ import annotations

from sqlalchemy import Column, Date, Integer, String, Table, Text

from ggzy.core.projections import projection_table
from ggzy.db import UTCDateTime, metadata

experts = projection_table(
    Table(
        "experts",
        metadata,
        Column("id", String(80), primary_key=True),  # node-seq of the ExpertApplied event
        Column("username", String(64), nullable=False, unique=True),
        Column("name", String(40), nullable=False),
        Column("id_masked", String(18), nullable=False),
        Column("id_hash", String(64), nullable=False, unique=True),
        Column("phone", String(20), nullable=False),
        Column("employer", String(18), nullable=False),
        Column("employer_name", String(200), nullable=False),
        Column("region", String(6), nullable=False),
        Column("specialities", Text, nullable=False),  # JSON list of codes
        Column("title", String(8), nullable=False),
        Column("years", Integer, nullable=False),
        Column("status", String(16), nullable=False),  # applied | active | rejected
        Column("leave_from", Date),
        Column("leave_until", Date),
        Column("blacklisted_until", Date),
        Column("applied_at", UTCDateTime(), nullable=False),
        Column("reviewed_at", UTCDateTime()),
        Column("node_id", String(64), nullable=False),  # the node it applied at
    )
)

expert_ratings = projection_table(
    Table(
        "expert_ratings",
        metadata,
        Column("expert", String(80), primary_key=True),
        Column("project", String(18), primary_key=True),
        Column("score", Integer, nullable=False),
        Column("comment", Text, nullable=False),
        Column("rated_at", UTCDateTime(), nullable=False),
    )
)

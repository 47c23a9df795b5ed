"""The expert pool (评标专家库) as projections of the expert events."""

from __future__ import annotations

from sqlalchemy import Column, Date, Index, Integer, String, Table, Text

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
        # JSON list of declared relations (回避申报): former employers, related entities, relatives
        Column("relations", Text, nullable=False, server_default="[]"),
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


# 评标场地: province, city and county venues with numbered seats (机位)
venues = projection_table(
    Table(
        "venues",
        metadata,
        Column("id", String(40), primary_key=True),
        Column("name", String(100), nullable=False),
        Column("level", String(8), nullable=False),  # province | city | county
        Column("region", String(6), nullable=False),  # GB/T 2260
        Column("address", String(200), nullable=False),
        Column("seats", Integer, nullable=False),
        Column("status", String(8), nullable=False),  # open | closed
        Column("registered_at", UTCDateTime(), nullable=False),
    )
)

venue_closures = projection_table(
    Table(
        "venue_closures",
        metadata,
        Column("venue", String(40), primary_key=True),
        Column("day", Date, primary_key=True),
        Column("reason", String(200), nullable=False),
    )
)

# one row per seat and day: the primary key is what makes a double booking impossible
seat_bookings = projection_table(
    Table(
        "seat_bookings",
        metadata,
        Column("venue", String(40), primary_key=True),
        Column("day", Date, primary_key=True),
        Column("seat", Integer, primary_key=True),
        Column("draw", String(40), nullable=False),
        Column("occupant", String(80), nullable=False),  # expert id, or draw id + "/rep-N"
        Index("ix_seat_bookings_draw", "draw"),
    )
)

# an expert sits on one committee a day: the primary key refuses a second
expert_engagements = projection_table(
    Table(
        "expert_engagements",
        metadata,
        Column("expert", String(80), primary_key=True),
        Column("day", Date, primary_key=True),
        Column("draw", String(40), nullable=False),
        Index("ix_expert_engagements_draw", "draw"),
    )
)

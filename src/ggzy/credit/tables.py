"""Credit records (信用记录) as a projection of CreditRecordAdded / CreditRecordRepaired."""

from __future__ import annotations

from sqlalchemy import Column, Date, String, Table, Text

from ggzy.core.projections import projection_table
from ggzy.db import UTCDateTime, metadata

credit_records = projection_table(
    Table(
        "credit_records",
        metadata,
        Column("id", String(80), primary_key=True),  # node-seq of the CreditRecordAdded event
        Column("credit_code", String(18), nullable=False, index=True),
        Column("list", String(32), nullable=False),
        Column("authority", String(200), nullable=False),
        Column("decision", String(200), nullable=False),
        Column("reason", Text, nullable=False),
        Column("starts", Date, nullable=False),
        Column("ends", Date),  # None: until repaired
        Column("recorded_at", UTCDateTime(), nullable=False),
        Column("repaired_at", UTCDateTime()),
        Column("repair_reason", Text),
    )
)

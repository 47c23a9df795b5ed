"""Bids (投标文件): sealed until opening. Only hashes and status are visible before then."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, String, Table, Text

from ggzy.core.projections import projection_table
from ggzy.db import UTCDateTime, metadata

bids = projection_table(
    Table(
        "bids",
        metadata,
        Column("seq", BigInteger, primary_key=True, autoincrement=False),  # BidSubmitted event
        Column("project", String(18), nullable=False),
        Column("bidder", String(18), nullable=False),
        Column("status", String(16), nullable=False),  # submitted|superseded|withdrawn|opened
        Column("sealed_sha256", String(64), nullable=False),
        Column("submitted_at", UTCDateTime(), nullable=False),
        Column("price", BigInteger),  # 分, known only after opening (唱标)
        Column("opened", Text),  # JSON of the opening record of this bid
        Index("ix_bids_project_bidder", "project", "bidder"),
    )
)

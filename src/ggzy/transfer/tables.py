"""Projections of transfer events (出让): reserve prices, bid applications and quotes.

Only ggzy.db and the projection registry are imported here, so ggzy.schema can load the
tables without the handlers. Every table is rebuilt from the event log by
ggzy.core.projections.rebuild.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, Integer, String, Table

from ggzy.core.projections import projection_table
from ggzy.db import UTCDateTime, metadata

# 底价: the transferor's confidential reserve price, one row per project (the latest setting).
# Kept out of project data on purpose: only the closing effects read it.
transfer_reserves = projection_table(
    Table(
        "transfer_reserves",
        metadata,
        Column("project", String(18), primary_key=True),
        Column("price", BigInteger, nullable=False),  # 分
        Column("seq", BigInteger, nullable=False),  # the ReservePriceSet event
        Column("set_at", UTCDateTime(), nullable=False),
    )
)

# 竞买申请: who applied (confidential until the result), its bidder number (竞买号), the
# confirmed deposit (竞买保证金) and whether it asked to continue after the listing close.
transfer_applications = projection_table(
    Table(
        "transfer_applications",
        metadata,
        Column("project", String(18), primary_key=True),
        Column("bidder", String(18), primary_key=True),
        Column("paddle", Integer, nullable=False),  # 竞买号, unique per project
        Column("seq", BigInteger, nullable=False),  # the application event
        Column("applied_at", UTCDateTime(), nullable=False),
        Column("deposit", BigInteger),  # 分, the confirmed amount
        Column("deposit_confirmed_at", UTCDateTime()),
        Column("continue_at", UTCDateTime()),  # 表示愿意继续竞价
        Index("ix_transfer_applications_project_paddle", "project", "paddle", unique=True),
    )
)

# 报价: listing quotes (online or written slips the host records) and live-auction bids.
transfer_quotes = projection_table(
    Table(
        "transfer_quotes",
        metadata,
        Column("seq", BigInteger, primary_key=True, autoincrement=False),
        Column("project", String(18), nullable=False),
        Column("bidder", String(18), nullable=False),
        Column("paddle", Integer, nullable=False),
        Column("phase", String(16), nullable=False),  # listing | auction
        Column("price", BigInteger, nullable=False),  # 分
        Column("quoted_at", UTCDateTime(), nullable=False),  # handed in (slip) or received
        Column("recorded_at", UTCDateTime(), nullable=False),  # confirmed on the platform
        Index("ix_transfer_quotes_project", "project"),
    )
)

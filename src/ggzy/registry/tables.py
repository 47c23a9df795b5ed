"""Registry tables. centers/entities/accounts are projections of events; secrets are not."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, String, Table, Text

from ggzy.core.projections import projection_table
from ggzy.db import UTCDateTime, metadata

# 交易中心
centers = projection_table(
    Table(
        "centers",
        metadata,
        Column("code", String(16), primary_key=True),  # GB/T 2260 region of the center
        Column("name", String(100), nullable=False),
        Column("short_name", String(20), nullable=False),
        Column("node_id", String(64), nullable=False),
        Column("registered_at", UTCDateTime(), nullable=False),
    )
)

# 市场主体: registered once per network, keyed by the unified social credit code.
entities = projection_table(
    Table(
        "entities",
        metadata,
        Column("credit_code", String(18), primary_key=True),
        Column("name", String(200), nullable=False),
        Column("kinds", Text, nullable=False),  # JSON list: bidder, tenderee, agency
        Column("region", String(6), nullable=False),
        Column("legal_representative", String(50), nullable=False),
        Column("contacts", Text, nullable=False),  # JSON list of {name, phone, email}
        Column("qualifications", Text, nullable=False),  # JSON list of {name, grade, number}
        Column("registered_center", String(16), nullable=False),
        Column("registered_at", UTCDateTime(), nullable=False),
        Index("ix_entities_name", "name"),
    )
)

# 用户账号: each belongs to at most one entity, with roles.
accounts = projection_table(
    Table(
        "accounts",
        metadata,
        Column("username", String(64), primary_key=True),
        Column("display_name", String(100), nullable=False),
        Column("entity", String(18), ForeignKey("entities.credit_code")),
        Column("center", String(16)),  # for center staff
        Column("roles", Text, nullable=False),  # JSON list
        Column("created_at", UTCDateTime(), nullable=False),
    )
)

# Password hashes (argon2id). Secrets never enter the public event log.
credentials = Table(
    "credentials",
    metadata,
    Column("username", String(64), primary_key=True),
    Column("password_hash", String(200), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
)

# Login sessions (cookies for pages) and API tokens (bearer), stored as SHA-256 of the token.
auth_tokens = Table(
    "auth_tokens",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("username", String(64), nullable=False),
    Column("kind", String(10), nullable=False),  # session | api
    Column("label", String(100), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("expires_at", UTCDateTime(), nullable=False),
    Index("ix_auth_tokens_username", "username"),
)

"""Tables of the spine: the append-only event log, idempotency keys, documents."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, Integer, LargeBinary, String, Table, Text

from ggzy.db import UTCDateTime, metadata

# 事件日志: append-only. UPDATE and DELETE are refused by database triggers (see the
# migration 0001) as well as by the code, which has no path that issues them.
events = Table(
    "events",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("recorded_at", UTCDateTime(), nullable=False),
    Column("node_id", String(64), nullable=False),
    Column("center", String(16)),
    Column("actor", String(64), nullable=False),
    Column("type", String(64), nullable=False),
    Column("subject_type", String(32), nullable=False),
    Column("subject_id", String(64), nullable=False),
    Column("payload", Text, nullable=False),
    Column("documents", Text, nullable=False),
    Index("ix_events_subject", "subject_type", "subject_id", "seq"),
    Index("ix_events_type", "type"),
)

# A retried POST with the same Idempotency-Key returns the first answer (幂等键).
idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("owner", String(64), primary_key=True),
    Column("key", String(200), primary_key=True),
    Column("request_hash", LargeBinary(32), nullable=False),
    Column("status", Integer, nullable=False),
    Column("response", Text, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
)

# Content-addressed documents (招标文件, 投标文件, 报告): bytes on disk, metadata here.
documents = Table(
    "documents",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("size", BigInteger, nullable=False),
    Column("media_type", String(100), nullable=False),
    Column("filename", String(255), nullable=False),
    Column("sealed", Integer, nullable=False, default=0),
    Column("created_at", UTCDateTime(), nullable=False),
)

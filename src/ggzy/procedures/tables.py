"""Projections of procedure events: projects, tender-document holders, questions."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, Integer, String, Table, Text

from ggzy.core.projections import projection_table
from ggzy.db import UTCDateTime, metadata

# 招标项目 / 标段: one row per project (one lot per project in this version).
projects = projection_table(
    Table(
        "projects",
        metadata,
        Column("code", String(18), primary_key=True),  # unified deal code 统一交易标识码
        Column("center", String(16), nullable=False),
        Column("method", String(64), nullable=False),
        Column("title", String(200), nullable=False),
        Column("tenderee", String(18), nullable=False),
        Column("agency", String(18)),
        Column("estimated_price", BigInteger, nullable=False),  # 分
        Column("stage", String(32), nullable=False),
        Column("data", Text, nullable=False),  # JSON: dates (ISO) and attributes
        Column("rule_date", String(10), nullable=False),  # date whose rules apply
        Column("created_at", UTCDateTime(), nullable=False),
        Column("updated_at", UTCDateTime(), nullable=False),
        Column("last_seq", BigInteger, nullable=False),
        Index("ix_projects_center_stage", "center", "stage"),
    )
)

# 招标文件获取记录: who obtained the tender documents (kept confidential, Law 22).
document_holders = projection_table(
    Table(
        "document_holders",
        metadata,
        Column("project", String(18), primary_key=True),
        Column("entity", String(18), primary_key=True),
        Column("obtained_at", UTCDateTime(), nullable=False),
    )
)

# 投标人提问 (answered by clarifications, which never name the asker).
questions = projection_table(
    Table(
        "questions",
        metadata,
        Column("seq", BigInteger, primary_key=True, autoincrement=False),
        Column("project", String(18), nullable=False),
        Column("asker", String(18), nullable=False),
        Column("text", Text, nullable=False),
        Column("asked_at", UTCDateTime(), nullable=False),
        Column("answered", Integer, nullable=False, default=0),
        Index("ix_questions_project", "project"),
    )
)

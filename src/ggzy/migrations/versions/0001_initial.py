"""initial schema: event log, Merkle ledger, registry, procedures, bids

Revision ID: 0001
Revises:
Create Date: 2026-11-23

Generated with autogenerate against an empty SQLite database, then cleaned up. The test
tests/integration/test_migrations.py compares it with the models on SQLite and PostgreSQL.

Besides the tables it inserts the single ledger_state row and makes `events`, `tree_heads` and
`ledger_nodes` append-only with triggers refusing UPDATE and DELETE (TRUNCATE stays allowed
on PostgreSQL, for test fixtures and disaster recovery by the DBA).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# table -> message of the refusal (the same text on both backends)
APPEND_ONLY = {
    "events": "events are append-only (事件日志只允许追加)",
    "tree_heads": "tree heads are append-only (签名树头只允许追加)",
    "ledger_nodes": "ledger nodes are append-only (账本节点只允许追加)",
}
PG_FUNCTION = "ggzy_refuse_change"


def _utc() -> sa.DateTime:
    """ggzy.db.UTCDateTime stores as DateTime(timezone=True)."""
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create every table, the ledger_state row and the append-only triggers."""
    # --- spine (ggzy.core.tables) -----------------------------------------------------------
    op.create_table(
        "events",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("recorded_at", _utc(), nullable=False),
        sa.Column("node_id", sa.String(length=64), nullable=False),
        sa.Column("center", sa.String(length=16), nullable=True),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("type", sa.String(length=64), nullable=False),
        sa.Column("subject_type", sa.String(length=32), nullable=False),
        sa.Column("subject_id", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("documents", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_events")),
    )
    op.create_index("ix_events_subject", "events", ["subject_type", "subject_id", "seq"])
    op.create_index("ix_events_type", "events", ["type"])
    op.create_table(
        "idempotency_keys",
        sa.Column("owner", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("request_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("response", sa.Text(), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint("owner", "key", name=op.f("pk_idempotency_keys")),
    )
    op.create_table(
        "documents",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("sealed", sa.Integer(), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_documents")),
    )

    # --- ledger (ggzy.ledger.tables) --------------------------------------------------------
    ledger_state = op.create_table(
        "ledger_state",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_state")),
    )
    op.create_table(
        "ledger_nodes",
        sa.Column("level", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("idx", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("hash", sa.LargeBinary(length=32), nullable=False),
        sa.PrimaryKeyConstraint("level", "idx", name=op.f("pk_ledger_nodes")),
    )
    op.create_table(
        "tree_heads",
        sa.Column("tree_size", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("root_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("signed_at", _utc(), nullable=False),
        sa.Column("node_id", sa.String(length=64), nullable=False),
        sa.Column("key_id", sa.String(length=64), nullable=False),
        sa.Column("signature", sa.LargeBinary(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("tree_size", name=op.f("pk_tree_heads")),
    )

    # --- registry (ggzy.registry.tables) ----------------------------------------------------
    op.create_table(
        "centers",
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("short_name", sa.String(length=20), nullable=False),
        sa.Column("node_id", sa.String(length=64), nullable=False),
        sa.Column("registered_at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_centers")),
    )
    op.create_table(
        "entities",
        sa.Column("credit_code", sa.String(length=18), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kinds", sa.Text(), nullable=False),
        sa.Column("region", sa.String(length=6), nullable=False),
        sa.Column("legal_representative", sa.String(length=50), nullable=False),
        sa.Column("contacts", sa.Text(), nullable=False),
        sa.Column("qualifications", sa.Text(), nullable=False),
        sa.Column("registered_center", sa.String(length=16), nullable=False),
        sa.Column("registered_at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint("credit_code", name=op.f("pk_entities")),
    )
    op.create_index("ix_entities_name", "entities", ["name"])
    op.create_table(
        "accounts",
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(length=100), nullable=False),
        sa.Column("entity", sa.String(length=18), nullable=True),
        sa.Column("center", sa.String(length=16), nullable=True),
        sa.Column("roles", sa.Text(), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.ForeignKeyConstraint(
            ["entity"], ["entities.credit_code"], name=op.f("fk_accounts_entity_entities")
        ),
        sa.PrimaryKeyConstraint("username", name=op.f("pk_accounts")),
    )
    op.create_table(
        "credentials",
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("updated_at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint("username", name=op.f("pk_credentials")),
    )
    op.create_table(
        "auth_tokens",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("label", sa.String(length=100), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("expires_at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_auth_tokens")),
    )
    op.create_index("ix_auth_tokens_username", "auth_tokens", ["username"])

    # --- procedures (ggzy.procedures.tables, ggzy.procedures.calendar_days) ----------------
    op.create_table(
        "projects",
        sa.Column("code", sa.String(length=18), nullable=False),
        sa.Column("center", sa.String(length=16), nullable=False),
        sa.Column("method", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("tenderee", sa.String(length=18), nullable=False),
        sa.Column("agency", sa.String(length=18), nullable=True),
        sa.Column("estimated_price", sa.BigInteger(), nullable=False),
        sa.Column("stage", sa.String(length=32), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("rule_date", sa.String(length=10), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("updated_at", _utc(), nullable=False),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_projects")),
    )
    op.create_index("ix_projects_center_stage", "projects", ["center", "stage"])
    op.create_table(
        "document_holders",
        sa.Column("project", sa.String(length=18), nullable=False),
        sa.Column("entity", sa.String(length=18), nullable=False),
        sa.Column("obtained_at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint("project", "entity", name=op.f("pk_document_holders")),
    )
    op.create_table(
        "questions",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("project", sa.String(length=18), nullable=False),
        sa.Column("asker", sa.String(length=18), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("asked_at", _utc(), nullable=False),
        sa.Column("answered", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_questions")),
    )
    op.create_index("ix_questions_project", "questions", ["project"])
    op.create_table(
        "calendar_days",
        sa.Column("center", sa.String(length=16), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("working", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("center", "day", name=op.f("pk_calendar_days")),
    )

    # --- bidding (ggzy.bidding.tables) ------------------------------------------------------
    op.create_table(
        "bids",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("project", sa.String(length=18), nullable=False),
        sa.Column("bidder", sa.String(length=18), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("sealed_sha256", sa.String(length=64), nullable=False),
        sa.Column("submitted_at", _utc(), nullable=False),
        sa.Column("price", sa.BigInteger(), nullable=True),
        sa.Column("opened", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_bids")),
    )
    op.create_index("ix_bids_project_bidder", "bids", ["project", "bidder"])

    # --- the empty log and its append-only guard --------------------------------------------
    op.bulk_insert(ledger_state, [{"id": 1, "size": 0}])
    _create_append_only_triggers()


def _create_append_only_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"""
            CREATE FUNCTION {PG_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION USING MESSAGE = TG_ARGV[0], ERRCODE = 'restrict_violation';
            END
            $$
            """
        )
        for table, message in APPEND_ONLY.items():
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION {PG_FUNCTION}('{message}')"
            )
        return
    for table, message in APPEND_ONLY.items():
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_append_only_{action.lower()} BEFORE {action} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{message}'); END"
            )


def _drop_append_only_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in APPEND_ONLY:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        op.execute(f"DROP FUNCTION IF EXISTS {PG_FUNCTION}()")
        return
    for table in APPEND_ONLY:
        for action in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only_{action}")


def downgrade() -> None:
    """Drop the triggers and every table (this destroys the log: for development only)."""
    _drop_append_only_triggers()
    op.drop_index("ix_bids_project_bidder", table_name="bids")
    op.drop_table("bids")
    op.drop_table("calendar_days")
    op.drop_index("ix_questions_project", table_name="questions")
    op.drop_table("questions")
    op.drop_table("document_holders")
    op.drop_index("ix_projects_center_stage", table_name="projects")
    op.drop_table("projects")
    op.drop_index("ix_auth_tokens_username", table_name="auth_tokens")
    op.drop_table("auth_tokens")
    op.drop_table("credentials")
    op.drop_table("accounts")
    op.drop_index("ix_entities_name", table_name="entities")
    op.drop_table("entities")
    op.drop_table("centers")
    op.drop_table("tree_heads")
    op.drop_table("ledger_nodes")
    op.drop_table("ledger_state")
    op.drop_table("documents")
    op.drop_table("idempotency_keys")
    op.drop_index("ix_events_type", table_name="events")
    op.drop_index("ix_events_subject", table_name="events")
    op.drop_table("events")

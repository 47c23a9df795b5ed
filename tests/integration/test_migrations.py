"""The Alembic migrations build exactly the models' schema, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from ggzy.migrate import current_revision, downgrade, head_revision, upgrade
from ggzy.schema import load_tables


def test_migrations_match_the_models(db_url: str) -> None:
    metadata = load_tables()
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(ctx, metadata)
    finally:
        engine.dispose()
    assert diff == [], (
        "the models and the migrations differ: add a migration under "
        f"src/ggzy/migrations/versions/ (autogenerate, then clean up): {diff}"
    )


def test_upgrade_downgrade_upgrade(empty_db_url: str) -> None:
    assert current_revision(empty_db_url) is None
    upgrade(empty_db_url)
    assert current_revision(empty_db_url) == head_revision()
    engine = create_engine(empty_db_url)
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SELECT id, size FROM ledger_state")).all() == [(1, 0)]
            assert set(load_tables().tables) <= set(inspect(conn).get_table_names())
        downgrade(empty_db_url)
        assert current_revision(empty_db_url) is None
        with engine.connect() as conn:
            assert set(inspect(conn).get_table_names()) <= {"alembic_version"}
        upgrade(empty_db_url)
        assert current_revision(empty_db_url) == head_revision()
    finally:
        engine.dispose()


def test_upgrade_relative_sqlite_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    upgrade("sqlite:///var/nested/ggzy.db")
    assert (tmp_path / "var" / "nested" / "ggzy.db").is_file()
    assert current_revision("sqlite:///var/nested/ggzy.db") == head_revision()
    upgrade("sqlite:///var/nested/ggzy.db")  # a second upgrade is a no-op

"""Alembic environment of OpenGGZY: no alembic.ini, the URL comes from ggzy.migrate.

Online only. The whole upgrade runs in one transaction on both backends (PostgreSQL has
transactional DDL; our SQLite engine issues BEGIN IMMEDIATE itself), so a failed migration
leaves the database as it was. A caller may hand over an open connection in
`config.attributes["connection"]`.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, pool

from ggzy.db import make_engine
from ggzy.schema import load_tables

config = context.config
target_metadata = load_tables()


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # ALTER through table copies
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run the migrations on a given connection or on a fresh engine for sqlalchemy.url."""
    given = config.attributes.get("connection")
    if given is not None:
        _run(given)
        return
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no database URL: use ggzy.migrate.upgrade(url)")
    engine = make_engine(url, poolclass=pool.NullPool)
    try:
        with engine.begin() as connection:
            _run(connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise RuntimeError("offline (--sql) migrations are not supported; run them online")
run_migrations_online()

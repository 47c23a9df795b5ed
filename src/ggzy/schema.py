"""Every table of the platform in one MetaData, without importing handlers or the web app.

Alembic (ggzy/migrations/env.py) and the tests use this to compare the migrations with the
models; it imports only the table modules, so it works while handlers are being written.
"""

from __future__ import annotations

from sqlalchemy import MetaData

TABLE_MODULES = (
    "ggzy.core.tables",
    "ggzy.ledger.tables",
    "ggzy.registry.tables",
    "ggzy.procedures.tables",
    "ggzy.procedures.calendar_days",
    "ggzy.bidding.tables",
    "ggzy.bidding.sealed",
    "ggzy.bidding.uploads",
    "ggzy.pki.tables",
    "ggzy.pki.bindings",
    "ggzy.pki.login",
    "ggzy.transfer.tables",
    "ggzy.exchange.tables",
    "ggzy.credit.tables",
    "ggzy.evaluation.tables",
)


def load_tables() -> MetaData:
    """Import every table module and return the shared ggzy.db.metadata."""
    import importlib

    for name in TABLE_MODULES:
        importlib.import_module(name)
    from ggzy.db import metadata

    return metadata

"""Alembic migrations of the ggzy schema (run them with `ggzy db upgrade` or ggzy.migrate)."""

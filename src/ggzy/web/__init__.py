"""The web layer: JSON API under /api/v1 and server-rendered Chinese pages."""

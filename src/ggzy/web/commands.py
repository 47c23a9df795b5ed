"""Running a command from a request: one transaction, with Idempotency-Key replay.

A retried POST with the same Idempotency-Key and the same body returns the first answer and
appends nothing; the same key with a different body is refused. The key is stored in the
command's own transaction, so a crash never leaves a key without its effect or vice versa.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse
from sqlalchemy import select

from ggzy.core.errors import DomainError
from ggzy.core.tables import idempotency_keys
from ggzy.core.uow import UnitOfWork
from ggzy.web.auth import platform_of, request_origin

MAX_KEY = 200


async def request_fingerprint(request: Request) -> bytes:
    """SHA-256 over method, path and raw body (a dependency; reads the cached body)."""
    body = await request.body()
    h = hashlib.sha256()
    h.update(request.method.encode() + b" " + request.url.path.encode() + b"\n")
    h.update(body)
    return h.digest()


def run_command(
    request: Request,
    actor: str,
    fingerprint: bytes,
    fn: Callable[[UnitOfWork], dict[str, Any]],
    *,
    status: int = 201,
    center: str | None = None,
) -> JSONResponse:
    """Run fn in one command transaction, honouring the Idempotency-Key header."""
    platform = platform_of(request)
    key = request.headers.get("idempotency-key")
    if key is not None and not (0 < len(key) <= MAX_KEY):
        raise DomainError(
            "invalid-idempotency-key",
            f"Idempotency-Key 长度须为 1–{MAX_KEY}",
            f"Idempotency-Key must be 1-{MAX_KEY} characters",
        )
    with platform.command(actor, center, request_origin(request)) as uow:
        if key is not None:
            row = uow.conn.execute(
                select(idempotency_keys).where(
                    idempotency_keys.c.owner == actor, idempotency_keys.c.key == key
                )
            ).first()
            if row is not None:
                if bytes(row.request_hash) != fingerprint:
                    raise DomainError(
                        "idempotency-key-reused",
                        "该 Idempotency-Key 已用于另一请求",
                        "this Idempotency-Key was already used for a different request",
                    )
                return JSONResponse(
                    json.loads(row.response),
                    status_code=row.status,
                    headers={"Idempotent-Replayed": "true"},
                )
        result = fn(uow)
        body = json.loads(json.dumps(result, default=str, ensure_ascii=False))
        if key is not None:
            uow.conn.execute(
                idempotency_keys.insert().values(
                    owner=actor,
                    key=key,
                    request_hash=fingerprint,
                    status=status,
                    response=json.dumps(body, ensure_ascii=False),
                    created_at=uow.now,
                )
            )
    return JSONResponse(body, status_code=status)

"""Errors as application/problem+json (RFC 9457) with a Chinese and an English message."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from ggzy.core.errors import DomainError

log = logging.getLogger("ggzy.web")
PROBLEM = "application/problem+json"


def problem(status: int, code: str, zh: str, en: str, **extra: Any) -> JSONResponse:
    """A problem+json response: type, title (en), title_zh, detail, status, code."""
    body = {
        "type": f"urn:openggzy:problem:{code}",
        "title": en,
        "title_zh": zh,
        "detail": f"{zh} / {en}",
        "status": status,
        "code": code,
        **extra,
    }
    return JSONResponse(body, status_code=status, media_type=PROBLEM)


async def domain_error(request: Request, exc: Exception) -> JSONResponse:
    """DomainError → its status with both messages."""
    assert isinstance(exc, DomainError)
    return problem(exc.status, exc.code, exc.zh, exc.en, **exc.extra)


async def validation_error(request: Request, exc: Exception) -> JSONResponse:
    """Malformed JSON or a schema mismatch → 422 naming the fields."""
    assert isinstance(exc, RequestValidationError)
    errors = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err.get("loc", ()) if p != "body")
        errors.append({"field": loc, "message": err.get("msg", "")})
    if any(e.get("type") == "json_invalid" for e in exc.errors()):
        return problem(
            400,
            "malformed-json",
            "请求体不是合法的 JSON",
            "the request body is not valid JSON",
            errors=errors,
        )
    fields = "、".join(e["field"] for e in errors if e["field"]) or "请求"
    return problem(
        422,
        "invalid-request",
        f"请求内容不符合要求：{fields}",
        f"the request is invalid: {', '.join(e['field'] or 'body' for e in errors)}",
        errors=errors,
    )


async def http_error(request: Request, exc: Exception) -> JSONResponse:
    """404s, 405s and other HTTP errors as problems."""
    assert isinstance(exc, StarletteHTTPException)
    messages = {
        404: ("not-found", "请求的资源不存在", "not found"),
        405: ("method-not-allowed", "不支持该请求方法", "method not allowed"),
        401: ("unauthorized", "请先登录", "sign in first"),
        403: ("forbidden", "无权访问", "forbidden"),
    }
    code, zh, en = messages.get(exc.status_code, ("http-error", "请求错误", str(exc.detail)))
    if isinstance(exc.detail, str) and exc.status_code not in messages:
        en = exc.detail
    return problem(exc.status_code, code, zh, en)


async def unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    """A bug: logged with its traceback, answered with a 500 problem (never a stack trace)."""
    log.exception("unexpected error on %s %s", request.method, request.url.path)
    return problem(
        500, "internal-error", "服务器内部错误，已记录", "internal server error (logged)"
    )

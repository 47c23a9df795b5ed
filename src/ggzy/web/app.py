"""The FastAPI application: assembles routers, error handlers and static files; no logic."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import anyio
from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from ggzy.bootstrap import Platform
from ggzy.core.errors import DomainError
from ggzy.web import (
    api,
    api_credit,
    api_evaluation,
    api_exchange,
    api_experts,
    api_ocds,
    api_venues,
    hall,
    problems,
)

STATIC = Path(__file__).parent / "static"


def create_app(platform: Platform, *, scheduler_interval: float | None = None) -> FastAPI:
    """Build the web app serving one platform; with an interval, due actions run by themselves."""

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        task = None
        if scheduler_interval:  # due actions (开标 at the deadline), peers' feeds, notices
            task = asyncio.create_task(_run_scheduler(platform, scheduler_interval))
        halls = hall.hub_of(app)
        await halls.start()
        yield
        await halls.stop()
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    app = FastAPI(
        lifespan=lifespan,
        title="OpenGGZY 公共资源交易平台 API",
        version="0.1.0",
        description=(
            "统一的公共资源交易平台接口。错误以 application/problem+json 返回，含中英文说明。"
        ),
        openapi_url="/openapi.json",
    )
    app.state.platform = platform
    app.add_exception_handler(DomainError, problems.domain_error)
    app.add_exception_handler(RequestValidationError, problems.validation_error)
    app.add_exception_handler(StarletteHTTPException, problems.http_error)
    app.add_exception_handler(Exception, problems.unexpected_error)
    app.include_router(api.router)
    app.include_router(api_ocds.router)
    app.include_router(api_exchange.router)
    app.include_router(api_credit.router)
    app.include_router(api_experts.router)
    app.include_router(api_venues.router)
    app.include_router(api_evaluation.router)
    app.include_router(hall.router)
    try:
        from ggzy.web import api_pki
    except ImportError:  # the PKI API is optional while being built
        api_pki = None  # type: ignore[assignment]
    if api_pki is not None:
        app.include_router(api_pki.router)
    try:
        from ggzy.web import pages
    except ImportError:  # pages are optional while being built
        pages = None  # type: ignore[assignment]
    if pages is not None:
        app.include_router(pages.router)
    STATIC.mkdir(exist_ok=True)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app


async def _run_scheduler(platform: Platform, interval: float) -> None:
    """Every `interval` seconds, perform due automatic actions (开标 at the deadline)."""
    from ggzy.exchange.media import deliver_round
    from ggzy.exchange.peers import pull_all
    from ggzy.procedures.scheduler import run_due

    while True:
        for job in (run_due, pull_all, deliver_round):
            try:
                await anyio.to_thread.run_sync(job, platform)
            except Exception:  # a failed round is logged and retried, never silently dropped
                logging.getLogger("ggzy.scheduler").exception("scheduler round failed")
        await asyncio.sleep(interval)

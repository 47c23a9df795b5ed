"""Open data under /api/v1/ocds: OCDS 1.1 release packages and the ggzy extension's files.

    GET /api/v1/ocds/releases?center=420100&since=2026-01-01&limit=100
    GET /api/v1/ocds/releases?after=196          # the next page (also in the Link header)
    GET /api/v1/ocds/extension/extension.json    # declared in every package's `extensions`

Public: only what the platform shows everyone (see ggzy.open_data.ocds).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from ggzy.core.errors import not_found
from ggzy.open_data.ocds import EXTENSION_ROUTE, build_releases, release_package
from ggzy.open_data.reference import extension_readme
from ggzy.open_data.validate import extension_files
from ggzy.registry.handlers import get_center
from ggzy.web.auth import platform_of

router = APIRouter(prefix="/api/v1/ocds", tags=["open data"])
README = EXTENSION_ROUTE.replace("extension.json", "README.md")


def _base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/")


@router.get("/releases", summary="OCDS 发布包（分页） / OCDS release package, paged")
def releases(
    request: Request,
    center: str | None = Query(None, max_length=16, description="交易中心代码 / center code"),
    since: date | None = Query(
        None, description="发布日期不早于（北京时间） / released on or after"
    ),
    after: int = Query(0, ge=0, description="上一页最后一个发布的事件序号 / cursor: last seq seen"),
    limit: int = Query(100, ge=1, le=1000, description="每页发布数 / releases per page"),
) -> Response:
    platform = platform_of(request)
    base = _base_url(request)
    with platform.read() as conn:
        if center:
            get_center(conn, center)  # 404 for an unknown center
        found = build_releases(
            conn,
            prefix=platform.settings.ocid_prefix,
            base_url=base,
            center=center,
            since=since,
            after=after,
        )
    page = found[:limit]
    package = release_package(
        page, uri=str(request.url), publisher=platform.settings.node_name, base_url=base
    )
    headers = {}
    if len(found) > limit:
        following = request.url.include_query_params(after=page[-1].seq, limit=limit)
        headers["Link"] = f'<{following}>; rel="next"'
    return JSONResponse(package, headers=headers)


@router.get("/extension/{name}", summary="ggzy OCDS 扩展文件 / the ggzy OCDS extension's files")
def extension(name: str, request: Request) -> Response:
    base = _base_url(request)
    if name == "README.md":
        return PlainTextResponse(extension_readme(base), media_type="text/markdown; charset=utf-8")
    files = extension_files()
    if name not in files:
        raise not_found(f"扩展文件 {name}", f"extension file {name}")
    body: dict[str, Any] = files[name]
    if name == "extension.json":  # the documentation is served by this node too
        body = {**body, "documentationUrl": {"en": base + README, "zh": base + README}}
    return JSONResponse(body)

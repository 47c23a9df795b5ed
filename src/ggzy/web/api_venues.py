"""Venues and seats API (评标场地、机位): catalogue, calendars, remote cross-site seating."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from ggzy.core.calendar import SHANGHAI
from ggzy.core.errors import DomainError, forbidden
from ggzy.evaluation import venues
from ggzy.registry.handlers import Account
from ggzy.web.auth import platform_of, request_origin, require_account

router = APIRouter(prefix="/api/v1")
Caller = Annotated[Account, Depends(require_account)]


def _day(value: str | None, request: Request) -> date:
    if value is None:
        return platform_of(request).clock.now().astimezone(SHANGHAI).date()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise DomainError("invalid-date", "日期须为 YYYY-MM-DD", "day: YYYY-MM-DD") from None


class Venue(BaseModel):
    name: str = Field(max_length=100)
    level: str = Field(max_length=8, description="province | city | county")
    region: str = Field(max_length=6, description="GB/T 2260 行政区划代码")
    address: str = Field("", max_length=200)
    seats: int


@router.post("/venues", tags=["venues"], summary="登记评标场地", status_code=201)
def register(body: Venue, account: Caller, request: Request) -> dict[str, Any]:
    """Register a province, city or county venue with its seats (center staff)."""
    platform = platform_of(request)
    with platform.command(account.actor, account.center, request_origin(request)) as uow:
        return venues.register_venue(uow, account, body.model_dump())


@router.get("/venues", tags=["venues"], summary="机位共享目录 / seat catalogue")
def catalogue(
    request: Request, day: str | None = Query(None, max_length=10)
) -> list[dict[str, Any]]:
    """Every venue and its free seats on a day (today by default); public."""
    on = _day(day, request)
    with platform_of(request).read() as conn:
        return venues.catalogue(conn, on)


class Closure(BaseModel):
    day: str = Field(max_length=10)
    reason: str = Field(max_length=200)


@router.post("/venues/{venue_id}/closures", tags=["venues"], summary="场地停用一日")
def close(venue_id: str, body: Closure, account: Caller, request: Request) -> dict[str, Any]:
    """Close a venue for a day (no seats booked there that day)."""
    platform = platform_of(request)
    with platform.command(account.actor, account.center, request_origin(request)) as uow:
        return venues.close_venue(uow, account, venue_id, body.day, body.reason)


@router.get("/venues/{venue_id}/schedule", tags=["venues"], summary="场地日程（工作人员）")
def schedule(
    venue_id: str, account: Caller, request: Request, day: str | None = Query(None, max_length=10)
) -> dict[str, Any]:
    """A venue's seats taken on a day, by draw (officials only)."""
    if not {"center_staff", "regulator", "platform_admin"} & set(account.roles):
        raise forbidden("场地日程仅限工作人员查看", "the schedule is for officials only")
    on = _day(day, request)
    with platform_of(request).read() as conn:
        return venues.schedule(conn, venue_id, on)


class Assignment(BaseModel):
    secondary: int = Field(2, description="副场数量")
    main: str | None = Field(None, max_length=40, description="主场；默认为项目所在交易中心的场地")


@router.post("/draws/{draw_id}/venues", tags=["venues"], summary="分配主场、副场与机位")
def assign(draw_id: str, body: Assignment, account: Caller, request: Request) -> dict[str, Any]:
    """远程异地评标: the main venue, random secondary venues and every member's seat."""
    platform = platform_of(request)
    with platform.command(account.actor, account.center, request_origin(request)) as uow:
        return venues.assign_venues(uow, account, draw_id, body.secondary, body.main)


@router.get("/experts/me/assignments", tags=["venues"], summary="我的评标安排")
def my_assignments(account: Caller, request: Request) -> list[dict[str, Any]]:
    """The signed-in expert's committees: day, project, venue, address and seat."""
    from sqlalchemy import select

    from ggzy.evaluation.tables import experts

    with platform_of(request).read() as conn:
        row = conn.execute(
            select(experts.c.id).where(experts.c.username == account.username)
        ).first()
        if row is None:
            raise DomainError("not-an-expert", "您不是专家", "you are not an expert", status=404)
        return venues.assignments_of(conn, row.id)

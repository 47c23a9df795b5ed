"""Credit records API (信用记录): the lists, recorded by regulators, read by anyone."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from ggzy.credit import records
from ggzy.registry.handlers import Account
from ggzy.web.auth import platform_of, request_origin, require_account

router = APIRouter(prefix="/api/v1")
Caller = Annotated[Account, Depends(require_account)]


@router.get("/credit/lists", tags=["credit"], summary="信用名单种类 / credit lists")
def credit_lists() -> list[dict[str, Any]]:
    """The lists a record may be on, and their legal source."""
    return [{"list": k, "zh": v[0], "en": v[1], "source": v[2]} for k, v in records.LISTS.items()]


@router.get("/credit/records", tags=["credit"], summary="信用记录 / credit records")
def credit_records(
    request: Request, credit_code: str | None = Query(None, max_length=18)
) -> list[dict[str, Any]]:
    """Credit records (public, as the lists are), of one entity or all, newest first."""
    with platform_of(request).read() as conn:
        return records.list_records(conn, credit_code)


class NewRecord(BaseModel):
    credit_code: str = Field(max_length=18)
    list: str = Field(max_length=32)
    authority: str = Field(max_length=200, description="决定机关")
    decision: str = Field(max_length=200, description="决定文号")
    reason: str = Field("", max_length=2000)
    starts: str | None = Field(None, description="YYYY-MM-DD")
    ends: str | None = Field(None, description="YYYY-MM-DD, none: until repaired")


@router.post("/credit/records", tags=["credit"], summary="登记信用记录", status_code=201)
def add_credit_record(body: NewRecord, account: Caller, request: Request) -> dict[str, Any]:
    """A regulator records that an entity is on a credit list."""
    platform = platform_of(request)
    with platform.command(account.actor, None, request_origin(request)) as uow:
        return records.add_record(uow, account, body.model_dump())


class Repair(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)


@router.post(
    "/credit/records/{record_id}/repair", tags=["credit"], summary="信用修复 / repair a record"
)
def repair_credit_record(
    record_id: str, body: Repair, account: Caller, request: Request
) -> dict[str, Any]:
    """End a record early (信用修复, or the decision revoked)."""
    platform = platform_of(request)
    with platform.command(account.actor, None, request_origin(request)) as uow:
        return records.repair_record(uow, account, record_id, body.reason)

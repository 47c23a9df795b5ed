"""Expert pool API (评标专家库): online application, review, leave, blacklist, ratings."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from ggzy.core.calendar import SHANGHAI
from ggzy.core.errors import DomainError, forbidden
from ggzy.evaluation import experts
from ggzy.registry.handlers import Account
from ggzy.web.auth import platform_of, request_origin, require_account

router = APIRouter(prefix="/api/v1")
Caller = Annotated[Account, Depends(require_account)]


@router.get("/experts/specialities", tags=["experts"], summary="专业分类 / specialities")
def expert_specialities() -> list[dict[str, str]]:
    """The speciality classification experts apply under."""
    return [{"code": k, "zh": v[0], "en": v[1]} for k, v in experts.specialities().items()]


class Application(BaseModel):
    name: str = Field(max_length=40)
    id_number: str = Field(max_length=18, description="公民身份号码")
    phone: str = Field("", max_length=20)
    employer: str = Field(max_length=18, description="工作单位统一社会信用代码")
    employer_name: str = Field("", max_length=200)
    region: str = Field(max_length=6, description="常住地行政区划代码")
    specialities: list[str] = Field(max_length=10)
    title: str = Field(max_length=8, description="职称：高级、正高级、中级")
    years: int
    username: str = Field(max_length=64)
    password: str = Field(max_length=200)


@router.post("/experts/applications", tags=["experts"], summary="专家在线申请入库", status_code=201)
def apply(body: Application, request: Request) -> dict[str, Any]:
    """在线征集: anyone may apply, with the account the expert will sign in with."""
    platform = platform_of(request)
    with platform.command("public", None, request_origin(request)) as uow:
        return experts.apply(uow, body.model_dump())


class Review(BaseModel):
    admit: bool
    reason: str = Field("", max_length=500)


@router.post("/experts/{expert_id}/review", tags=["experts"], summary="审核入库申请")
def review(expert_id: str, body: Review, account: Caller, request: Request) -> dict[str, Any]:
    """Center staff admit or refuse an application."""
    platform = platform_of(request)
    with platform.command(account.actor, account.center, request_origin(request)) as uow:
        return experts.review(uow, account, expert_id, body.admit, body.reason)


class Leave(BaseModel):
    start: str = Field(description="YYYY-MM-DD")
    end: str = Field(description="YYYY-MM-DD")
    reason: str = Field("", max_length=200)


@router.post("/experts/me/leave", tags=["experts"], summary="专家请假")
def leave(body: Leave, account: Caller, request: Request) -> dict[str, Any]:
    """An admitted expert declares a period it cannot be drawn."""
    platform = platform_of(request)
    with platform.command(account.actor, None, request_origin(request)) as uow:
        return experts.declare_leave(uow, account, body.start, body.end, body.reason)


class Relation(BaseModel):
    kind: str = Field(description="former_employer | director | shareholder | relative | other")
    credit_code: str = Field("", max_length=18, description="相关单位统一社会信用代码")
    person: str = Field("", max_length=40, description="近亲属姓名")
    relation: str = Field("", max_length=20, description="与本人关系，如配偶")
    until: str = Field("", max_length=10, description="离职或卸任日期 YYYY-MM-DD")


@router.put("/experts/me/relations", tags=["experts"], summary="专家申报回避关系")
def relations(body: list[Relation], account: Caller, request: Request) -> dict[str, Any]:
    """回避申报: an admitted expert's former employers, related entities and relatives."""
    platform = platform_of(request)
    with platform.command(account.actor, None, request_origin(request)) as uow:
        return experts.declare_relations(
            uow, account, [r.model_dump(exclude_defaults=True) for r in body]
        )


class Blacklist(BaseModel):
    until: str = Field(description="YYYY-MM-DD")
    reason: str = Field(max_length=500)
    decision: str = Field(max_length=200)


@router.post("/experts/{expert_id}/blacklist", tags=["experts"], summary="列入黑名单")
def blacklist(expert_id: str, body: Blacklist, account: Caller, request: Request) -> dict[str, Any]:
    """A regulator bars an expert for a period."""
    platform = platform_of(request)
    with platform.command(account.actor, None, request_origin(request)) as uow:
        return experts.blacklist(uow, account, expert_id, body.until, body.reason, body.decision)


class Rating(BaseModel):
    project: str = Field(max_length=18)
    score: int
    comment: str = Field("", max_length=500)


@router.post("/experts/{expert_id}/ratings", tags=["experts"], summary="履职评价")
def rate(expert_id: str, body: Rating, account: Caller, request: Request) -> dict[str, Any]:
    """Center staff rate an expert's work on a project (1–5)."""
    platform = platform_of(request)
    with platform.command(account.actor, account.center, request_origin(request)) as uow:
        return experts.rate(uow, account, expert_id, body.project, body.score, body.comment)


@router.get("/experts", tags=["experts"], summary="专家库（仅限工作人员） / the pool")
def pool(
    account: Caller, request: Request, speciality: str | None = Query(None, max_length=8)
) -> list[dict[str, Any]]:
    """The pool with each expert's standing today; for center staff and regulators only
    (experts' identities are secret, Reg. 46)."""
    if not {"center_staff", "regulator", "platform_admin"} & set(account.roles):
        raise forbidden("专家信息仅限交易中心与监督人员查看", "experts are for officials only")
    platform = platform_of(request)
    today = platform.clock.now().astimezone(SHANGHAI).date()
    with platform.read() as conn:
        return experts.pool(conn, today, speciality)


@router.get("/experts/me", tags=["experts"], summary="我的专家信息 / my standing")
def me(account: Caller, request: Request) -> dict[str, Any]:
    """The signed-in expert's own record and standing."""
    from sqlalchemy import select

    from ggzy.evaluation.tables import experts as table

    platform = platform_of(request)
    today = platform.clock.now().astimezone(SHANGHAI).date()
    with platform.read() as conn:
        row = conn.execute(select(table).where(table.c.username == account.username)).first()
        if row is None:
            raise DomainError("not-an-expert", "您不是专家", "you are not an expert", status=404)
        return experts.expert_view(conn, row, today)


# ------------------------------------------------------------------ draws (随机抽取)


class DrawRequest(BaseModel):
    quotas: dict[str, int] = Field(description="专业代码 → 人数")
    evaluation_day: str = Field(description="评标日期 YYYY-MM-DD")
    avoid_local: bool = Field(False, description="回避招标人所在城市的专家")
    representatives: int = Field(0, ge=0, le=10, description="招标人代表人数（不抽取）")


@router.post(
    "/projects/{code}/draws", tags=["experts"], summary="申请随机抽取专家", status_code=201
)
def request_draw(code: str, body: DrawRequest, account: Caller, request: Request) -> dict[str, Any]:
    """Ask for a draw; the node's signed head at this request will seed it."""
    from ggzy.evaluation import draws
    from ggzy.procedures.engine import get_project

    platform = platform_of(request)
    with platform.command(account.actor, account.center, request_origin(request)) as uow:
        project = get_project(uow.conn, code)
        return draws.request_draw(
            uow,
            account,
            project,
            body.quotas,
            body.evaluation_day,
            body.avoid_local,
            body.representatives,
        )


@router.post("/draws/{draw_id}/run", tags=["experts"], summary="抽取（名单密封）")
def run_draw(draw_id: str, account: Caller, request: Request) -> dict[str, Any]:
    """Run a requested draw: the public record, the names sealed."""
    from ggzy.evaluation import draws

    platform = platform_of(request)
    with platform.command(account.actor, account.center, request_origin(request)) as uow:
        return draws.run_draw(uow, account, draw_id)


@router.post("/draws/{draw_id}/reveal", tags=["experts"], summary="评标开始时解封名单")
def reveal_draw(draw_id: str, account: Caller, request: Request) -> dict[str, Any]:
    """Unseal the names on the evaluation day."""
    from ggzy.evaluation import draws

    platform = platform_of(request)
    with platform.command(account.actor, account.center, request_origin(request)) as uow:
        return draws.reveal(uow, account, draw_id)


@router.get("/draws/{draw_id}", tags=["experts"], summary="抽取的公开记录 / a draw's record")
def draw_record(draw_id: str, request: Request) -> dict[str, Any]:
    """Everything anyone needs to recompute the draw; names only after the reveal."""
    from ggzy.evaluation import draws

    with platform_of(request).read() as conn:
        return draws.public_record(conn, draw_id)


class Replacement(BaseModel):
    pseudonym: str = Field(min_length=64, max_length=64, description="被替换专家的抽取化名")
    reason: str = Field(description="declined | no-show | recused")


@router.post("/draws/{draw_id}/replace", tags=["experts"], summary="补抽（拒绝、缺席、回避）")
def replace_in_draw(
    draw_id: str, body: Replacement, account: Caller, request: Request
) -> dict[str, Any]:
    """A drawn expert declines, does not show or recuses: the next in the draw's order."""
    from ggzy.evaluation import draws

    platform = platform_of(request)
    with platform.command(account.actor, account.center, request_origin(request)) as uow:
        return draws.replace_expert(uow, account, draw_id, body.pseudonym, body.reason)

"""Evaluation workbench API (评标工作台): check-in, review, scoring, report and signatures."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field

from ggzy.evaluation import workbench
from ggzy.registry.handlers import Account
from ggzy.web.auth import platform_of, request_origin, require_account

router = APIRouter(prefix="/api/v1/projects/{code}/evaluation", tags=["evaluation"])
Caller = Annotated[Account, Depends(require_account)]


class Opening(BaseModel):
    scheme: dict[str, Any] = Field(description="评标办法：method, category, params, factors")
    declarations: dict[str, dict[str, Any]] | None = Field(
        None, description="投标人声明：{统一社会信用代码: {sme, sme_share_pct, domestic, brand}}"
    )


@router.post("", summary="开始评标（评标办法）", status_code=201)
def open_evaluation(code: str, body: Opening, account: Caller, request: Request) -> dict[str, Any]:
    """Center staff open the evaluation with the tender documents' scoring scheme."""
    platform = platform_of(request)
    with platform.command(account.actor, account.center, request_origin(request)) as uow:
        return workbench.open_evaluation(uow, account, code, body.scheme, body.declarations)


@router.get("", summary="评标进度")
def progress(code: str, account: Caller, request: Request) -> dict[str, Any]:
    """Who has checked in, reviewed, scored and signed (members and officials)."""
    with platform_of(request).read() as conn:
        return workbench.progress(conn, account, code)


@router.get("/declaration", summary="回避声明及承诺书（待签署）")
def declaration(code: str, account: Caller, request: Request) -> Response:
    """The exact text a member signs at check-in (UTF-8)."""
    with platform_of(request).read() as conn:
        text = workbench.declaration_text(conn, code, account)
    return Response(text.encode(), media_type="text/plain; charset=utf-8")


class Signature(BaseModel):
    signature: str = Field(max_length=100_000, description="base64 detached CMS (个人证书)")


@router.post("/check-in", summary="专家签到并签署回避声明")
def check_in(code: str, body: Signature, account: Caller, request: Request) -> dict[str, Any]:
    """A member signs the declaration with its personal certificate."""
    platform = platform_of(request)
    with platform.command(account.actor, None, request_origin(request)) as uow:
        return workbench.check_in(uow, account, code, body.signature)


@router.get("/bids", summary="查看投标文件（仅评标委员会成员，每次查看留痕）")
def bids(code: str, account: Caller, request: Request) -> list[dict[str, Any]]:
    """The opened bids for a checked-in member; the view is an event."""
    platform = platform_of(request)
    with platform.command(account.actor, None, request_origin(request)) as uow:
        return workbench.bids_for(uow, account, code)


class Vote(BaseModel):
    label: str = Field(max_length=10, description="被推选成员的代号，如 专家1")


@router.post("/leader", summary="推选评标委员会组长")
def leader(code: str, body: Vote, account: Caller, request: Request) -> dict[str, Any]:
    """A member votes; more than half of the committee elects the leader (组长)."""
    platform = platform_of(request)
    with platform.command(account.actor, None, request_origin(request)) as uow:
        return workbench.vote_leader(uow, account, code, body.label)


@router.get("/bids/{bidder}/package", summary="下载投标文件（仅评标委员会成员，留痕）")
def package(code: str, bidder: str, account: Caller, request: Request) -> FileResponse:
    """A bid's decrypted package (zip) for a checked-in member; the download is an event."""
    platform = platform_of(request)
    with platform.command(account.actor, None, request_origin(request)) as uow:
        sha, name = workbench.bid_package(uow, account, code, bidder)
    return FileResponse(platform.documents.path(sha), media_type="application/zip", filename=name)


class Findings(BaseModel):
    findings: list[dict[str, Any]] = Field(description="[{bidder, passed, reason}]")


@router.post("/qualification", summary="提交资格和符合性审查意见")
def qualification(code: str, body: Findings, account: Caller, request: Request) -> dict[str, Any]:
    """One member's pass or fail for every bid; the last member's concludes by majority."""
    platform = platform_of(request)
    with platform.command(account.actor, None, request_origin(request)) as uow:
        return workbench.submit_qualification(uow, account, code, body.findings)


class Scores(BaseModel):
    scores: dict[str, dict[str, Any]] = Field(description="{bidder: {factor: score}}")
    reason: str = Field("", max_length=500, description="修改评分的理由")


@router.post("/scores", summary="独立评分")
def scores(code: str, body: Scores, account: Caller, request: Request) -> dict[str, Any]:
    """One member's scores; nobody sees another's until all are in."""
    platform = platform_of(request)
    with platform.command(account.actor, None, request_origin(request)) as uow:
        return workbench.submit_scores(uow, account, code, body.scores, body.reason)


@router.get("/summary", summary="评分汇总（全部评分完成后）")
def summary(code: str, account: Caller, request: Request) -> dict[str, Any]:
    """Totals, deviation flags and abnormally low prices by the method."""
    with platform_of(request).read() as conn:
        return workbench.summary(conn, account, code)


class Abnormal(BaseModel):
    bidder: str = Field(max_length=18)
    accepted: bool
    explanation: str = Field(max_length=1000)


@router.post("/abnormal", summary="异常低价审查结论")
def abnormal(code: str, body: Abnormal, account: Caller, request: Request) -> dict[str, Any]:
    """The committee's decision after the bidder's written explanation."""
    platform = platform_of(request)
    with platform.command(account.actor, None, request_origin(request)) as uow:
        return workbench.decide_abnormal(
            uow, account, code, body.bidder, body.accepted, body.explanation
        )


class Conclusion(BaseModel):
    summary: str = Field("", max_length=2000)


@router.post("/conclude", summary="形成评标报告")
def conclude(code: str, body: Conclusion, account: Caller, request: Request) -> dict[str, Any]:
    """The ranked candidates and the PDF report every member signs."""
    platform = platform_of(request)
    with platform.command(account.actor, account.center, request_origin(request)) as uow:
        return workbench.conclude(uow, account, code, body.summary)


@router.get("/report.pdf", summary="评标报告 PDF")
def report(code: str, account: Caller, request: Request) -> Response:
    """The report for members (recorded) and officials."""
    platform = platform_of(request)
    with platform.command(account.actor, None, request_origin(request)) as uow:
        pdf = workbench.report_pdf(uow, account, code)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{code}-evaluation-report.pdf"'},
    )


@router.post("/signatures", summary="专家签署评标报告")
def sign(code: str, body: Signature, account: Caller, request: Request) -> dict[str, Any]:
    """A member signs the report's exact bytes with its personal certificate."""
    platform = platform_of(request)
    with platform.command(account.actor, None, request_origin(request)) as uow:
        return workbench.sign_report(uow, account, code, body.signature)

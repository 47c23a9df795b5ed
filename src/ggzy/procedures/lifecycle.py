"""What the law attaches to every method around the competition itself (通用环节).

Before publishing: the procurement plan and its approval (采购计划、审批直通车). After the
award: the contract signed by both parties with their certificates (合同签订), its filing or
publication (合同备案/公告), performance records (履约) and acceptance (验收). At any time: a
regulator suspends, resumes or terminates a project (暂停、恢复、终止). These are reusable
effects: a declaration names them like any other.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

from ggzy.core.documents import document_info
from ggzy.core.errors import DomainError, forbidden
from ggzy.core.events import event_type
from ggzy.core.money import to_capitals
from ggzy.procedures.engine import Context, Outcome, effect
from ggzy.procedures.signing import check_entity_signature

event_type("ProcurementPlanSubmitted", "采购计划已报送", "procurement plan submitted")
event_type("ProcurementPlanApproved", "采购计划已核准", "procurement plan approved")
event_type("ProcurementPlanReturned", "采购计划被退回", "procurement plan returned")
event_type("ContractSigned", "合同已签署", "contract signed")
event_type("ContractPublished", "合同已公告/备案", "contract published or filed")
event_type("TenderReportFiled", "招标投标情况书面报告已提交", "written tendering report filed")
event_type("PerformanceRecorded", "履约情况已记录", "contract performance recorded")
event_type("AcceptanceRecorded", "验收结果已记录", "acceptance recorded")
event_type("ProjectSuspended", "项目已暂停", "project suspended")
event_type("ProjectResumed", "项目已恢复", "project resumed")
event_type("ProjectTerminated", "项目已终止", "project terminated")


def _stored(ctx: Context, sha: str, field: str, zh: str, en: str) -> str:
    if document_info(ctx.conn, sha) is None:
        raise DomainError(
            "unknown-document", f"{zh}尚未上传", f"the {en} has not been uploaded", field=field
        )
    return sha


# ---------------------------------------------------------------- plan and approval


@effect("submit_plan")
def _submit_plan(ctx: Context) -> Outcome:
    """The purchaser reports its procurement plan; the budget may not be below the estimate."""
    p = ctx.project
    assert p is not None
    budget = ctx.data["budget"]
    if budget < p["estimated_price"]:
        raise DomainError(
            "budget-too-low",
            f"采购预算（{to_capitals(budget)}）低于项目登记的预算金额"
            f"（{to_capitals(p['estimated_price'])}）",
            "the plan's budget is below the project's registered budget",
            field="budget",
        )
    return Outcome(
        payload=dict(ctx.data),
        set={"plan_number": ctx.data["plan_number"], "budget": budget, "plan_returned": None},
    )


@effect("approve_plan")
def _approve_plan(ctx: Context) -> Outcome:
    """The finance department approves the plan online (审批直通车); publishing may follow."""
    return Outcome(
        payload={"opinion": ctx.data.get("opinion", ""), "approved_by": ctx.account.username},
        set={"plan_approved_at": ctx.now.isoformat()},
    )


@effect("return_plan")
def _return_plan(ctx: Context) -> Outcome:
    """The finance department sends the plan back with its reasons; it may be resubmitted."""
    return Outcome(
        payload={"reason": ctx.data["reason"], "returned_by": ctx.account.username},
        set={"plan_returned": ctx.data["reason"]},
    )


# ---------------------------------------------------------------- contract


@effect("sign_contract", outcomes=("pending", "signed"))
def _sign_contract(ctx: Context) -> Outcome:
    """Each party signs the contract with its certificate; signed by both, it is concluded.

    The contract price must be the award price: the parties may not agree terms that depart
    from the tender and the bid in substance (招标投标法 art. 46; 实施条例 art. 57).
    """
    p = ctx.project
    assert p is not None
    d = p["data"]
    entity = ctx.account.entity
    if not entity:
        raise forbidden("合同须由招标人和中标人签署", "the contract is signed by the parties")
    party = "tenderee" if entity == p["tenderee"] else "winner" if entity == d["winner"] else None
    if party is None:
        raise forbidden("只有招标人（采购人）和中标人可以签署合同", "only the parties may sign")
    sha = _stored(ctx, ctx.data["contract"], "contract", "合同文本", "contract")
    current = d.get("contract") or {}
    if current.get("document") not in (None, sha):
        raise DomainError(
            "other-contract",
            "另一方已签署的合同文本与本次提交的不同",
            "the other party signed a different contract document",
            status=409,
            field="contract",
        )
    if ctx.data["amount"] != d["award_price"]:
        raise DomainError(
            "contract-amount",
            f"合同金额须与中标价一致：{to_capitals(d['award_price'])}（实施条例 第57条）",
            "the contract amount must equal the award price (Regulation art. 57)",
            field="amount",
            award_price=d["award_price"],
        )
    if party in current.get("signed_by", {}):
        raise DomainError(
            "already-signed", "本方已签署该合同", "your party already signed", status=409
        )
    verified = check_entity_signature(
        ctx, sha, ctx.data["signature"], entity, "合同签章", "contract signature"
    )
    signed_by = {**current.get("signed_by", {}), party: entity}
    contract = {"document": sha, "amount": d["award_price"], "signed_by": signed_by}
    payload = {"party": party, "contract": sha, "signature": verified.to_dict()}
    if len(signed_by) < 2:
        return Outcome(name="pending", payload=payload, set={"contract": contract})
    payload["amount_capitals"] = to_capitals(d["award_price"])
    return Outcome(
        name="signed",
        payload=payload,
        documents=(sha,),
        set={"contract": contract, "contract_signed_at": ctx.now.isoformat()},
    )


@effect("publish_contract")
def _publish_contract(ctx: Context) -> Outcome:
    """Publish (政府采购合同公告) or file (备案) the signed contract."""
    p = ctx.project
    assert p is not None
    sha = p["data"]["contract"]["document"]
    return Outcome(
        payload={"contract": sha, "note": ctx.data.get("note", "")},
        documents=(sha,),
        set={"contract_published_at": ctx.now.isoformat()},
    )


@effect("file_tender_report")
def _file_report(ctx: Context) -> Outcome:
    """The tenderee's written report to the supervising department (招标投标法 art. 47)."""
    sha = _stored(ctx, ctx.data["report"], "report", "书面报告", "report")
    return Outcome(
        payload={"report": sha}, documents=(sha,), set={"tender_report_at": ctx.now.isoformat()}
    )


# ---------------------------------------------------------------- performance and acceptance


@effect("record_performance")
def _performance(ctx: Context) -> Outcome:
    """A performance record (履约记录): a milestone delivered, a payment, a breach."""
    docs = tuple(
        _stored(ctx, sha, "document", "附件", "attachment")
        for sha in [ctx.data.get("document")]
        if sha
    )
    return Outcome(payload=dict(ctx.data), documents=docs)


@effect("record_acceptance", outcomes=("passed", "failed"))
def _acceptance(ctx: Context) -> Outcome:
    """The acceptance (验收) with its report: passed closes the project, failed keeps it open."""
    sha = _stored(ctx, ctx.data["report"], "report", "验收报告", "acceptance report")
    passed = bool(ctx.data["passed"])
    return Outcome(
        name="passed" if passed else "failed",
        payload={"passed": passed, "report": sha, "opinion": ctx.data.get("opinion", "")},
        documents=(sha,),
        set={"accepted_at": ctx.now.isoformat()} if passed else {},
    )


# ---------------------------------------------------------------- supervision


@effect("suspend")
def _suspend(ctx: Context) -> Outcome:
    """A regulator suspends the project: every action but resume and terminate is refused."""
    p = ctx.project
    assert p is not None
    if p["data"].get("suspended"):
        raise DomainError("already-suspended", "项目已处于暂停状态", "already suspended", 409)
    suspended = {
        "at": ctx.now.isoformat(),
        "by": ctx.account.username,
        "kind": "regulator",
        "reason": ctx.data["reason"],
        "stage": p["stage"],
    }
    return Outcome(payload=suspended, set={"suspended": suspended})


def _moved(value: Any, since: datetime, days: int) -> str | None:
    """value shifted by days if it is a time after since, else None."""
    if not isinstance(value, str) or len(value) < 19 or "T" not in value:
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        return None
    if when.tzinfo is None or when <= since:
        return None
    return (when + timedelta(days=days)).isoformat()


def moved_after_suspension(ctx: Context, suspended: dict[str, Any]) -> tuple[int, dict[str, str]]:
    """The whole days a suspension lasted and the project moments still ahead when it began,
    each moved by that many days (期限相应顺延)."""
    p = ctx.project
    assert p is not None
    since = datetime.fromisoformat(suspended["at"])
    days = max(1, math.ceil((ctx.now - since).total_seconds() / 86400))
    moved = {  # every moment of the project still ahead when it stopped: deadlines, closes
        name: new
        for name, value in p["data"].items()
        if (new := _moved(value, since, days)) is not None
    }
    return days, moved


@effect("resume")
def _resume(ctx: Context) -> Outcome:
    """Resume a suspended project: every scheduled moment still ahead when it was suspended
    moves by the length of the suspension in whole days (期限相应顺延)."""
    p = ctx.project
    assert p is not None
    suspended = p["data"].get("suspended")
    if not suspended:
        raise DomainError("not-suspended", "项目未暂停", "the project is not suspended", 409)
    days, moved = moved_after_suspension(ctx, suspended)
    return Outcome(
        payload={"suspended_at": suspended["at"], "days": days, "moved": moved},
        set={"suspended": None, **moved},
    )


@effect("terminate")
def _terminate(ctx: Context) -> Outcome:
    """End the project before its result (终止招标): fees and bonds are refunded with interest
    (实施条例 art. 31)."""
    p = ctx.project
    assert p is not None
    return Outcome(
        payload={"reason": ctx.data["reason"], "stage_before": p["stage"]},
        set={"terminated_at": ctx.now.isoformat(), "suspended": None},
    )

"""After a failed tender (流标/废标): re-tender, or change the method with approval.

A failed project stays final; what follows it is a new project whose registration names it
(`follows`). The same method needs no approval (重新招标, 招标投标法 art. 28/42, 实施条例
art. 44). Another method needs the supervising department's approval on the failed project
first, and only the methods the declaration allows (政府采购法 art. 36–37: after a failed
tender, another method needs approval before the new procurement starts). Both projects
point at each other, so the history of a purchase reads as one chain.
"""

from __future__ import annotations

from typing import Any

from ggzy.core.errors import DomainError
from ggzy.core.events import NewEvent, event_type
from ggzy.core.projections import projector
from ggzy.procedures.engine import (
    PROCEDURES,
    Context,
    Outcome,
    effect,
    get_project,
    project_changed,
)

event_type("MethodChangeRequested", "变更采购（招标）方式申请", "change of method requested")
event_type("MethodChangeDecided", "变更采购（招标）方式审批", "change of method decided")
event_type("ProjectFollowedUp", "已重新组织（后续项目）", "followed by a new project")
projector("ProjectFollowedUp")(project_changed)


@effect("request_method_change")
def _request(ctx: Context) -> Outcome:
    """The tenderee asks to continue the failed purchase under another method."""
    p = ctx.project
    assert p is not None
    allowed = tuple(str(m) for m in ctx.action.params.get("to", ()))  # type: ignore[attr-defined]
    target = ctx.data["method"]
    if target not in allowed or target not in PROCEDURES:
        names = "、".join(f"{PROCEDURES[m].zh}（{m}）" for m in allowed if m in PROCEDURES)
        raise DomainError(
            "method-not-allowed",
            f"流标（废标）后只能申请变更为：{names or '无'}",
            f"after this failure the method may change only to: {', '.join(allowed) or 'none'}",
            field="method",
        )
    request = {
        "method": target,
        "method_zh": PROCEDURES[target].zh,
        "reason": ctx.data["reason"],
        "requested_at": ctx.now.isoformat(),
        "approved": None,
    }
    return Outcome(payload=request, set={"method_change": request})


@effect("decide_method_change")
def _decide(ctx: Context) -> Outcome:
    """The supervising department approves or refuses the requested change."""
    p = ctx.project
    assert p is not None
    request = p["data"].get("method_change")
    if not request or request.get("approved") is not None:
        raise DomainError(
            "no-method-change-request",
            "没有待审批的变更方式申请",
            "no change of method is waiting for a decision",
            status=409,
        )
    approved = bool(ctx.data["approved"])
    decided = {
        **request,
        "approved": approved,
        "opinion": ctx.data.get("opinion", ""),
        "decided_at": ctx.now.isoformat(),
        "decided_by": ctx.account.username,
    }
    return Outcome(
        payload={"method": request["method"], "approved": approved, "opinion": decided["opinion"]},
        set={"method_change": decided},
    )


def follow_up(ctx: Context, code: str, tenderee: str) -> dict[str, Any]:
    """Check that a new project may follow the failed project `code`, and record the link.

    Called by the registration of the new project; returns what the new project records.
    """
    old = get_project(ctx.conn, code)
    if old["stage"] != "failed":
        raise DomainError(
            "not-failed",
            f"项目 {old['code']} 未流标（废标），不能据此重新组织",
            f"project {old['code']} has not failed",
            field="follows",
        )
    if old["tenderee"] != tenderee:
        raise DomainError(
            "other-tenderee",
            "只能由原招标人（采购人）重新组织",
            "only the same tenderee may follow a failed project",
            field="follows",
        )
    if old["data"].get("followed_by"):
        raise DomainError(
            "already-followed",
            f"项目 {old['code']} 已由 {old['data']['followed_by']} 重新组织",
            f"project {old['code']} is already followed by {old['data']['followed_by']}",
            status=409,
            field="follows",
        )
    method = ctx.procedure.code
    if method != old["method"]:
        change = old["data"].get("method_change") or {}
        if change.get("method") != method or change.get("approved") is not True:
            raise DomainError(
                "method-change-not-approved",
                f"变更为“{ctx.procedure.zh}”须先经监督部门批准（政府采购法 第37条）",
                f"changing to {method} needs the supervising department's approval first",
                status=409,
                field="follows",
            )
    new_code = ctx.data["code"]
    ctx.uow.emit(
        NewEvent(
            "ProjectFollowedUp",
            "project",
            old["code"],
            {
                "project": old["code"],
                "followed_by": new_code,
                "method": method,
                "set": {"followed_by": new_code},
            },
        )
    )
    return {"follows": old["code"], "follows_method": old["method"]}
